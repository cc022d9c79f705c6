import { resolve } from 'node:path';
import { RunError, UsageError } from '../../errors.js';
import { openMetricsDb } from '../../metrics/store.js';
import { cellsFromDb, findBenchmarkId } from '../../monitoring/from-db.js';
import { PushgatewayGroup } from '../../monitoring/pushgateway.js';
import { createBenchmarkRegistry } from '../../monitoring/registry.js';
import { parseCommandArgs, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

const PUSH_FLAGS = {
  pushgateway: { type: 'string', arg: 'URL', help: 'the Pushgateway, e.g. http://node042:9091' },
  id: { type: 'string', arg: 'ID', help: 'the run (default: the newest in the database)' },
  delete: { type: 'boolean', help: "remove the run's group from the Pushgateway instead of pushing" },
} as const satisfies Options;

const USAGE = commandHelp('push', PUSH_FLAGS, {
  usage: '<metrics.db> --pushgateway URL [--id ID] [--delete]',
  description:
    'Rebuilds the Prometheus metrics of a finished run from its metrics database and pushes them once to a Pushgateway (group job="aifb", benchmark_id=ID), where Grafana can show them. The group stays until deleted: aifb push --delete --id ID --pushgateway URL.',
});

export const pushCommand: Command = {
  name: 'push',
  summary: "push a finished run's metrics to a Prometheus Pushgateway",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, PUSH_FLAGS, 'push');
    const url = values.pushgateway;
    if (!url) throw new UsageError('push: give the Pushgateway with --pushgateway URL');
    if (values.delete) {
      if (!values.id) throw new UsageError('push --delete: name the run with --id ID');
      const group = new PushgatewayGroup(url, values.id);
      await send(() => group.delete(), group.url);
      io.stdout.write(`Deleted ${group.url}\n`);
      return EXIT.ok;
    }
    const file = positionals[0];
    if (!file) throw new UsageError('push: name the metrics database (aifb push metrics.db --pushgateway URL)');
    const db = openMetricsDb(resolve(io.cwd, file));
    let id: string;
    let cells;
    try {
      id = findBenchmarkId(db, values.id);
      cells = cellsFromDb(db, id);
    } finally {
      db.close();
    }
    const registry = createBenchmarkRegistry(cells, () => 0);
    const group = new PushgatewayGroup(url, id);
    await send(() => group.push(registry), group.url);
    let requests = 0;
    for (const op of cells.operations()) requests += op.requests;
    io.stdout.write(
      `Pushed ${requests} request(s) of ${cells.services.size} service(s) of ${id} to ${group.url}\n` +
        `It stays there until: aifb push --delete --id ${id} --pushgateway ${url}\n`,
    );
    return EXIT.ok;
  },
};

async function send(work: () => Promise<void>, url: string): Promise<void> {
  try {
    await work();
  } catch (err) {
    const message = (err as Error).message;
    throw new RunError(message.includes(url) ? message : `${url}: ${message}`, { cause: err });
  }
}

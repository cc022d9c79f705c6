import { openMetricsDb } from '../../metrics/store.js';
import { buildReport } from '../../report/build.js';
import { renderSummary } from '../../report/terminal.js';
import { writeJsonReport } from '../../report/write.js';
import { UsageError } from '../../errors.js';
import { parseCommandArgs, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { resolve } from 'node:path';

const REPORT_FLAGS = {
  id: { type: 'string', arg: 'ID', help: 'the run (default: the newest in the database)' },
  out: { type: 'string', arg: 'DIR', help: 'write <DIR>/<id>_report.json' },
  json: { type: 'boolean', help: 'print the report JSON on stdout' },
} as const satisfies Options;

export const reportCommand: Command = {
  name: 'report',
  summary: 'rebuild a run\'s report from its metrics database',
  usage: commandHelp('report', REPORT_FLAGS, {
    usage: '<metrics.db> [--id ID] [--out DIR] [--json]',
    description: 'Rebuilds the JSON report from the database alone (also for a run that was killed): the newest run, or the one named by --id.',
  }),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, REPORT_FLAGS, 'report');
    const file = positionals[0];
    if (!file) throw new UsageError('report: name the metrics database (aifb report metrics.db)');
    const db = openMetricsDb(resolve(io.cwd, file));
    try {
      const report = buildReport(db, values.id);
      if (values.out) io.stderr.write(`Report: ${writeJsonReport(report, resolve(io.cwd, values.out))}\n`);
      if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else io.stdout.write(renderSummary(report) + '\n');
    } finally {
      db.close();
    }
    return EXIT.ok;
  },
};

import { openMetricsDb } from '../../metrics/store.js';
import { buildReport } from '../../report/build.js';
import { renderSummary } from '../../report/terminal.js';
import { writeJsonReport } from '../../report/write.js';
import { UsageError } from '../../errors.js';
import { parseCommandArgs, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command, CommandIO } from '../command.js';
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
    showReport(resolve(io.cwd, file), values.id, values.out, values.json, io);
    return EXIT.ok;
  },
};

/** Builds a run's report from its database; writes it into `dir` if given, and prints it as JSON or the summary. */
export function showReport(dbFile: string, id: string | undefined, dir: string | undefined, json: boolean | undefined, io: CommandIO): void {
  const db = openMetricsDb(dbFile);
  try {
    const report = buildReport(db, id);
    if (dir) io.stderr.write(`Report: ${writeJsonReport(report, resolve(io.cwd, dir))}\n`);
    io.stdout.write((json ? JSON.stringify(report, null, 2) : renderSummary(report)) + '\n');
  } finally {
    db.close();
  }
}

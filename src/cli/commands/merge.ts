import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { mergeShardFiles } from '../../launch/merge.js';
import { parseCommandArgs, positiveInt, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command, CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { showReport } from './report.js';

const MERGE_FLAGS = {
  out: { type: 'string', arg: 'MERGED.db', help: 'the merged database to write' },
  reports: { type: 'string', arg: 'DIR', help: 'also write <DIR>/<id>_report.json' },
  id: { type: 'string', arg: 'ID', help: 'the benchmark id of the shards (default: the one they hold)' },
  expect: {
    type: 'string',
    arg: 'N',
    help: 'the run had shards 0..N-1; one that is absent, unreadable or never finished (its generator was killed) is recorded as missing and the run is partial, instead of an error',
  },
  json: { type: 'boolean', help: 'print the merge result as JSON' },
} as const satisfies Options;

/** `aifb merge`: the shards of one run (one SQLite file per load generator) into one database and report. */
export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge the shard databases of load generators into one run and report',
  usage: commandHelp('merge', MERGE_FLAGS, {
    usage: 'SHARD.db... --out MERGED.db [options]',
    description:
      'Each load generator (generators: N; one Slurm task or child process each) writes its own SQLite shard. merge copies every request row into MERGED.db as one run: times are rebased to the earliest shard, client ids are offset so they stay distinct, service counters add and windows span all shards; the report is then built from the raw rows, so percentiles are exact over all shards and rates add. The shards table of MERGED.db records which host and Slurm task wrote which rows.',
  }),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, MERGE_FLAGS, 'merge');
    if (!values.out) throw new UsageError('merge: give --out MERGED.db');
    if (positionals.length === 0) throw new UsageError('merge: give the shard databases to merge');
    const out = resolve(io.cwd, values.out);
    const r = mergeShardFiles(out, positionals.map((p) => resolve(io.cwd, p)), values.id, { expect: positiveInt(values.expect, 'expect') });
    tellMerged(r, out, io);
    showReport(out, r.benchmarkId, values.reports, values.json, io);
    return EXIT.ok;
  },
};

/** What a merge did, on stderr: rows and shards merged, and each shard that was missing. */
export function tellMerged(r: ReturnType<typeof mergeShardFiles>, out: string, io: CommandIO): void {
  io.stderr.write(`merged ${r.shards} shard(s), ${r.rows} request rows of ${r.benchmarkId} into ${out}\n`);
  for (const m of r.missing) io.stderr.write(`shard ${m.index} missing${m.node ? ` (node ${m.node})` : ''}: ${m.reason}\n`);
}

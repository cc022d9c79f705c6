import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { mergeShardFiles } from '../../launch/merge.js';
import { aifbCommand } from '../../launch/self.js';
import { runGeneratorSteps, shardFile } from '../../launch/slurm/spread.js';
import { openMetricsDb } from '../../metrics/store.js';
import { buildReport } from '../../report/build.js';
import { writeJsonReport } from '../../report/write.js';
import { createLogger } from '../../util/log.js';
import { parseCommandArgs, positiveInt, type Options } from '../args.js';
import { OVERRIDE_FLAGS, overridesFrom } from '../overrides.js';
import { overrideArgv } from '../../recipe/overrides.js';
import { withStopSignal, type CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { tellMerged } from './merge.js';

/** `aifb slurm generators`' flags; the overrides go on to every generator step. */
export const GENERATORS_OPTIONS = {
  id: { type: 'string', arg: 'ID', help: 'the benchmark id' },
  count: { type: 'string', arg: 'N', help: 'how many generators (job steps)' },
  'shard-dir': { type: 'string', arg: 'DIR', help: 'where the generators write their shards' },
  out: { type: 'string', arg: 'DB', help: 'the merged metrics database' },
  reports: { type: 'string', arg: 'DIR', help: 'also write the report into DIR' },
  ...OVERRIDE_FLAGS,
} as const satisfies Options;

/**
 * `aifb slurm generators RECIPE --id ID --count N --shard-dir DIR --out DB [--reports DIR]`,
 * run by the client job's batch step: one job step per generator over the allocated
 * nodes, then one merge of every shard there is. A shard lost with its node makes the
 * run partial and is named in the merged database and the report; the exit code is 1
 * then, 0 when every generator ended well.
 */
export async function generatorsCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals, order } = parseCommandArgs(args, GENERATORS_OPTIONS, 'slurm generators');
  const recipe = positionals[0];
  const count = positiveInt(values.count, 'count');
  if (!recipe || !values.id || !count || !values['shard-dir'] || !values.out) {
    throw new UsageError('slurm generators: give the recipe, --id, --count, --shard-dir and --out');
  }
  const [id, outFile] = [values.id, values.out];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
  const shardDir = abs(values['shard-dir']);
  const log = createLogger('info', (l) => io.stderr.write(`${l}\n`));
  return withStopSignal(async (stop) => {
    const steps = await runGeneratorSteps({
      recipeFile: abs(recipe),
      benchmarkId: id,
      shardDir,
      count,
      aifb: aifbCommand(io.env),
      overrideArgs: overrideArgv(overridesFrom(order)),
      env: io.env,
      log,
      signal: stop,
    });
    const notes = Object.fromEntries(steps.filter((s) => s.failure).map((s) => [s.index, s.failure!]));
    const files = steps.map((s) => shardFile(shardDir, s.index));
    const out = abs(outFile);
    const r = mergeShardFiles(out, files, id, { expect: count, notes });
    tellMerged(r, out, io);
    if (values.reports) {
      const db = openMetricsDb(out);
      try {
        io.stderr.write(`Report: ${writeJsonReport(buildReport(db, r.benchmarkId), abs(values.reports))}\n`);
      } finally {
        db.close();
      }
    }
    if (stop.aborted) return EXIT.sigterm;
    return r.missing.length === 0 && steps.every((s) => !s.failure) ? EXIT.ok : EXIT.runtime;
  });
}

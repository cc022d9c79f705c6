import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runBenchmark } from '../../engine/orchestrator.js';
import { collectProvenance } from '../../metrics/provenance.js';
import { MetricsStore } from '../../metrics/store.js';
import { spoolRowsOf } from '../../metrics/spool.js';
import { UsageError } from '../../errors.js';
import { loadRecipeFile } from '../../recipe/load.js';
import { buildReport } from '../../report/build.js';
import { renderSummary } from '../../report/terminal.js';
import { writeJsonReport } from '../../report/write.js';
import { writeHtmlReport } from '../../report/html/report-page.js';
import { ThresholdWatch } from '../../report/thresholds-live.js';
import { fmtMetric } from '../../report/format.js';
import { builtinRegistry, CATALOG_MODULE } from '../../services/catalog.js';
import { startSeedServices } from '../../launch/seed.js';
import { serviceLauncher } from '../../launch/service-launcher.js';
import { systemClock } from '../../util/clock.js';
import { createJsonLogger, createLogger, toLogLevel } from '../../util/log.js';
import { logFormat } from '../log-format.js';
import { parseCommandArgs, positiveInt, type Options } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { defaultRecipe, outputPaths, runLogSink } from '../paths.js';
import { Progress } from '../progress.js';
import { OVERRIDE_FLAGS, overridesFrom } from '../overrides.js';
import { commandHelp } from '../help.js';
import { EXIT } from '../exit-codes.js';
import { checkBenchmarkId, checkMetricsDb, checkReportsDir, graceMsArg, outDirArg } from '../preflight.js';
import { startLiveExport } from '../../monitoring/live-export.js';
import type { ServiceSpec } from '../../recipe/types.js';
import { LIVE_EXPORT_FLAGS, metricsPortArg, pushIntervalArg } from '../../monitoring/options.js';

const RUN_FLAGS = {
  recipe: { type: 'string', arg: 'FILE', help: 'the recipe (same as the positional argument)' },
  'max-workers': { type: 'string', arg: 'N', help: 'services run in parallel, at most N at once (default 10)' },
  sequential: { type: 'boolean', help: 'run services one after another' },
  'one-thread': {
    type: 'boolean',
    help: "run every service's load on aifb's main thread (default: services that run in parallel get a thread each; see docs/ARCHITECTURE.md)",
  },
  pushgateway: { type: 'string', arg: 'URL', help: 'Prometheus Pushgateway to push live metrics to' },
  ...LIVE_EXPORT_FLAGS,
  ...OVERRIDE_FLAGS,
  out: { type: 'string', arg: 'DIR', help: 'write the report (and a relative metrics_db) into DIR' },
  id: { type: 'string', arg: 'ID', help: 'benchmark id to use (default benchmark_<unix time>_<random>)' },
  grace: { type: 'string', arg: 'SECONDS', help: 'after SIGINT/SIGTERM, how long in-flight requests may finish (default 5)' },
  'start-services': {
    type: 'boolean',
    help: "start the seed's services (a slurm block and a container_image, no launcher) as Slurm jobs with Apptainer, as aifb slurm submit does; without it they are external, already running at service_url",
  },
  'log-format': {
    type: 'string',
    arg: 'F',
    help: 'text (default) or json: one JSON object per log line (pino), on the terminal and in the run log; also AIFB_LOG=json. No live display then',
  },
  quiet: { type: 'boolean', help: 'no live display; plain lines only' },
  json: { type: 'boolean', help: 'print the report JSON on stdout (the summary goes to stderr)' },
} as const satisfies Options;

const USAGE = commandHelp('run', RUN_FLAGS, {
  usage: '[recipe.yaml] [options]',
  description:
    'Runs a benchmark recipe (examples/quickstart.yaml when none is given), stores every request in the metrics database and writes <reports_dir>/<benchmark_id>_report.json and _report.html. The summary ends with the verdict line (PASS/FAIL/DONE); exit 0 complete, 99 a threshold failed, 2 bad input, 1 a runtime failure.',
});

/** benchmark_<unix seconds>_<4 hex>, in the seed's spirit but unique within a second. */
export function newBenchmarkId(nowMs = Date.now()): string {
  return `benchmark_${Math.floor(nowMs / 1000)}_${randomBytes(2).toString('hex')}`;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a benchmark recipe',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals, order } = parseCommandArgs(args, RUN_FLAGS, 'run');
    const recipePath = values.recipe ?? positionals[0] ?? defaultRecipe;
    const maxWorkers = positiveInt(values['max-workers'], 'max-workers') ?? 10;
    const graceMs = graceMsArg(values.grace, 5);
    const givenId = checkBenchmarkId(values.id);
    const format = logFormat(values['log-format'], io.env);
    const spool = spoolRowsOf(io.env);
    if (spool === undefined) throw new UsageError(`AIFB_SPOOL_ROWS expects a whole number of rows (0: no spool), got "${io.env.AIFB_SPOOL_ROWS}"`);
    const loaded = loadRecipeFile(recipePath, { registry: builtinRegistry, env: io.env, overrides: overridesFrom(order) });
    // --start-services: the seed's services (slurm block + container_image) start as Slurm jobs, as under aifb slurm submit.
    const plan = values['start-services'] ? startSeedServices(loaded) : loaded;
    const paths = outputPaths(io.cwd, plan.global, outDirArg(io.cwd, values.out, 'run'));
    const benchmarkId = givenId ?? newBenchmarkId();
    checkMetricsDb(paths.metricsDb);
    checkReportsDir(paths.reportsDir);
    let progress: Progress | undefined;
    // While the bars are drawn, a log line goes above them rather than through them.
    const toTerminal = (l: string) => (progress ? progress.log(l) : io.stderr.write(l + '\n'));
    const toFile = runLogSink(join(paths.logsDir, `${benchmarkId}.log`), toTerminal);
    const both = (l: string) => {
      toTerminal(l);
      toFile(l);
    };
    const log = format === 'json' ? createJsonLogger(toLogLevel(plan.global.logLevel), both, { benchmark_id: benchmarkId }) : createLogger(toLogLevel(plan.global.logLevel), both);
    for (const w of plan.warnings) log.warn(w);
    for (const n of plan.seedNotes ?? []) log.info(`seed: ${n}`);
    // What each service's backend declares, for thresholds and Prometheus series on those figures.
    const declarations = (spec: ServiceSpec) => builtinRegistry.resolve(spec.type, spec.backend)?.metrics ?? [];
    const exporter = await startLiveExport({
      benchmarkId,
      // The seed's order: the flag, the recipe, then PUSHGATEWAY_URL.
      pushgatewayUrl: values.pushgateway ?? plan.global.pushgatewayUrl ?? (io.env.PUSHGATEWAY_URL || undefined),
      pushIntervalMs: pushIntervalArg(values['push-interval']),
      metricsPort: metricsPortArg(values['metrics-port']),
      keepGroup: values['keep-pushgateway-group'] ?? false,
      declarations,
      log,
    });
    // The writer thread spools the load's rows and, after it, inserts them and keeps the
    // report's aggregates (metrics/spool.ts): no second pass over millions of rows at the end.
    const store = new MetricsStore(paths.metricsDb, { background: true, aggregates: true, spool });
    const clock = systemClock();
    const origin = clock.now();
    store.beginRun(
      {
        benchmarkId,
        name: plan.name,
        description: plan.description,
        recipeFile: recipePath,
        recipeText: plan.redactedText,
        recipeHash: plan.recipeHash,
        provenance: collectProvenance(io.env),
      },
      origin,
      (m) => clock.wallAt(m),
    );

    const stop = new AbortController();
    store.onWriteError = (err) => {
      log.error(`the metrics database ${paths.metricsDb} cannot be written (${err.message}): stopping the load; what was stored is kept`);
      if (!stop.signal.aborted) stop.abort(err);
    };
    let signalCode = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (!stop.signal.aborted) {
        signalCode = sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
        log.warn(`${sig}: stopping the load, letting in-flight requests finish (up to ${graceMs / 1000}s), then writing the report`);
        stop.abort(new Error(sig));
        return;
      }
      // A second signal: commit what we have and leave now.
      log.warn(`${sig} again: leaving now; the report can be rebuilt with aifb report`);
      store.finishRun('partial', clock.now());
      store.close();
      process.exit(signalCode);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const mode = values.quiet ? 'plain' : io.stderr.isTTY ? 'live' : 'plain';
    // JSON logs are for a machine: no progress lines among them.
    progress = new Progress(io.stderr, () => clock.now(), values.quiet || format === 'json' ? 'off' : mode);
    log.info(`benchmark ${benchmarkId}: ${plan.services.length} service(s) from ${recipePath}; metrics in ${paths.metricsDb}`);
    let thresholdAbort = false;
    const watch = new ThresholdWatch((failures) => {
      thresholdAbort = true;
      const what = failures.map((f) => `${f.service}${f.operation ? `/${f.operation}` : ''} ${f.metric} ${f.condition} (now ${fmtMetric(f.actual, f.unit)})`);
      log.warn(`threshold failed: ${what.join('; ')}; abort_on_fail: stopping the run`);
      if (!stop.signal.aborted) stop.abort(new Error('threshold failed'));
    }, declarations);
    let result;
    try {
      result = await runBenchmark(plan, {
        benchmarkId,
        registry: builtinRegistry,
        store,
        clock,
        log,
        stop: stop.signal,
        maxWorkers,
        sequential: values.sequential ?? false,
        threads: values['one-thread'] || plan.global.threads === 'one' ? 'one' : 'per-service',
        registryModule: CATALOG_MODULE,
        launcher: serviceLauncher,
        graceMs,
        serverMetrics: true,
        observers: [{ serviceStarted: (spec, live) => progress.add(spec.name, live) }, exporter.observer, watch],
      });
    } finally {
      progress.stop();
      await exporter.finish();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    store.finishRun(result.status, clock.now());
    store.saveAggregates();
    const report = buildReport(store.db, benchmarkId, new Date(), undefined, true);
    store.close();
    if (store.lost) log.error(`${store.lost} measured requests could not be stored (disk full); the report covers the rest`);
    const reportPath = writeJsonReport(report, paths.reportsDir);
    const htmlPath = writeHtmlReport(report, plan.redactedText, paths.reportsDir);
    if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    (values.json ? io.stderr : io.stdout).write(renderSummary(report) + `\nReport: ${reportPath}\nHTML:   ${htmlPath}\n`);
    if (signalCode) return signalCode;
    if (store.failure) return EXIT.runtime;
    if (result.badInput) return EXIT.badInput;
    if (result.status === 'failed') return EXIT.runtime;
    if (thresholdAbort || report.thresholds.failed > 0) return EXIT.thresholds;
    return result.status === 'complete' ? EXIT.ok : EXIT.runtime;
  },
};

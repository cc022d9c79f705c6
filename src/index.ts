/**
 * aifb as a library: load a recipe into a Plan, run it (the engine, driven through the
 * launch layer), and build the report from the metrics database. `runRecipe` does all
 * three as `aifb run` does; the parts are here for programs that need one of them.
 */
export { runRecipe, type RecipeRun, type RunRecipeOptions } from './library.js';
export { loadRecipeFile, loadRecipeText, type LoadOptions } from './recipe/load.js';
export type { LoadProfile, MixEntry, Plan, ServiceSpec, Slo } from './recipe/types.js';
export { runBenchmark } from './engine/orchestrator.js';
export type { BenchmarkOptions, BenchmarkResult, RunObserver, ServiceLauncher, ServiceRunResult } from './engine/types.js';
export { serviceLauncher } from './launch/service-launcher.js';
export { MetricsStore } from './metrics/store.js';
export { collectProvenance } from './metrics/provenance.js';
export type { Sample } from './metrics/sample.js';
export { buildReport } from './report/build.js';
export { renderSummary } from './report/terminal.js';
export { writeJsonReport } from './report/write.js';
export { writeHtmlReport } from './report/html/report-page.js';
export type { Report, ServiceReport, SliceReport, ThresholdReport } from './report/types.js';
export type { Adapter, BackendDefinition, BackendModule, OperationResult, SetupContext, TeardownContext } from './services/contract.js';
export { serviceOf, type FieldsOf, type ServiceOf } from './services/fields.js';
export { BackendRegistry } from './services/registry.js';
export { builtinRegistry } from './services/catalog.js';
export { systemClock, type Clock } from './util/clock.js';
export { createLogger, type Logger } from './util/log.js';

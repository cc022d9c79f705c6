import type { MetricDeclaration, TallyDeclaration } from '../metrics/declaration.js';
import type { DeclaredFigure } from '../metrics/aggregates/extras.js';
import type { StoredServiceRow } from '../metrics/store.js';
import { builtinRegistry } from '../services/catalog.js';
import { fieldsOf } from '../services/fields.js';
import type { ServiceReport, SliceReport } from './types.js';

/*
 * Where declared metrics sit in a report, both ways: build.ts places each figure at the
 * path its declaration names, and thresholds, compare and the Prometheus export read it
 * back from there, knowing only the declaration.
 */

/** Puts `value` at a dotted path of `target`; skipped when an object on the way is absent (no LLM block, no histograms). */
export function place(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (!next || typeof next !== 'object') return;
    o = next as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
}

/** Each declared figure where its declaration says (`metrics.<name>` by default), per operation too when declared so. */
export function placeFigures(report: ServiceReport, figures: readonly DeclaredFigure[]): void {
  for (const f of figures) {
    const d = f.declaration;
    const put = (at: SliceReport, v: unknown) => (d.reportAs ? place(at, d.reportAs, v) : ((at.metrics ??= {})[d.name] = v));
    put(report, f.value);
    if (f.histogram && d.histogramAs) place(report, d.histogramAs, f.histogram);
    for (const [op, v] of Object.entries(f.byOperation ?? {})) {
      const slice = report.operations[op];
      if (slice && v !== undefined && v !== 0) put(slice, v);
    }
  }
}

/**
 * A declared figure of a service or operation as the report holds it (a DistSummary in
 * seconds, a rate's `{mean, min, …}`, a counter's sum), or undefined when it has none
 * (no value was seen; a counter of 0 is not shown).
 */
export function figureAt(slice: SliceReport, d: MetricDeclaration): unknown {
  return d.reportAs ? valueAt(slice, d.reportAs) : slice.metrics?.[d.name];
}

/** What a report holds at a dotted path, or undefined. */
export function valueAt(target: object, path: string): unknown {
  let o: unknown = target;
  for (const k of path.split('.')) o = o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
  return o;
}

/** The tallies a service's backend declares (reports do not carry them: the catalogue's). */
export function talliesOf(s: Pick<ServiceReport, 'service_type' | 'backend'>): readonly TallyDeclaration[] {
  return s.service_type === null ? [] : (builtinRegistry.resolve(s.service_type, s.backend ?? undefined)?.tallies ?? []);
}

/** The backend's declarations as the catalogue has them now, for a run or report stored before they were kept. */
function catalogueDeclarations(serviceType: string | null, backend: string | null): readonly MetricDeclaration[] {
  if (serviceType === null) return [];
  return builtinRegistry.resolve(serviceType, backend ?? undefined)?.metrics ?? [];
}

/** The metrics a service's backend declared: as its report carries them, else its backend's. */
export function declarationsOf(s: Pick<ServiceReport, 'declared_metrics' | 'service_type' | 'backend'>): readonly MetricDeclaration[] {
  return s.declared_metrics ?? catalogueDeclarations(s.service_type, s.backend);
}

/** The declarations stored with a service's load (orchestrator describeLoad), else its backend's now. */
export function storedDeclarations(row: Pick<StoredServiceRow, 'load' | 'service_type' | 'backend'>): readonly MetricDeclaration[] {
  const load = row.load ? (JSON.parse(row.load) as { metrics?: MetricDeclaration[] }) : undefined;
  return load?.metrics ?? (load ? catalogueDeclarations(row.service_type, row.backend) : []);
}

/**
 * A run stored before backends declared their metrics or tallies has none in its stored
 * load: it gets the declarations of its backend as the catalogue has them now (and the
 * plain operations' knobs), so its report keeps TTFB, ITL, e2el, recall and chat sessions.
 */
export function withDeclarations(row: StoredServiceRow): StoredServiceRow {
  const load = row.load ? (JSON.parse(row.load) as Record<string, unknown>) : undefined;
  if (!load || (load.metrics && load.tallies) || row.service_type === null) return row;
  const def = builtinRegistry.resolve(row.service_type, row.backend ?? undefined);
  const added: Record<string, unknown> = {};
  if (!load.metrics && def?.metrics?.length) {
    const params = def.operationParams && def.operationParams(fieldsOf(def.fields, {}));
    Object.assign(added, { metrics: def.metrics }, params && !load.operation_params ? { operation_params: params } : {});
  }
  if (!load.tallies && def?.tallies?.length) added.tallies = def.tallies;
  return Object.keys(added).length ? { ...row, load: JSON.stringify({ ...load, ...added }) } : row;
}

import type { Registry } from 'prom-client';
import { declaredBase, type MetricDeclaration } from '../metrics/declaration.js';
import { trendScale, type BenchmarkCells, type DeclaredValue, type OperationCell } from './cells.js';
import { CellHistogram, counter, gauge, OP_LABELS } from './prom-metrics.js';

/** A name Prometheus accepts: letters, digits, `_` and `:`. */
const clean = (s: string) => s.replace(/[^a-zA-Z0-9_:]/g, '_');

/**
 * The series name of a declared metric: a trend a histogram in its base unit
 * (`ttfb_ms` → `benchmark_ttfb_seconds`, bytes → `_bytes`), a rate a gauge of its mean
 * (`benchmark_recall`), a counter `_total` (ms summed as seconds).
 */
export function declaredSeriesName(d: MetricDeclaration): string {
  const { base } = declaredBase(d);
  const unit = d.unit === 'ms' ? '_seconds' : d.unit === 'bytes' ? '_bytes' : '';
  const stem = d.unit === 'ms' || d.unit === 'bytes' ? `${base}${unit}` : d.name;
  if (d.kind === 'rate') return clean(`benchmark_${d.name}`);
  if (d.kind === 'counter') return clean(`benchmark_${stem.replace(/_total$/, '')}_total`);
  return clean(`benchmark_${stem}`);
}

/** A service's value of `d`: the same name declared as the same kind and unit (another meaning is not mixed in). */
function valueOf(op: OperationCell, d: MetricDeclaration): DeclaredValue | undefined | null {
  const i = op.declarations.findIndex((x) => x.name === d.name && x.kind === d.kind && x.unit === d.unit);
  return i < 0 ? null : op.declared[i];
}

/** Whether an operation's series exists from the start (counters at 0, so rate() sees the first increase). */
const emits = (op: OperationCell, d: MetricDeclaration) => !d.operations || d.operations.includes(op.operation);

/**
 * Adds the series of one declared metric to the registry, labelled as the fixed
 * per-operation series. A name an existing series has already (a fixed one, or another
 * declaration's) is left out rather than mixed into it.
 */
export function registerDeclared(registry: Registry, cells: BenchmarkCells, d: MetricDeclaration): void {
  const name = declaredSeriesName(d);
  if (registry.getSingleMetric(name)) return;
  const latencyLike = d.kind === 'trend' && d.unit === 'ms';
  const help = `${d.description} (declared by the backend${latencyLike ? '; successful requests' : ''}).`;
  if (d.kind === 'trend') {
    new CellHistogram(name, help, OP_LABELS, trendScale(d).bounds, (emit) => {
      for (const op of cells.operations()) {
        const h = valueOf(op, d)?.hist;
        if (h) emit(op.labels, h);
      }
    }, registry);
  } else if (d.kind === 'rate') {
    gauge(registry, name, `${help.slice(0, -1)}: the mean so far.`, OP_LABELS, (emit) => {
      for (const op of cells.operations()) {
        const v = valueOf(op, d);
        if (v?.n) emit(op.labels, v.sum / v.n);
      }
    });
  } else {
    const scale = d.unit === 'ms' ? 1 / 1000 : 1;
    counter(registry, name, help, OP_LABELS, (emit) => {
      for (const op of cells.operations()) {
        const v = valueOf(op, d);
        if (v !== null && emits(op, d)) emit(op.labels, (v?.sum ?? 0) * scale);
      }
    });
  }
}

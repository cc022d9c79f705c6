import { Counter, Gauge, Histogram, type Registry, type LabelValues } from 'prom-client';
import type { HistogramCell } from './cells.js';

/* prom-client metrics whose values are read from BenchmarkCells when scraped (registry.ts, declared.ts). */

/** Label names used anywhere in the registry; none of them identifies a single request. */
export const LABEL_NAMES = ['benchmark_id', 'service', 'operation', 'status'] as const;
export type Label = (typeof LABEL_NAMES)[number];

export const OP_LABELS = ['benchmark_id', 'service', 'operation'] as const;
export const STATUS_LABELS = ['benchmark_id', 'service', 'operation', 'status'] as const;
export const SERVICE_LABELS = ['benchmark_id', 'service'] as const;

export type Emit = (labels: LabelValues<Label>, value: number) => void;
export type HistogramEmit = (labels: LabelValues<Label>, cell: HistogramCell) => void;

/**
 * A prom-client Histogram whose series come from HistogramCells: the run bumps plain
 * numbers, and the exposition text is built only when something scrapes or pushes.
 * (prom-client's own observe() hashes the label set on every call.)
 */
export class CellHistogram extends Histogram<Label> {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    labelNames: readonly Label[],
    private readonly bounds: readonly number[],
    private readonly each: (emit: HistogramEmit) => void,
    registry: Registry,
  ) {
    super({ name: metricName, help: helpText, labelNames, buckets: [...bounds], registers: [registry] });
  }

  /** The shape prom-client's registry formats: cumulative `_bucket`s, `_sum`, `_count`. */
  private values() {
    const values: { labels: LabelValues<string>; value: number; metricName: string }[] = [];
    this.each((labels, cell) => {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.metricName}_bucket` });
      }
      values.push({ labels, value: cell.sum, metricName: `${this.metricName}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.metricName}_count` });
    });
    return { name: this.metricName, help: this.helpText, type: 'histogram', aggregator: 'sum', values };
  }

  override async get() {
    return this.values() as unknown as Awaited<ReturnType<Histogram<Label>['get']>>;
  }

  /** The registry prefers this over get() when it renders text. */
  async getForPromString() {
    return this.values();
  }
}

export function counter(registry: Registry, name: string, help: string, labelNames: readonly Label[], each: (emit: Emit) => void) {
  return new Counter<Label>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, value) => this.inc(labels, value));
    },
  });
}

export function gauge(registry: Registry, name: string, help: string, labelNames: readonly Label[], each: (emit: Emit) => void) {
  return new Gauge<Label>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, value) => this.set(labels, value));
    },
  });
}


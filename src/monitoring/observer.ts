import type { LiveStats } from '../engine/live.js';
import type { RunObserver, ServiceRunResult } from '../engine/orchestrator.js';
import type { MetricDeclaration } from '../metrics/declaration.js';
import type { Sample } from '../metrics/sample.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { BenchmarkCells, OperationCell, ServiceCell } from './cells.js';

/**
 * Feeds a run's samples into BenchmarkCells. On the hot path it does two map lookups
 * (service, operation) and bumps numbers; the label sets exist once per series.
 */
export class MetricsObserver implements RunObserver {
  private lastSpec: ServiceSpec | undefined;
  private lastService: ServiceCell | undefined;

  constructor(
    private readonly cells: BenchmarkCells,
    private readonly now: () => number,
    private readonly latencySlos: Readonly<Record<string, number>> = {},
    /** The metrics a service's backend declares, exported beside the fixed ones (declared.ts). */
    private readonly declarationsOf: (spec: ServiceSpec) => readonly MetricDeclaration[] = () => [],
  ) {}

  serviceStarted(spec: ServiceSpec, live: LiveStats): void {
    this.cells.declare(spec.name, this.declarationsOf(spec));
    const svc = this.cells.service(spec.name);
    svc.live = live;
    svc.endedAt = undefined;
    // The recipe's per-request e2el objective doubles as the p95 objective: the alert then
    // fires when more than 5 % of requests miss it.
    const e2el = spec.slo?.e2elMs;
    svc.latencySlo = this.latencySlos[spec.name] ?? (e2el === undefined ? undefined : e2el / 1000);
    // Series exist from the start at 0, so the first increase is seen by rate().
    for (const m of spec.mix) svc.operation(m.operation);
  }

  sample(spec: ServiceSpec, s: Sample): void {
    let svc = this.lastService;
    if (spec !== this.lastSpec || !svc) {
      svc = this.cells.service(spec.name);
      this.lastSpec = spec;
      this.lastService = svc;
    }
    const op: OperationCell = svc.operations.get(s.operation) ?? svc.operation(s.operation);
    op.record(s);
  }

  serviceEnded(spec: ServiceSpec, _result: ServiceRunResult, _live: LiveStats): void {
    this.cells.service(spec.name).endedAt = this.now();
  }
}

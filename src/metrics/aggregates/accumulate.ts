import { loadOf, ROW_COLUMNS, type StoredServiceRow } from '../rows.js';
import { LlmAggregate, SliceAggregate } from './aggregate.js';
import { ExtrasAggregate } from './extras.js';
import { ServiceSeries } from './service-series.js';

const WIDTH = ROW_COLUMNS.length;

/** Everything the report keeps of one service's rows. */
export class ServiceAccumulator {
  readonly all = new SliceAggregate();
  readonly ops = new Map<string, SliceAggregate>();
  readonly llm = new LlmAggregate();
  readonly clients = new Map<number, number>();
  readonly series: ServiceSeries;
  readonly extras: ExtrasAggregate;
  firstStart = Infinity;
  lastEnd = -Infinity;

  constructor(row?: StoredServiceRow) {
    // The stored load carries the SLOs and what the backend declared (orchestrator describeLoad).
    const load = loadOf(row);
    this.extras = new ExtrasAggregate(load.slo, load.metrics, load.tallies);
    this.series = new ServiceSeries(load.metrics);
  }
}

/**
 * One pass over a run's rows, in the order they were stored. The same code serves the
 * run itself (fed each committed block while it goes on, so its report needs no second
 * pass over millions of rows) and `aifb report` (fed from the database), so both give
 * the same report.
 */
export class RunAccumulator {
  readonly services = new Map<string, ServiceAccumulator>();
  rows = 0;

  /** `serviceRow` gives a service's stored record (its SLOs) the first time one of its rows comes. */
  constructor(private readonly serviceRow: (name: string) => StoredServiceRow | undefined = () => undefined) {}

  /** Adds rows laid out one after another in ROW_COLUMNS order (the store's blocks). */
  addValues(v: readonly unknown[]): void {
    for (let i = 0; i + WIDTH <= v.length; i += WIDTH) this.addAt(v, i);
  }

  /** Adds the row starting at `i` of `v` (ROW_COLUMNS order). */
  addAt(v: readonly unknown[], i: number): void {
    const service = v[i + 2] as string;
    let a = this.services.get(service);
    if (!a) this.services.set(service, (a = new ServiceAccumulator(this.serviceRow(service))));
    const latency = v[i + 4] as number;
    const ok = v[i + 5] === 1;
    const message = v[i + 7] as string | null;
    const bytesIn = (v[i + 8] as number | null) ?? 0;
    const opName = (v[i + 9] as string | null) ?? 'request';
    const intended = v[i + 10] as number | null;
    const actual = v[i + 11] as number | null;
    const serviceTime = v[i + 12] as number | null;
    const errorClass = v[i + 13] as string | null;
    const bytesOut = (v[i + 14] as number | null) ?? 0;
    const ttft = v[i + 15] as number | null;
    const tpot = v[i + 16] as number | null;
    const itl = v[i + 17] as number | null;
    const outTok = v[i + 19] as number | null;
    const lat = latency * 1000;
    const st = (serviceTime ?? latency) * 1000;
    a.all.add(lat, st, ok, errorClass, message, bytesIn, bytesOut);
    let o = a.ops.get(opName);
    if (!o) a.ops.set(opName, (o = new SliceAggregate()));
    o.add(lat, st, ok, errorClass, message, bytesIn, bytesOut);
    const clientId = v[i + 3] as number;
    a.clients.set(clientId, (a.clients.get(clientId) ?? 0) + 1);
    a.llm.add(ttft, tpot, itl, v[i + 18] as number | null, outTok, v[i + 20] as number | null);
    const x = a.extras.add(v[i + 21] as string | null, ok, lat, ttft === null ? null : ttft * 1000, tpot === null ? null : tpot * 1000, opName, v[i + 18] as number | null);
    if (intended !== null) {
      a.firstStart = Math.min(a.firstStart, intended);
      a.lastEnd = Math.max(a.lastEnd, intended + latency);
      a.series.add(opName, intended, actual, latency, ok, ttft, tpot, itl, outTok, x);
    }
    this.rows++;
  }
}

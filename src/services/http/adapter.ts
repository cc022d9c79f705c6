import { Pool, type Dispatcher } from 'undici';
import { peakConcurrency } from '../shared/concurrency.js';
import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../contract.js';
import type { ErrorClass } from '../../metrics/sample.js';
import type { ServiceOf } from '../fields.js';
import type { Rng } from '../../util/rng.js';
import { checkReachable } from '../shared/reachable.js';
import { settlesWithin } from '../../util/sleep.js';
import { exchange } from './exchange.js';
import { requestTemplates, type RequestTemplate, type httpFields } from './requests.js';

/** A template bound to the pool of its origin: what prepare returns, allocation-free. */
interface HttpOp {
  name: string;
  accepts: RequestTemplate['accepts'];
  pool: Pool;
  /** Path, method, headers and body, built once in setup and sent as is. */
  dispatch: Dispatcher.DispatchOptions;
  bytesOut: number;
}

/** How long teardown lets in-flight requests finish before it cuts connections. */
const CLOSE_GRACE_MS = 2000;

/** One connection per request that can be in flight (see peakConcurrency). */
export const connectionsFor = peakConcurrency;

function errorClassOf(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500) return 'http_5xx';
  return 'protocol';
}

class HttpAdapter implements Adapter<HttpOp> {
  private readonly pools = new Map<string, Pool>();
  private readonly ops = new Map<string, HttpOp>();
  private named: HttpOp[] = [];

  constructor(private readonly spec: ServiceOf<typeof httpFields>) {}

  async setup(ctx: SetupContext): Promise<void> {
    const connections = connectionsFor(this.spec.load);
    const templates = requestTemplates(this.spec.fields);
    // Every origin first: a port where nothing listens is the recipe's mistake (exit 2),
    // not a measurement of 100 % connection_refused.
    const origins = new Map(templates.map((t) => [t.url.origin, t.url]));
    await Promise.all([...origins.values()].map((url) => checkReachable(url, 'http', ctx.signal)));
    for (const t of templates) {
      let pool = this.pools.get(t.url.origin);
      if (!pool) {
        // No undici timers: the engine's deadline sweep aborts late requests (exchange.ts
        // honours the signal). undici's timer wheel walks every armed timer twice a second,
        // a stall of ~5 ms at 10k req/s that showed as schedule lag.
        pool = new Pool(t.url.origin, { connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
        this.pools.set(t.url.origin, pool);
      }
      const dispatch = { path: t.url.pathname + t.url.search, method: t.method, headers: t.headers, body: t.body ?? null };
      const op: HttpOp = { name: t.name, accepts: t.accepts, pool, dispatch, bytesOut: t.body?.length ?? 0 };
      this.ops.set(t.name, op);
    }
    this.named = [...this.ops.values()].filter((op) => op.name !== 'request');
  }

  /** `request` with named requests picks one of them evenly. */
  prepare(operation: string, rng: Rng): HttpOp {
    const op = this.ops.get(operation) ?? (operation === 'request' ? this.named[rng.int(this.named.length)] : undefined);
    if (!op) throw new Error(`http has no request named "${operation}" (call setup first)`);
    return op;
  }

  async execute(op: HttpOp, signal: AbortSignal): Promise<OperationResult> {
    const { status, bytesIn } = await exchange(op.pool, op.dispatch, signal);
    if (op.accepts(status)) return { ok: true, status, bytesIn, bytesOut: op.bytesOut };
    return { ok: false, status, bytesIn, bytesOut: op.bytesOut, errorClass: errorClassOf(status), message: `HTTP ${status}` };
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    // close() waits for queued requests; after the grace period the rest are cut.
    await Promise.all(pools.map(async (pool) => (ctx.failed || !(await settlesWithin(pool.close(), CLOSE_GRACE_MS)) ? pool.destroy() : undefined)));
  }
}

/** The generic HTTP adapter for one service. */
export function createAdapter(spec: ServiceOf<typeof httpFields>): Adapter {
  return new HttpAdapter(spec);
}

import { createClient, RESP_TYPES } from 'redis';
import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { Rng } from '../../../util/rng.js';
import { RunError } from '../../../errors.js';
import { checkReachable } from '../../shared/reachable.js';
import { classed } from './errors.js';
import type { RedisFields, redisFields } from './fields.js';

type Op = { operation: 'get' | 'set' | 'delete'; key: string; value?: Buffer };

/** Values are drawn from this many random payloads, made before the timed window. */
const POOL = 16;
/** Keys per pipeline in setup's fill and teardown's removal. */
const BATCH = 1000;

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

function connectionOf(f: RedisFields): { url: URL; password: string | undefined } {
  const url = new URL(f.service_url ?? `redis://${f.host || '127.0.0.1'}:${typeof f.port === 'number' ? f.port : 6379}`);
  return { url, password: f.password };
}

function newClient(url: URL, password: string | undefined, db: number) {
  return createClient({
    socket: { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 6379, connectTimeout: 5000, reconnectStrategy: (n) => Math.min(50 * (n + 1), 500) },
    ...(password !== undefined ? { password } : {}),
    database: db,
    // A command sent while the connection is down fails at once (counted, classed) instead
    // of waiting in a queue until the server is back, which would hide the outage in latency.
    disableOfflineQueue: true,
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** Settles when the command does or the signal aborts: a sent command cannot be taken back, its late reply is dropped. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One Redis service: keys under `aifb:<benchmark id>:<service>:`, nothing else read or written. */
class RedisAdapter implements Adapter<Op> {
  private client: ReturnType<typeof newClient> | undefined;
  private prefix = '';
  /** Set once the prefix was found empty: only then are the keys under it the run's own. */
  private owned = false;
  private pool: Buffer[] = [];
  loadPhase: { keys: number; bytes: number; seconds: number; keysPerSecond: number } | undefined;

  constructor(private readonly spec: ServiceOf<typeof redisFields>) {}

  private async open(signal: AbortSignal): Promise<ReturnType<typeof newClient>> {
    const { url, password } = connectionOf(this.spec.fields);
    await checkReachable(new URL(`http://${url.host}`), `Redis at ${url.host}`, signal);
    const client = newClient(url, password, this.spec.fields.db);
    // node-redis reports each lost connection as an 'error' event; without a listener it would end the process.
    client.on('error', () => {});
    this.client = client;
    await untilAborted(client.connect(), signal).catch((err: unknown) => {
      throw new RunError(`cannot connect to Redis at ${url.host}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    return client;
  }

  async setup(ctx: SetupContext): Promise<void> {
    this.prefix = `aifb:${ctx.benchmarkId}:${this.spec.name}:`;
    const size = this.spec.fields.value_size;
    this.pool = Array.from({ length: POOL }, () => Buffer.from(ctx.rng.fill(new Uint8Array(size))));
    const client = await this.open(ctx.signal);
    const [found] = await client.scan('0', { MATCH: `${escapeGlob(this.prefix)}*`, COUNT: 100 }).then((r) => [r.keys.length]);
    if (found) throw new RunError(`Redis already holds keys under ${this.prefix}; aifb writes only keys it owns`);
    this.owned = true;
    const started = performance.now();
    const n = Math.min(this.spec.fields.initial_keys, this.spec.fields.keys);
    for (let i = 0; i < n; i += BATCH) {
      ctx.signal.throwIfAborted();
      const multi = client.multi();
      for (let k = i; k < Math.min(n, i + BATCH); k++) multi.set(this.prefix + k, this.pool[k % POOL]!);
      await multi.execAsPipeline();
    }
    const seconds = (performance.now() - started) / 1000;
    this.loadPhase = { keys: n, bytes: n * size, seconds, keysPerSecond: seconds > 0 ? n / seconds : 0 };
    ctx.log.info(`${this.spec.name}: ${n} keys of ${size} B written in ${seconds.toFixed(2)} s`);
  }

  prepare(operation: string, rng: Rng): Op {
    const key = this.prefix + rng.int(this.spec.fields.keys);
    if (operation === 'set') return { operation, key, value: this.pool[rng.int(POOL)]! };
    if (operation === 'get' || operation === 'delete') return { operation, key };
    throw new Error(`redis: unknown operation ${operation}`);
  }

  async execute(op: Op, signal: AbortSignal): Promise<OperationResult> {
    const client = this.client!;
    try {
      if (op.operation === 'get') {
        const value = await untilAborted(client.get(op.key), signal);
        // A miss (a key never written or deleted) is an answer, not an error.
        return { ok: true, status: value === null ? 'miss' : 'hit', bytesIn: value?.length ?? 0 };
      }
      if (op.operation === 'set') {
        await untilAborted(client.set(op.key, op.value!), signal);
        return { ok: true, status: 'OK', bytesOut: op.value!.length };
      }
      const removed = await untilAborted(client.del(op.key), signal);
      return { ok: true, status: removed > 0 ? 'deleted' : 'miss' };
    } catch (err) {
      throw classed(err);
    }
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    let client = this.client;
    if (!this.owned) {
      this.client = undefined;
      client?.destroy();
      return;
    }
    try {
      // After a failure the connection may be gone; one new one is tried, so the keys still go.
      if (!client?.isReady) {
        client?.destroy();
        client = await this.open(AbortSignal.timeout(10_000));
      }
      let removed = 0;
      for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(this.prefix)}*`, COUNT: BATCH })) {
        if (keys.length > 0) removed += await client.unlink(keys.map(String));
      }
      ctx.log.debug(`${this.spec.name}: ${removed} keys under ${this.prefix} removed`);
    } catch (err) {
      ctx.log.warn(`${this.spec.name}: keys under ${this.prefix} not removed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.client = undefined;
      await client?.close().catch(() => client?.destroy());
    }
  }
}

/** The Redis adapter for one service; `loadPhase` holds setup's fill after setup. */
export function createAdapter(spec: ServiceOf<typeof redisFields>): Adapter {
  return new RedisAdapter(spec);
}

import type pg from 'pg';

/**
 * The pool's connections, checked out once at setup and held for the whole run: a query
 * takes a free one from a stack and puts it back, where `pool.query` would go through the
 * pool's checkout and release (callbacks, events, idle timers) for every query. That
 * checkout was ~17 µs of CPU per select on this machine, a third of node-postgres' own
 * cost (docs/performance.md). A connection that broke is handed back to the pool to be
 * destroyed, and the next request that finds none free opens a new one through it.
 */
export class HeldConnections {
  private readonly free: pg.PoolClient[] = [];
  private readonly waiters: ((c: pg.PoolClient) => void)[] = [];
  private readonly failedWaiters: ((e: unknown) => void)[] = [];
  private readonly broken = new WeakMap<pg.PoolClient, Error>();
  private held = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly max: number,
  ) {}

  /** Takes ownership of a connection the pool gave out (setup's warm-up). */
  adopt(c: pg.PoolClient): void {
    this.held++;
    this.watch(c);
    this.free.push(c);
  }

  /** A free connection, a new one while fewer than `max` are held, else the next one given back. */
  acquire(): pg.PoolClient | Promise<pg.PoolClient> {
    const c = this.free.pop();
    if (c) return c;
    if (this.held < this.max) {
      this.held++;
      return this.pool.connect().then(
        (n) => (this.watch(n), n),
        (e: unknown) => {
          this.held--;
          throw e;
        },
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.failedWaiters.push(reject);
    });
  }

  /** Gives a connection back; `err` (or an error it emitted meanwhile) retires it. */
  release(c: pg.PoolClient, err?: Error): void {
    const broken = err ?? this.broken.get(c);
    if (broken) {
      this.held--;
      c.release(broken);
      const next = this.waiters.shift();
      const fail = this.failedWaiters.shift();
      if (next && fail) void Promise.resolve(this.acquire()).then(next, fail);
      return;
    }
    const next = this.waiters.shift();
    if (next) {
      this.failedWaiters.shift();
      next(c);
    } else this.free.push(c);
  }

  /** Gives every held connection back to the pool (teardown, before pool.end()). */
  releaseAll(): void {
    for (const c of this.free.splice(0)) {
      this.held--;
      c.release();
    }
  }

  // A held connection is never idle in the pool, so the pool's own error listener is not on
  // it: an error the server sends between queries (it was stopped) would end the process.
  private watch(c: pg.PoolClient): void {
    c.on('error', (e: Error) => {
      if (!this.broken.has(c)) this.broken.set(c, e);
      const i = this.free.indexOf(c);
      if (i >= 0) {
        this.free.splice(i, 1);
        this.held--;
        c.release(e);
      }
    });
  }
}

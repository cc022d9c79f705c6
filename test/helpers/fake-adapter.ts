import type { Adapter, OperationResult } from '../../src/services/contract.js';
import type { Clock } from '../../src/util/clock.js';

/**
 * An in-process service for engine unit tests: each operation takes `serviceMs` of the
 * injected clock (so schedules are exact), and fails when `fail(op)` says so.
 */
export function timedAdapter(clock: Clock, serviceMs: (n: number) => number, fail: (n: number) => boolean = () => false) {
  let n = 0;
  const log: { op: string; start: number; end: number }[] = [];
  const adapter: Adapter<{ op: string; n: number }> = {
    async setup() {},
    prepare: (op) => ({ op, n: n++ }),
    async execute(x, signal): Promise<OperationResult> {
      const start = clock.now();
      await clock.sleepUntil(start + serviceMs(x.n), signal);
      log.push({ op: x.op, start, end: clock.now() });
      return fail(x.n) ? { ok: false, status: 500 } : { ok: true, status: 200, bytesIn: 10, bytesOut: 5 };
    },
    async teardown() {},
  };
  return { adapter, log };
}

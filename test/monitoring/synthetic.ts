import { setTimeout as delay } from 'node:timers/promises';
import type { Plan, ServiceSpec } from '../../src/recipe/types.js';
import type { Adapter, BackendDefinition, OperationResult } from '../../src/services/contract.js';
import { BackendRegistry } from '../../src/services/registry.js';

/**
 * Two in-process services driven by the real engine: an "api" whose requests sometimes
 * fail (5xx, timeouts) and an "llm" that reports token metrics, so every dashboard panel
 * has something to show. Service times are real timers, a few ms each.
 */
function adapter(kind: 'api' | 'llm'): Adapter<{ op: string; n: number }> {
  let n = 0;
  return {
    async setup() {},
    prepare: (op) => ({ op, n: n++ }),
    async execute(x, signal): Promise<OperationResult> {
      const ms = 3 + (x.n % 7) * 2;
      await delay(ms, undefined, { signal });
      if (kind === 'llm') {
        const out = 16 + (x.n % 16);
        return {
          ok: true,
          status: 200,
          bytesIn: out * 6,
          bytesOut: 200,
          llm: { ttftMs: ms / 2, itlMs: ms / (2 * out), tpotMs: ms / (2 * (out - 1)), inputTokens: 32, outputTokens: out },
        };
      }
      if (x.n % 10 === 3) return { ok: false, status: 503, errorClass: 'http_5xx', message: `request ${x.n} refused` };
      if (x.n % 25 === 7) return { ok: false, status: null, errorClass: 'timeout', message: `request ${x.n} timed out` };
      return { ok: true, status: 200, bytesIn: x.op === 'get' ? 4096 : 64, bytesOut: x.op === 'put' ? 4096 : 64 };
    },
    async teardown() {},
  };
}

const definition = (kind: 'api' | 'llm'): BackendDefinition => ({
  serviceTypes: [`synthetic-${kind}`],
  description: `synthetic ${kind} for monitoring tests`,
  fields: {},
  operations: kind === 'api' ? ['get', 'put'] : ['chat'],
  defaultMix: kind === 'api' ? { get: 3, put: 1 } : { chat: 1 },
  load: async () => ({ createAdapter: () => adapter(kind) as Adapter }),
});

export const syntheticRegistry = new BackendRegistry([definition('api'), definition('llm')]);

function spec(name: string, kind: 'api' | 'llm', rate: number, durationMs: number): ServiceSpec {
  return {
    name,
    type: `synthetic-${kind}`,
    backend: undefined,
    fields: {},
    load: {
      mode: 'open',
      rate,
      arrival: 'constant',
      burstiness: 1,
      maxInFlight: 1000,
      exactCount: false,
      durationMs,
      stages: [],
      warmup: { kind: 'none' },
      requests: undefined,
    },
    mix: kind === 'api' ? [{ operation: 'get', weight: 3 }, { operation: 'put', weight: 1 }] : [{ operation: 'chat', weight: 1 }],
    timeoutMs: 5000,
    seed: 7,
    // The api's e2el objective becomes its p95 objective (benchmark_latency_slo_seconds).
    slo: kind === 'api' ? { e2elMs: 50 } : undefined,
    steps: undefined,
  };
}

/** A plan with both services running in parallel for `durationMs`. */
export function syntheticPlan(durationMs: number): Plan {
  return {
    name: 'monitoring-test',
    description: undefined,
    sourceFile: 'synthetic',
    redactedText: '',
    recipeHash: '',
    global: { logLevel: 'info', metricsDb: 'metrics.db', reportsDir: '.', logsDir: '.', pushgatewayUrl: undefined },
    services: [spec('api', 'api', 100, durationMs), spec('llm', 'llm', 40, durationMs)],
    warnings: [],
  };
}

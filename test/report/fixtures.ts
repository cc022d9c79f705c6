import { MetricsStore, type ServiceRecord, type StoredServiceRow } from '../../src/metrics/store.js';
import { RunAccumulator } from '../../src/metrics/aggregates/accumulate.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { LLM_METRICS } from '../../src/services/llm/common/metrics.js';
import { S3_METRICS } from '../../src/services/s3/aws/definition.js';
import { VECTOR_METRICS } from '../../src/services/vectordb/common/fields.js';

/** The metrics the built-in backends declare, stored with a fixture's services as runs store them (orchestrator describeLoad). */
export const DECLARED = [...LLM_METRICS, ...VECTOR_METRICS, ...S3_METRICS];

/** A sample at `intendedMs` (run clock) with the given latency; actual start 1 ms later. */
export function sampleAt(intendedMs: number, latencyMs: number, over: Partial<Sample> = {}): Sample {
  const ok = over.ok ?? true;
  return {
    service: 'svc', clientId: 0, operation: 'request', intendedStart: intendedMs, actualStart: intendedMs + 1,
    end: intendedMs + latencyMs, ok, status: ok ? 200 : 503, errorClass: ok ? null : 'http_5xx',
    message: ok ? null : 'unavailable', bytesIn: 100, bytesOut: 10, ...over,
  };
}

/** A real in-memory metrics store holding one run, as aifb run would leave it. */
export function storeWith(
  id: string,
  recipeText: string,
  samples: Sample[],
  services: Partial<ServiceRecord>[] = [{}],
  name = 'fixture',
): MetricsStore {
  const store = new MetricsStore(':memory:');
  store.beginRun(
    { benchmarkId: id, name, description: undefined, recipeFile: 'r.yaml', recipeText, recipeHash: 'h', provenance: collectProvenance({}) },
    0,
    (m) => 1_700_000_000_000 + m,
  );
  for (const s of samples) store.append(s);
  for (const s of services) {
    store.saveService({
      serviceName: 'svc', serviceType: 'http', backend: undefined, status: 'complete',
      load: { mode: 'open', rate: 100, arrival: 'constant', maxInFlight: 8, metrics: DECLARED },
      windowStart: 1000, windowEnd: 2000, issueEnd: 2000, scheduled: 100, dropped: 0, warmupRequests: 0, ...s,
    });
  }
  store.finishRun('complete', 2100);
  store.flush();
  return store;
}

/** An in-memory store with a run begun, whose committed rows feed a RunAccumulator as aifb run's do. */
export function accumulatingStore(id: string): { store: MetricsStore; acc: RunAccumulator } {
  const store = new MetricsStore(':memory:');
  store.beginRun(
    { benchmarkId: id, name: id, description: undefined, recipeFile: 'r.yaml', recipeText: 'x', recipeHash: 'h', provenance: collectProvenance({}) },
    0,
    (m) => 1_700_000_000_000 + m,
  );
  const serviceRow = store.db.prepare('SELECT * FROM services WHERE benchmark_id = ? AND service_name = ?');
  const acc = new RunAccumulator((name) => serviceRow.get(id, name) as StoredServiceRow | undefined);
  store.onCommitted = (values) => acc.addValues(values);
  return { store, acc };
}

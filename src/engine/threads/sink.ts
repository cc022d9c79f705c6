import type { MessagePort } from 'node:worker_threads';
import type { ClientLoadFigures } from '../../metrics/client-load.js';
import { isFull, newPackedBlock, type PackedBlock } from '../../metrics/packed-block.js';
import { SamplePacker } from '../../metrics/sample-rows.js';
import type { Sample } from '../../metrics/sample.js';
import type { ServiceRecord } from '../../metrics/store.js';
import type { ServiceThreadData, ToHost } from './protocol.js';

/** Rows per hand-over, and how long a partial batch may wait: as the store batches for its writer thread. */
const BATCH_ROWS = 1024;
const BATCH_MS = 100;
/** Rows handed to the host and not yet taken before this thread waits (bounds memory, shows as schedule lag). */
const MAX_OUTSTANDING_ROWS = 65_536;
const MAX_SPARE = 512;
const WAIT_MS = 30_000;

/**
 * A service thread's end of the metrics store: samples are packed into blocks here, on the
 * thread that measured them, exactly as the store would (metrics/sample-rows.ts), and
 * handed to the host about 1,024 rows at a time; service records and client figures go
 * the same way. The host commits them through the run's one store, so nothing is merged
 * afterwards and the live display, Prometheus and thresholds see every sample once.
 */
export class ThreadStore {
  private blocks: PackedBlock[] = [];
  private readonly spare: PackedBlock[] = [];
  private readonly rows = new SamplePacker();
  private pending = 0;
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Host clock minus this thread's (0 on Node 20, where threads share performance.timeOrigin). */
  private readonly shift: number;

  constructor(private readonly data: ServiceThreadData, private readonly port: MessagePort) {
    this.shift = performance.timeOrigin - data.origin.timeOrigin;
    const { originMs, originEpochMs } = data.origin;
    this.rows.benchmarkId = data.benchmarkId;
    this.rows.originMs = originMs - this.shift;
    this.rows.toEpochMs = (m) => originEpochMs + (m + this.shift - originMs);
    this.rows.clientOffset = data.clientOffset;
  }

  private post(m: ToHost): void {
    this.port.postMessage(m);
  }

  append(s: Sample): void {
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || isFull(block)) this.blocks.push((block = this.spare.pop() ?? newPackedBlock()));
    this.rows.pack(block, s);
    if (++this.pending >= BATCH_ROWS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Hands every packed row to the host now (it commits them in its own time). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return;
    const blocks = this.blocks;
    const rows = this.pending;
    this.blocks = [];
    this.pending = 0;
    this.sent += rows;
    this.post({ t: 'rows', blocks, rows });
    // A host that falls behind slows this load down rather than letting memory grow.
    const deadline = Date.now() + WAIT_MS;
    for (let taken = Atomics.load(this.data.taken, 0); this.sent - taken > MAX_OUTSTANDING_ROWS && Date.now() < deadline; taken = Atomics.load(this.data.taken, 0)) {
      Atomics.wait(this.data.taken, 0, taken, 100);
    }
  }

  /** Blocks the host committed, back for reuse (their numbers are shared memory). */
  reuse(nums: Float64Array[]): void {
    for (const n of nums) if (this.spare.length < MAX_SPARE) this.spare.push({ rows: 0, nums: n, texts: [], odd: undefined });
  }

  saveService(r: ServiceRecord): void {
    const at = (ms: number | undefined) => (ms === undefined ? undefined : ms + this.shift);
    this.post({ t: 'service', record: { ...r, windowStart: at(r.windowStart), windowEnd: at(r.windowEnd), issueEnd: at(r.issueEnd) } });
  }

  saveClientLoad(service: string, _generator: number, figures: ClientLoadFigures): void {
    this.post({ t: 'client', service, figures });
  }

  saveStepGroup(): void {
    // Sweeps and searches run their steps from the host; a thread runs one step at a time.
    throw new Error('a service thread runs no steps');
  }

  /** A time on this thread's clock, on the host's. */
  hostTime(ms: number): number {
    return ms + this.shift;
  }
}

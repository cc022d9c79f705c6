import type { Rng } from '../../util/rng.js';

/** The engine's part of the options (see options.ts for meanings). */
export interface EngineConfig {
  prefill_ms_per_token: number;
  decode_ms: number;
  batch_slowdown: number;
  max_num_seqs: number;
  jitter: number;
  tokens_per_chunk: number;
  stall_ms: number;
  stall_every_ms: number;
}

/** What the engine tells the owner of a sequence. */
export interface SequenceEvents {
  /** An engine step ending at (virtual) time `stepEnd` produced `tokens` tokens (one chunk). */
  onTokens(tokens: number, done: boolean, stepEnd: number): void;
  /** The injected mid-stream failure point was reached; the sequence is gone. */
  onCut(): void;
}

export interface SequenceSpec {
  model: string;
  promptTokens: number;
  outputTokens: number;
  /** Fail instead of producing chunk number `cutAfterChunks + 1`. */
  cutAfterChunks?: number;
}

export type SequenceState = 'waiting' | 'running' | 'finished' | 'cut' | 'cancelled';

/** One request inside the engine. */
export class Sequence {
  state: SequenceState = 'waiting';
  generated = 0;
  chunks = 0;
  admittedAt: number | undefined;
  constructor(
    readonly spec: SequenceSpec,
    readonly events: SequenceEvents,
    readonly enqueuedAt: number,
  ) {}
}

/**
 * A continuous-batching scheduler in the manner of vLLM: one loop of engine steps driven by
 * timers (not one sleep per request), so requests really share steps and really queue.
 * At each step start, waiting sequences are admitted FIFO while fewer than max_num_seqs run;
 * the step lasts decode_ms scaled by the batch size, plus the prefill of the prompts admitted
 * in it; at its end every running sequence receives tokens_per_chunk tokens (the admitted
 * ones their first), and the next step begins.
 */
export class Engine {
  private waiting: Sequence[] = [];
  private waitingHead = 0;
  private running: Sequence[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private stepEnd = 0;
  private closed = false;
  private readonly origin: number;
  /** Engine steps completed. */
  steps = 0;

  constructor(
    private readonly config: EngineConfig,
    private readonly rng: Rng,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.origin = now();
  }

  /** Queues a sequence; it is admitted at the next step start with a free slot. */
  submit(spec: SequenceSpec, events: SequenceEvents): Sequence {
    const seq = new Sequence(spec, events, this.now());
    this.waiting.push(seq);
    if (!this.timer && !this.closed) this.startStep(this.now());
    return seq;
  }

  /** Drops a sequence (client gone); its slot frees at the next step boundary, as in vLLM. */
  cancel(seq: Sequence): void {
    if (seq.state === 'waiting' || seq.state === 'running') seq.state = 'cancelled';
  }

  /** Running and waiting sequences per model, for gauges. */
  counts(): Map<string, { running: number; waiting: number }> {
    const out = new Map<string, { running: number; waiting: number }>();
    const entry = (model: string) => {
      let e = out.get(model);
      if (!e) out.set(model, (e = { running: 0, waiting: 0 }));
      return e;
    };
    for (const s of this.running) if (s.state === 'running') entry(s.spec.model).running++;
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      const s = this.waiting[i]!;
      if (s.state === 'waiting') entry(s.spec.model).waiting++;
    }
    return out;
  }

  /** Stops the loop; sequences in flight receive no further events. */
  close(): void {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    for (const s of this.running) this.cancel(s);
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.cancel(this.waiting[i]!);
    this.running = [];
    this.waiting = [];
    this.waitingHead = 0;
  }

  /** The first sequence still waiting, skipping cancelled ones. */
  private peek(): Sequence | undefined {
    while (this.waitingHead < this.waiting.length) {
      const s = this.waiting[this.waitingHead]!;
      if (s.state === 'waiting') return s;
      this.waitingHead++;
    }
    if (this.waitingHead > 0) {
      this.waiting = [];
      this.waitingHead = 0;
    }
    return undefined;
  }

  private pop(): void {
    this.waitingHead++;
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private startStep(start: number): void {
    this.running = this.running.filter((s) => s.state === 'running');
    let prefillTokens = 0;
    // A request that arrived after the step's (virtual) start waits for the next step.
    for (let s = this.peek(); s && s.enqueuedAt <= start && this.running.length < this.config.max_num_seqs; s = this.peek()) {
      this.pop();
      s.state = 'running';
      s.admittedAt = start;
      prefillTokens += s.spec.promptTokens;
      this.running.push(s);
    }
    if (this.running.length === 0) {
      const now = this.now();
      if (start < now && this.peek()) return this.startStep(now);
      this.timer = undefined;
      return;
    }
    const c = this.config;
    const base = c.decode_ms * (1 + c.batch_slowdown * (this.running.length - 1));
    const duration = (base + c.prefill_ms_per_token * prefillTokens) * this.jitterFactor();
    this.stepEnd = this.stallAdjustedEnd(start, duration);
    this.arm();
  }

  /**
   * Waits for the step's end. Node timers have millisecond granularity and may fire up to a
   * millisecond early (they count from a cached loop time), so the last stretch is spun out
   * with setImmediate: no chunk leaves before the engine produced it.
   */
  private arm(inCallback = false): void {
    const wait = this.stepEnd - this.now();
    // Overdue steps still yield to I/O once each, so catching up never blocks the loop.
    if (wait <= 0 && inCallback) {
      this.finishStep();
      return;
    }
    this.timer = wait > 2 ? setTimeout(() => this.arm(true), wait - 1) : setImmediate(() => this.arm(true));
  }

  private finishStep(): void {
    this.timer = undefined;
    this.steps++;
    const k = this.config.tokens_per_chunk;
    const batch = this.running;
    this.running = [];
    for (const s of batch) {
      if (s.state !== 'running') continue;
      if (s.spec.cutAfterChunks !== undefined && s.chunks >= s.spec.cutAfterChunks) {
        s.state = 'cut';
        s.events.onCut();
        continue;
      }
      const n = Math.min(k, s.spec.outputTokens - s.generated);
      s.generated += n;
      s.chunks++;
      const done = s.generated >= s.spec.outputTokens;
      if (done) s.state = 'finished';
      else this.running.push(s);
      s.events.onTokens(n, done, this.stepEnd);
    }
    if (this.closed) return;
    // The next step starts when this one was planned to end, so timer lateness and the time
    // spent writing chunks do not slow the simulated GPU down.
    this.startStep(this.stepEnd);
  }

  private jitterFactor(): number {
    const j = this.config.jitter;
    if (j === 0) return 1;
    const z = Math.max(-3, Math.min(3, this.rng.normal()));
    return Math.max(0, 1 + j * z);
  }

  /** End of a step that starts at `start`, with the engine frozen during stall windows. */
  private stallAdjustedEnd(start: number, duration: number): number {
    const { stall_ms: stall, stall_every_ms: every } = this.config;
    if (stall <= 0 || every <= 0) return start + duration;
    // Windows are [origin + n·every, origin + n·every + stall) for n ≥ 1.
    const n = Math.floor((start - this.origin) / every);
    const windowStart = this.origin + n * every;
    let begin = start;
    if (n >= 1 && start < windowStart + stall) begin = windowStart + stall;
    let end = begin + duration;
    for (let next = windowStart + every; next < end; next += every) end += stall;
    return end;
  }
}

import type { LiveStats } from '../engine/live.js';
import { formatMs } from '../util/units.js';

interface Tracked {
  name: string;
  live: LiveStats;
  lastCompleted: number;
  lastAt: number;
  rate: number;
  startedAt: number;
  /** The line as it stood when the service finished: it no longer changes. */
  final?: string;
}

/**
 * Shows each service while it runs: a block of lines redrawn in place on a terminal,
 * or a plain line every `plainEveryMs` elsewhere (job logs), so both stay readable.
 */
export class Progress {
  private readonly tracked: Tracked[] = [];
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private lastDrawn = '';
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly now: () => number,
    private readonly mode: 'live' | 'plain' | 'off',
    private readonly plainEveryMs = 10_000,
  ) {}

  add(name: string, live: LiveStats): void {
    this.tracked.push({ name, live, lastCompleted: 0, lastAt: this.now(), rate: 0, startedAt: this.now() });
    if (this.mode === 'plain') this.out.write(`[aifb] ${name}: started\n`);
    if (!this.timer && this.mode !== 'off') {
      this.timer = setInterval(() => this.tick(), this.mode === 'live' ? 500 : 1000);
      this.timer.unref();
    }
  }

  private line(t: Tracked): string {
    if (t.final !== undefined) return t.final;
    const l = t.live;
    const now = this.now();
    // Before the measured window (setup, warm-up) the clock shows the time since the service
    // started, without the window's length; in it, the window's progress.
    const running = Math.max(0, (now - (l.windowStart ?? t.startedAt)) / 1000);
    const elapsed = l.windowStart !== undefined && l.plannedMs !== undefined ? Math.min(running, l.plannedMs / 1000) : running;
    const planned = l.windowStart !== undefined && l.plannedMs ? `/${(l.plannedMs / 1000).toFixed(0)}s` : 's';
    const text =
      `${t.name.padEnd(20)} ${l.phase.padEnd(9)} ${elapsed.toFixed(0)}${planned}  ` +
      `${t.rate.toFixed(0)} req/s  in-flight ${l.inFlight}  done ${l.completed}  errors ${l.failed}` +
      `${l.dropped ? `  dropped ${l.dropped}` : ''}  p50 ${formatMs(l.latency.percentileMs(50))}  p99 ${formatMs(l.latency.percentileMs(99))}`;
    if (l.phase === 'done' || l.phase === 'failed') t.final = text;
    return text;
  }

  private tick(): void {
    const now = this.now();
    for (const t of this.tracked) {
      const dt = (now - t.lastAt) / 1000;
      if (dt > 0) t.rate = (t.live.completed - t.lastCompleted) / dt;
      t.lastCompleted = t.live.completed;
      t.lastAt = now;
    }
    if (this.mode === 'live') {
      const lines = this.tracked.map((t) => this.line(t));
      // Once every line is final (the services are done, teardown runs), nothing is redrawn.
      const text = lines.join('\n');
      if (text === this.lastDrawn) return;
      this.lastDrawn = text;
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
      this.out.write(up + lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
      this.drawn = lines.length;
    } else if (now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      for (const t of this.tracked) if (t.live.phase !== 'done') this.out.write(`[aifb] ${this.line(t)}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.mode === 'live') this.tick();
  }
}

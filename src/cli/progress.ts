import cliProgress from 'cli-progress';
import type { LiveStats } from '../engine/live.js';
import { formatMs } from '../util/units.js';

interface Tracked {
  name: string;
  live: LiveStats;
  lastCompleted: number;
  lastAt: number;
  rate: number;
  startedAt: number;
  bar?: cliProgress.SingleBar;
  /** The line as it stood when the service finished: it no longer changes. */
  final?: string;
}

/** One bar per service: the measured window's progress, its ETA, and the live figures. */
const FORMAT = '{name} {bar} {phase} {clock} ETA {left} | {figures}';

/**
 * Shows each service while it runs: on a terminal a bar per service with the window's
 * progress and ETA (cli-progress), stopped once every service is done so nothing is
 * redrawn after the end; elsewhere (job logs) a plain line every `plainEveryMs`.
 */
export class Progress {
  private readonly tracked: Tracked[] = [];
  private timer: NodeJS.Timeout | undefined;
  private bars: cliProgress.MultiBar | undefined;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly now: () => number,
    private readonly mode: 'live' | 'plain' | 'off',
    private readonly plainEveryMs = 10_000,
  ) {}

  add(name: string, live: LiveStats): void {
    const t: Tracked = { name, live, lastCompleted: 0, lastAt: this.now(), rate: 0, startedAt: this.now() };
    this.tracked.push(t);
    if (this.mode === 'plain') this.out.write(`[aifb] ${name}: started\n`);
    if (this.mode === 'live') {
      // A service started after the others ended (--sequential) gets a new block below theirs.
      this.bars ??= new cliProgress.MultiBar(
        // fps 0.001: cli-progress draws when told to (draw below), its own timer all but never fires.
        { stream: this.out as NodeJS.WriteStream, format: FORMAT, barsize: 20, hideCursor: false, clearOnComplete: false, stopOnComplete: false, autopadding: false, fps: 0.001, synchronousUpdate: false, noTTYOutput: true, notTTYSchedule: 2 ** 31 - 1, emptyOnZero: true },
        cliProgress.Presets.shades_classic,
      );
      t.bar = this.bars.create(1, 0, this.payload(t));
    }
    if (!this.timer && this.mode !== 'off') {
      this.timer = setInterval(() => this.tick(), this.mode === 'live' ? 500 : 1000);
      this.timer.unref();
    }
  }

  /** Seconds into the window (or since the service started, before it), and the window's length. */
  private clock(t: Tracked): { elapsed: number; planned: number | undefined } {
    const l = t.live;
    const running = Math.max(0, (this.now() - (l.windowStart ?? t.startedAt)) / 1000);
    const inWindow = l.windowStart !== undefined && l.plannedMs !== undefined;
    return { elapsed: inWindow ? Math.min(running, l.plannedMs! / 1000) : running, planned: inWindow && l.plannedMs ? l.plannedMs / 1000 : undefined };
  }

  private figures(t: Tracked): string {
    const l = t.live;
    return (
      `${t.rate.toFixed(0)} req/s  in-flight ${l.inFlight}  done ${l.completed}  errors ${l.failed}` +
      `${l.dropped ? `  dropped ${l.dropped}` : ''}  p50 ${formatMs(l.latency.percentileMs(50))}  p99 ${formatMs(l.latency.percentileMs(99))}`
    );
  }

  private payload(t: Tracked): Record<string, string> {
    const { elapsed, planned } = this.clock(t);
    return {
      name: t.name.padEnd(20),
      phase: t.live.phase.padEnd(9),
      clock: `${elapsed.toFixed(0)}${planned ? `/${planned.toFixed(0)}s` : 's'}`.padEnd(8),
      left: (planned ? `${Math.max(0, planned - elapsed).toFixed(0)}s` : '-').padEnd(4),
      figures: this.figures(t),
    };
  }

  /** The plain line (job logs). */
  private line(t: Tracked): string {
    if (t.final !== undefined) return t.final;
    const p = this.payload(t);
    const text = `${p.name} ${p.phase} ${p.clock!.trim()}  ${p.figures}`;
    if (t.live.phase === 'done' || t.live.phase === 'failed') t.final = text;
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
    if (this.mode === 'live') this.draw();
    else if (now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      for (const t of this.tracked) if (t.live.phase !== 'done') this.out.write(`[aifb] ${this.line(t)}\n`);
    }
  }

  private draw(): void {
    if (!this.bars) return;
    let open = 0;
    for (const t of this.tracked) {
      if (!t.bar || t.final !== undefined) continue;
      const { elapsed, planned } = this.clock(t);
      t.bar.setTotal(planned ?? 1);
      t.bar.update(planned ? elapsed : 0, this.payload(t));
      if (t.live.phase === 'done' || t.live.phase === 'failed') t.final = '';
      else open++;
    }
    this.bars.update();
    // Every service is done (teardown, the report follow): the block is left as it stands.
    if (open === 0) {
      this.bars.stop();
      this.bars = undefined;
    }
  }

  /** A log line: above the bars while they are drawn (so they are not torn), else as is. */
  log(line: string): void {
    if (!this.bars) {
      this.out.write(line + '\n');
      return;
    }
    this.bars.log(line + '\n');
    this.bars.update();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.mode === 'live') this.draw();
    this.bars?.stop();
    this.bars = undefined;
  }
}

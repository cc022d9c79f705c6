/**
 * For engines whose search knobs are a collection setting (Chroma's ef_search,
 * Weaviate's ef) rather than a per-request argument: searches with the current setting
 * run together; one with another setting waits until they are done, switches it, then
 * runs. So every search ran with the knobs its operation names.
 */
export class ParamGate {
  private current = '';
  private active = 0;
  private switching: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  /**
   * Enters with settings `key` (applying them with `apply` when they differ from the
   * current ones); returns how long the switch took, in ms (0 when none was needed).
   */
  async enter(key: string, apply: () => Promise<void>): Promise<number> {
    for (;;) {
      if (this.switching) {
        await this.switching.catch(() => undefined);
        continue;
      }
      if (key === this.current) {
        this.active++;
        return 0;
      }
      if (this.active > 0) {
        await new Promise<void>((r) => this.idleWaiters.push(r));
        continue;
      }
      const started = performance.now();
      const run = apply().then(() => {
        this.current = key;
      });
      this.switching = run;
      try {
        await run;
      } finally {
        this.switching = undefined;
      }
      this.active++;
      return performance.now() - started;
    }
  }

  leave(): void {
    this.active = Math.max(0, this.active - 1);
    if (this.active === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

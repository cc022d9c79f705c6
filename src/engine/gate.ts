/**
 * Holds the services of a parallel run until every one has finished its setup, so that
 * one service's setup (loading a table, starting an embedded engine) never falls inside
 * another's measured window, and parallel services measure the same span of time.
 */
export class StartGate {
  private waiting: number;
  private release!: () => void;
  private readonly opened = new Promise<void>((r) => (this.release = r));

  constructor(participants: number) {
    this.waiting = participants;
    if (participants <= 0) this.release();
  }

  /** One participant is ready (or failed, or does not wait); resolves once all have arrived. */
  arrive(): Promise<void> {
    if (--this.waiting <= 0) this.release();
    return this.opened;
  }
}

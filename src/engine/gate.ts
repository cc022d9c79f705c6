/**
 * A barrier for the services of a parallel run. Loads start once every service has set
 * up, and teardowns begin once every load has ended, so neither a setup (loading a table,
 * starting an embedded engine) nor a teardown (deleting thousands of files) ever falls in
 * another service's measured window.
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

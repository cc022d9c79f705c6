import type { Rng } from '../../../util/rng.js';

/** A file the benchmark wrote and that still exists. */
export interface FileEntry {
  name: string;
  sizeIndex: number;
  /** Reads and stats prepared or running on it; a delete waits until this is 0. */
  users: number;
  /** Position in FileIndex.ready, or -1 once a delete has claimed it. */
  slot: number;
}

const RANDOM_TRIES = 8;

/**
 * The files a run has written and not deleted, with O(1) random choice. A file
 * enters only once its write completed, and leaves when a delete claims it, so no
 * operation is sent to a file that is half written or about to disappear.
 */
export class FileIndex {
  private readonly ready: FileEntry[] = [];
  private counter = 0;

  get count(): number {
    return this.ready.length;
  }

  /** A name no file in the directory has yet. */
  nextName(): string {
    this.counter += 1;
    return `f-${this.counter.toString().padStart(8, '0')}`;
  }

  add(name: string, sizeIndex: number): FileEntry {
    const entry: FileEntry = { name, sizeIndex, users: 0, slot: this.ready.length };
    this.ready.push(entry);
    return entry;
  }

  /** A random file for read or stat, marked in use; undefined when there is none. */
  claimForUse(rng: Rng): FileEntry | undefined {
    if (this.ready.length === 0) return undefined;
    const entry = this.ready[rng.int(this.ready.length)]!;
    entry.users += 1;
    return entry;
  }

  releaseUse(entry: FileEntry): void {
    entry.users = Math.max(0, entry.users - 1);
  }

  /** A random file nobody is using, taken out of the index; undefined when every file is busy or none exists. */
  claimForDelete(rng: Rng): FileEntry | undefined {
    const n = this.ready.length;
    if (n === 0) return undefined;
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const entry = this.ready[rng.int(n)]!;
      if (entry.users === 0) return this.remove(entry);
    }
    // Most files are busy: scan once from a random start so the choice stays spread out.
    const start = rng.int(n);
    for (let i = 0; i < n; i++) {
      const entry = this.ready[(start + i) % n]!;
      if (entry.users === 0) return this.remove(entry);
    }
    return undefined;
  }

  private remove(entry: FileEntry): FileEntry {
    const last = this.ready.pop()!;
    if (last !== entry) {
      this.ready[entry.slot] = last;
      last.slot = entry.slot;
    }
    entry.slot = -1;
    return entry;
  }
}

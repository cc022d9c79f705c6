/** What the PGlite thread (worker.ts) and its client (thread.ts) say to each other. */
export interface PgliteThreadData {
  dataDir: string | undefined;
  /** Extensions by name; the thread imports them (functions cannot cross threads). */
  extensions: 'vector'[];
}

export type Request =
  | { id: number; op: 'query'; text: string; values: unknown[] | undefined; tx: number | undefined }
  | { id: number; op: 'exec'; text: string; tx: number | undefined }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** An error as it crosses: its message and the fields drivers' callers look at (code, detail, …). */
export interface WireError {
  message: string;
  fields: Record<string, string | number | boolean | null>;
}

export interface Answer {
  id: number;
  ok: true;
  rows?: unknown[][];
  affectedRows?: number;
}

export type Reply = Answer | { id: number; ok: false; error: WireError } | { ready: true } | { ready: false; error: WireError };

import type { OperationResult } from '../../contract.js';
import type { Rng } from '../../../util/rng.js';
import type { FieldsOf } from '../../fields.js';
import type { sqlFields } from './fields.js';
import type { ParamSpec } from './params.js';
import type { SqlOp, Step } from './execute.js';
import { sizeOf } from './execute.js';
import { KeySpace, keyGenerator, type KeyGenerator } from './keys.js';
import { PRESETS, tpcbLayout } from './presets.js';
import { userStatement, type Statement, type Statements } from './statements.js';

const PAYLOAD_POOL = 64;
const PAYLOAD_POOL_BYTES = 64 * 1024 * 1024;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random texts of `size` characters, made once so no operation builds one in the timed window. */
export function makePayloads(size: number, rng: Rng): string[] {
  const count = Math.max(1, Math.min(PAYLOAD_POOL, Math.floor(PAYLOAD_POOL_BYTES / Math.max(1, size))));
  const bytes = new Uint8Array(size);
  return Array.from({ length: count }, () => {
    rng.fill(bytes);
    let s = '';
    for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
    return s;
  });
}

/** Turns operation names into prepared steps, and keeps the key space up to date. */
export class SqlWorkload {
  readonly keys: KeySpace;
  private readonly accounts: KeyGenerator;
  private readonly tpcb: ReturnType<typeof tpcbLayout>;
  private readonly user = new Map<string, { st: Statement; params: ParamSpec[] }>();
  /** What `select` reads: the whole record (YCSB's read), or one balance as `pgbench -S` does. */
  private readonly select: Statement;

  constructor(
    private readonly f: FieldsOf<typeof sqlFields>,
    queryParams: Map<string, ParamSpec[]>,
    private readonly s: Statements,
    table: string,
    private readonly payloads: string[],
  ) {
    const distribution = f.key_distribution ?? (f.preset ? PRESETS[f.preset].distribution : 'uniform');
    this.keys = new KeySpace(f.initial_rows, keyGenerator(distribution, f.initial_rows, f.zipf_theta));
    this.tpcb = tpcbLayout(f.initial_rows);
    // pgbench's select-only reads one integer column (`SELECT abalance … WHERE aid = :aid`): reading
    // the 84-byte filler too would make the preset's figures a different job from the one set beside pgbench's.
    this.select = f.preset === 'select-only' ? s.balance : s.select;
    this.accounts = keyGenerator(distribution, Math.max(1, f.initial_rows - this.tpcb.firstAccount), f.zipf_theta);
    for (const [name, q] of Object.entries(f.queries)) this.user.set(name, { st: userStatement(name, q.sql, table), params: queryParams.get(name)! });
  }

  /** Every statement a run may prepare, so a backend can prepare them up front. */
  statements(): Statement[] {
    const { create, drop, analyze, ...builtin } = this.s;
    return [...Object.values(builtin), ...[...this.user.values()].map((u) => u.st)];
  }

  prepare(operation: string, rng: Rng): SqlOp {
    const tx = this.f.transactions;
    const payload = this.payloads[rng.int(this.payloads.length)]!;
    switch (operation) {
      case 'select':
      case 'update':
      case 'read_modify_write': {
        const key = this.keys.pick(rng);
        if (key === undefined) return missing(operation);
        if (operation === 'select') return op(operation, [{ st: this.select, values: [key] }], tx, true);
        const update = { st: this.s.update, values: [key, payload] };
        if (operation === 'update') return op(operation, [update], tx, true);
        const read = { st: tx ? this.s.selectForUpdate : this.s.select, values: [key] };
        return op(operation, [read, update], tx, true);
      }
      case 'insert': {
        const key = this.keys.fresh();
        return { ...op(operation, [{ st: this.s.insert, values: [key, payload] }], tx, false), inserts: [key] };
      }
      case 'batch_insert': {
        const keys = Array.from({ length: this.f.batch_size }, () => this.keys.fresh());
        const texts = keys.map(() => this.payloads[rng.int(this.payloads.length)]!);
        return { ...op(operation, [{ st: this.s.insertMany, values: [keys, texts] }], tx, false), inserts: keys };
      }
      case 'delete': {
        const key = this.keys.claimForDelete(rng);
        if (key === undefined) return missing(operation);
        return { ...op(operation, [{ st: this.s.delete, values: [key] }], tx, true), deletes: key };
      }
      case 'tpcb':
        return this.prepareTpcb(rng);
      default:
        return this.prepareUser(operation, rng, payload);
    }
  }

  /** Bookkeeping once the outcome is known: inserted keys become readable, failed deletes give theirs back. */
  release(op: SqlOp, result: OperationResult | undefined): void {
    if (result?.ok && op.inserts) for (const k of op.inserts) this.keys.inserted(k);
    if (op.deletes !== undefined && !result?.ok && result?.errorClass !== 'not_found') this.keys.restore(op.deletes);
  }

  /** pgbench's tpcb-like script, statement for statement, on the benchmark's table. */
  private prepareTpcb(rng: Rng): SqlOp {
    const { branches, tellers, firstAccount } = this.tpcb;
    const account = firstAccount + this.accounts.next(rng);
    const teller = branches + rng.int(tellers);
    const branch = rng.int(branches);
    const delta = rng.int(10_001) - 5000;
    const steps: Step[] = [
      { st: this.s.addBalance, values: [account, delta] },
      { st: this.s.balance, values: [account] },
      { st: this.s.addBalance, values: [teller, delta] },
      { st: this.s.addBalance, values: [branch, delta] },
      { st: this.s.history, values: [this.keys.fresh(), delta] },
    ];
    return op('tpcb', steps, true, true);
  }

  private prepareUser(operation: string, rng: Rng, payload: string): SqlOp {
    const u = this.user.get(operation);
    if (!u) throw new Error(`postgresql has no operation "${operation}"`);
    const values: unknown[] = [];
    for (const p of u.params) {
      if (p.kind === 'key') {
        const key = this.keys.pick(rng);
        if (key === undefined) return missing(operation);
        values.push(key);
      } else if (p.kind === 'new_key') values.push(this.keys.fresh());
      else if (p.kind === 'payload') values.push(payload);
      else if (p.kind === 'random_int') values.push(p.lo + rng.int(p.hi - p.lo + 1));
      else values.push(p.value);
    }
    return op(operation, [{ st: u.st, values }], this.f.transactions, false);
  }
}

function op(operation: string, steps: Step[], tx: boolean, expectRow: boolean): SqlOp {
  let bytesOut = 0;
  for (const s of steps) bytesOut += sizeOf(s.values);
  return { operation, steps, tx, expectRow, bytesOut };
}

function missing(operation: string): SqlOp {
  return { operation, steps: [], tx: false, expectRow: false, bytesOut: 0, missing: true };
}

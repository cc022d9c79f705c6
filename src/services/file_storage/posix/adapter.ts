import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { posixFields } from './fields.js';
import type { Rng } from '../../../util/rng.js';
import type { Logger } from '../../../util/log.js';
import { AifbError } from '../../../errors.js';
import { FS_MSG } from './messages.js';
import { DEFAULT_FILE_SIZES, SizeMix, engineFor, parseSyncMode, type SyncMode } from './options.js';
import { createRunDir, removeRunDir, resolveBase } from './ownership.js';
import { removeOwned, type OwnedDir } from '../../../util/owned.js';
import { BufferPool, directAllocate, makePayloads, plainAllocate, type Allocate } from './payloads.js';
import { FileIndex, type FileEntry } from './files.js';
import { directFlagOrThrow, openFlags, readWhole, writeWhole } from './io.js';
import { BlockFile } from './blocks.js';
import { settlesWithin } from '../../../util/sleep.js';

/**
 * What prepare hands to execute. When read, stat or delete finds no file (all
 * deleted, or all busy for a delete) the operation becomes `missing` and fails with
 * errorClass not_found rather than silently running a write: the per-operation
 * figures then stay honest, and the error tells the user to raise initial_files.
 */
type PosixOp =
  | { kind: 'write'; name: string; sizeIndex: number }
  | { kind: 'read'; entry: FileEntry; buf: Buffer; released: boolean }
  | { kind: 'stat'; entry: FileEntry; released: boolean }
  | { kind: 'delete'; entry: FileEntry }
  | { kind: 'random_read'; offset: number; buf: Buffer; released: boolean }
  | { kind: 'random_write'; offset: number }
  | { kind: 'missing'; operation: string };

const INITIAL_WRITE_CONCURRENCY = 4;
const OK = 'ok';

class PosixAdapter implements Adapter<PosixOp> {
  private readonly syncMode: SyncMode;
  private readonly sizes: SizeMix;
  private readonly flags: { write: number; read: number };
  private readonly files = new FileIndex();
  private readonly inFlight = new Set<Promise<unknown>>();
  private dir: string | undefined;
  private owned: OwnedDir | undefined;
  private probe: FileHandle | undefined;
  private payloads: Buffer[] = [];
  private readBuffers = new BufferPool(plainAllocate);
  private blockFile: BlockFile | undefined;
  private blockPayload: Buffer | undefined;

  constructor(private readonly spec: ServiceOf<typeof posixFields>) {
    const f = spec.fields;
    const syncMode = parseSyncMode(f.sync_mode);
    if (syncMode === undefined) throw new Error(`invalid sync_mode ${String(f.sync_mode)}`);
    this.syncMode = syncMode;
    this.sizes = new SizeMix(f.file_sizes ?? DEFAULT_FILE_SIZES, 'file_sizes');
    this.flags = openFlags(syncMode, f.use_direct_io === true);
  }

  async setup(ctx: SetupContext): Promise<void> {
    const base = await resolveBase(this.spec.fields.base_path || tmpdir());
    this.owned = await createRunDir(base, ctx.benchmarkId, this.spec.name);
    this.dir = this.owned.path;
    ctx.log.debug(`working in ${this.dir}`);
    try {
      const allocate = this.spec.fields.use_direct_io === true ? await this.openDirectProbe(this.dir, base) : plainAllocate;
      this.readBuffers = new BufferPool(allocate);
      this.payloads = makePayloads(this.sizes.classes.map((s) => s.bytes), ctx.rng, allocate);
      await this.writeInitialFiles(ctx);
      await this.createBlockFile(ctx, allocate);
    } catch (err) {
      // Setup failed after creating our directory: leave nothing behind.
      await this.cleanUp(ctx.log);
      throw err;
    }
  }

  prepare(operation: string, rng: Rng): PosixOp {
    switch (operation) {
      case 'write':
        return { kind: 'write', name: this.files.nextName(), sizeIndex: this.sizes.pick(rng) };
      case 'read': {
        const entry = this.files.claimForUse(rng);
        if (!entry) return { kind: 'missing', operation };
        const buf = this.readBuffers.acquire(this.payloads[entry.sizeIndex]!.length);
        return { kind: 'read', entry, buf, released: false };
      }
      case 'stat': {
        const entry = this.files.claimForUse(rng);
        return entry ? { kind: 'stat', entry, released: false } : { kind: 'missing', operation };
      }
      case 'delete': {
        const entry = this.files.claimForDelete(rng);
        return entry ? { kind: 'delete', entry } : { kind: 'missing', operation };
      }
      case 'random_read': {
        const bf = this.blockFile!;
        return { kind: 'random_read', offset: bf.offset(rng), buf: this.readBuffers.acquire(bf.blockSize), released: false };
      }
      case 'random_write':
        return { kind: 'random_write', offset: this.blockFile!.offset(rng) };
      default:
        throw new Error(`file_storage has no operation "${operation}"`);
    }
  }

  execute(op: PosixOp, signal: AbortSignal): Promise<OperationResult> {
    const run = this.run(op, signal);
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  release(op: PosixOp): void {
    if (op.kind === 'random_read' && !op.released) {
      op.released = true;
      this.readBuffers.release(op.buf);
      return;
    }
    if ((op.kind === 'read' || op.kind === 'stat') && !op.released) {
      op.released = true;
      this.files.releaseUse(op.entry);
      if (op.kind === 'read') this.readBuffers.release(op.buf);
    }
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    // File I/O cannot be cancelled: wait (bounded) for stragglers so removal sees a quiet tree.
    if (this.inFlight.size > 0) await settlesWithin(Promise.allSettled([...this.inFlight]), this.spec.timeoutMs);
    await this.cleanUp(ctx.log);
  }

  private async run(op: PosixOp, signal: AbortSignal): Promise<OperationResult> {
    const dir = this.dir;
    if (dir === undefined) throw new Error('file_storage: execute called before setup');
    switch (op.kind) {
      case 'write': {
        const payload = this.payloads[op.sizeIndex]!;
        await writeWhole(join(dir, op.name), this.flags.write, payload, this.syncMode, signal);
        this.files.add(op.name, op.sizeIndex);
        return { ok: true, status: OK, bytesIn: 0, bytesOut: payload.length };
      }
      case 'read': {
        const n = await readWhole(join(dir, op.entry.name), this.flags.read, op.buf, signal);
        // The comparison runs inside the timed window: verify_reads is for correctness runs, not latency figures.
        if (this.spec.fields.verify_reads) {
          const expected = this.payloads[op.entry.sizeIndex]!;
          if (n !== expected.length || !op.buf.equals(expected)) {
            const message = FS_MSG.readMismatch(expected.length, n);
            return { ok: false, status: 'corrupt', errorClass: 'io', message, bytesIn: n, bytesOut: 0 };
          }
        }
        return { ok: true, status: OK, bytesIn: n, bytesOut: 0 };
      }
      case 'stat':
        signal.throwIfAborted();
        await stat(join(dir, op.entry.name));
        return { ok: true, status: OK, bytesIn: 0, bytesOut: 0 };
      case 'delete':
        signal.throwIfAborted();
        await removeOwned(join(dir, op.entry.name), { inside: this.owned! });
        return { ok: true, status: OK, bytesIn: 0, bytesOut: 0 };
      case 'random_read': {
        const n = await this.blockFile!.read(op.buf, op.offset, signal);
        return { ok: true, status: OK, bytesIn: n, bytesOut: 0 };
      }
      case 'random_write': {
        const n = await this.blockFile!.write(this.blockPayload!, op.offset, signal);
        return { ok: true, status: OK, bytesIn: 0, bytesOut: n };
      }
      case 'missing':
        return {
          ok: false,
          status: 'not_found',
          errorClass: 'not_found',
          message: FS_MSG.noTarget(op.operation),
          bytesIn: 0,
          bytesOut: 0,
        };
    }
  }

  private async openDirectProbe(dir: string, base: string): Promise<Allocate> {
    const flags = constants.O_RDWR | constants.O_CREAT | directFlagOrThrow();
    try {
      this.probe = await open(join(dir, '.aifb-direct-probe'), flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EINVAL') {
        throw new AifbError('bad-input', FS_MSG.directRefused(base), { cause: err });
      }
      throw err;
    }
    return directAllocate(this.probe.fd, dir);
  }

  /** random_read/random_write work in one preallocated file, made only when the mix uses them. */
  private async createBlockFile(ctx: SetupContext, allocate: Allocate): Promise<void> {
    if (!this.spec.mix.some((m) => m.operation.startsWith('random_') && m.weight > 0)) return;
    const f = this.spec.fields;
    const engine = engineFor(f.io_engine, this.spec.load, f.generator_count);
    this.blockFile = new BlockFile(join(this.dir!, 'blocks.dat'), f.block_file_size, f.block_size, this.syncMode, f.use_direct_io === true ? directFlagOrThrow() : 0, engine);
    await this.blockFile.create(ctx.rng.fork('block-file'), allocate);
    const payload = allocate(f.block_size);
    ctx.rng.fork('block-payload').fill(payload);
    this.blockPayload = payload;
    ctx.log.debug(`block file of ${this.blockFile.blocks} blocks of ${f.block_size} bytes`);
  }

  /** Read, stat and delete need targets; a write-only mix does not. */
  private async writeInitialFiles(ctx: SetupContext): Promise<void> {
    const needsTargets = this.spec.mix.some((m) => m.operation !== 'write' && m.weight > 0);
    const count = needsTargets ? this.spec.fields.initial_files : 0;
    const rng = ctx.rng.fork('initial-files');
    const ops = Array.from({ length: count }, () => this.prepare('write', rng));
    const worker = async () => {
      for (let op = ops.pop(); op; op = ops.pop()) await this.run(op, ctx.signal);
    };
    await Promise.all(Array.from({ length: Math.min(INITIAL_WRITE_CONCURRENCY, count) }, worker));
    if (count > 0) ctx.log.debug(`created ${count} initial files`);
  }

  private async cleanUp(log: Logger): Promise<void> {
    await this.blockFile?.close();
    await this.probe?.close().catch(() => undefined);
    this.probe = undefined;
    const dir = this.dir;
    const owned = this.owned;
    if (dir === undefined || owned === undefined) return;
    this.dir = undefined;
    this.owned = undefined;
    const outcome = await removeRunDir(owned);
    if (outcome === 'not-ours') log.warn(FS_MSG.markerMissing(dir));
    else if (outcome === 'removed') log.debug(`removed ${dir}`);
  }
}

/** The POSIX file storage adapter for one service. */
export function createAdapter(spec: ServiceOf<typeof posixFields>): Adapter {
  return new PosixAdapter(spec);
}

import { peakConcurrency } from '../../shared/concurrency.js';
import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import { DEFAULTS, type s3Fields } from './fields.js';
import type { Rng } from '../../../util/rng.js';
import type { Logger } from '../../../util/log.js';
import { RunError } from '../../../errors.js';
import { settlesWithin } from '../../../util/sleep.js';
import { FileIndex, type FileEntry } from '../../file_storage/posix/files.js';
import { makePayloads, plainAllocate } from '../../file_storage/posix/payloads.js';
import { S3_MSG } from './messages.js';
import { runPrefix, s3EndpointOf } from './options.js';
import { SizeMix } from '../../file_storage/posix/options.js';
import { createS3Client, type S3Handle } from './client.js';
import { DirectS3 } from './direct.js';
import { codeOf, markNotFound, scrub, scrubError, setupError } from './errors.js';
import { abortOpenUploads, openBucket, removeBucketIfEmpty, removePrefix } from './bucket.js';
import { deleteObject, getObject, headObject, listPage, multipartPut, putObject, type Target } from './operations.js';

/**
 * What prepare hands to execute. `stat` is prepared as `head`. When get, head or delete
 * finds no object the operation becomes `missing` and fails as not_found, so the
 * per-operation figures stay honest and the message says to raise initial_objects.
 */
type S3Op =
  | { kind: 'put'; name: string; sizeIndex: number; multipart: boolean }
  | { kind: 'get' | 'head'; entry: FileEntry; released: boolean }
  | { kind: 'list' }
  | { kind: 'delete'; entry: FileEntry }
  | { kind: 'missing'; operation: string };

/** Bounds the first request, so a silent endpoint fails setup instead of hanging it. */
const PROBE_TIMEOUT_MS = 15_000;
const TEARDOWN_TIMEOUT_MS = 120_000;
const STRAGGLER_WAIT_MS = 5_000;
const INITIAL_CONCURRENCY = 8;
const LIST_OP: S3Op = { kind: 'list' };

/** Requests that can be in flight at once (see peakConcurrency). */
export const concurrencyOf = peakConcurrency;

class S3Adapter implements Adapter<S3Op> {
  /** undefined: the SDK's AWS endpoint for the region. */
  private readonly endpoint: string | undefined;
  private readonly sizes: SizeMix;
  private readonly secrets: string[];
  private readonly objects = new FileIndex();
  private readonly inFlight = new Set<Promise<unknown>>();
  private handle: S3Handle | undefined;
  private target: Target | undefined;
  private prefix = '';
  /** Set once the prefix was seen empty: only then is everything under it ours to delete. */
  private ownsPrefix = false;
  private createdBucket = false;
  private payloads: Buffer[] = [];

  constructor(private readonly spec: ServiceOf<typeof s3Fields>) {
    const f = spec.fields;
    this.sizes = new SizeMix(f.object_sizes ?? DEFAULTS.objectSizes, 'object_sizes');
    this.endpoint = s3EndpointOf(f);
    this.secrets = [f.secret_key, f.access_key];
  }

  async setup(ctx: SetupContext): Promise<void> {
    const f = this.spec.fields;
    this.prefix = runPrefix(f.key_prefix, ctx.benchmarkId, this.spec.name);
    const sockets = concurrencyOf(this.spec.load) * (this.mayGoMultipart() ? f.multipart_concurrency : 1);
    const handle = (this.handle = createS3Client(f, this.endpoint, sockets));
    const { client } = handle;
    const where = { endpoint: this.endpoint ?? `AWS S3 (${f.region})`, bucket: f.bucket_name };
    const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    let direct: DirectS3;
    try {
      const state = await openBucket(client, f.bucket_name, this.prefix, f.region, AbortSignal.any([ctx.signal, timeout]));
      this.createdBucket = state.created;
      if (!state.prefixEmpty) throw new RunError(S3_MSG.prefixNotEmpty(f.bucket_name, this.prefix));
      direct = await DirectS3.open(client, handle.dispatcher, f, this.endpoint);
      this.target = { client, direct, bucket: f.bucket_name, partSize: f.part_size, partConcurrency: f.multipart_concurrency, openUploads: new Map() };
    } catch (err) {
      this.closeClient();
      if (err instanceof RunError) throw err;
      throw setupError(err, { ...where, step: 'listing the bucket', aborted: timeout.aborted }, this.secrets);
    }
    this.ownsPrefix = true;
    ctx.log.debug(`working under s3://${f.bucket_name}/${this.prefix}${this.createdBucket ? ' (bucket created)' : ''}`);
    try {
      this.payloads = makePayloads(this.sizes.classes.map((s) => s.bytes), ctx.rng, plainAllocate);
      // Hashed once here: a PUT signs its payload's SHA-256, and hashing it per request would be timed.
      for (const p of this.payloads) direct.payloads.remember(p);
      await this.writeInitialObjects(ctx);
    } catch (err) {
      // Setup failed after the first write: leave nothing behind.
      await this.cleanUp(ctx.log).catch(() => undefined);
      throw setupError(err, { ...where, step: 'writing the initial objects', aborted: false }, this.secrets);
    }
  }

  prepare(operation: string, rng: Rng): S3Op {
    switch (operation) {
      case 'put':
      case 'multipart_put': {
        const sizeIndex = this.sizes.pick(rng);
        const threshold = this.spec.fields.multipart_threshold;
        const multipart = operation === 'multipart_put' || (threshold !== undefined && this.sizes.classes[sizeIndex]!.bytes >= threshold);
        return { kind: 'put', name: this.objects.nextName(), sizeIndex, multipart };
      }
      case 'get':
      case 'head':
      case 'stat': {
        const entry = this.objects.claimForUse(rng);
        return entry ? { kind: operation === 'get' ? 'get' : 'head', entry, released: false } : { kind: 'missing', operation };
      }
      case 'list':
        return LIST_OP;
      case 'delete': {
        const entry = this.objects.claimForDelete(rng);
        return entry ? { kind: 'delete', entry } : { kind: 'missing', operation };
      }
      default:
        throw new Error(`s3 has no operation "${operation}"`);
    }
  }

  execute(op: S3Op, signal: AbortSignal): Promise<OperationResult> {
    const run = this.run(op, signal).catch((err: unknown) => {
      throw markNotFound(scrubError(err, this.secrets));
    });
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  release(op: S3Op): void {
    if ((op.kind === 'get' || op.kind === 'head') && !op.released) {
      op.released = true;
      this.objects.releaseUse(op.entry);
    }
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    // Requests aborted by the engine settle quickly; wait (bounded) so removal sees a quiet prefix.
    if (this.inFlight.size > 0) await settlesWithin(Promise.allSettled([...this.inFlight]), STRAGGLER_WAIT_MS);
    await this.cleanUp(ctx.log);
  }

  private async run(op: S3Op, signal: AbortSignal): Promise<OperationResult> {
    const t = this.target;
    if (!t) throw new Error('s3: execute called before setup');
    switch (op.kind) {
      case 'put': {
        const body = this.payloads[op.sizeIndex]!;
        const key = this.prefix + op.name;
        let result: OperationResult;
        if (op.multipart) {
          const { parts, status } = await multipartPut(t, key, body, signal);
          result = { ok: true, status, bytesIn: 0, bytesOut: body.length, extra: { parts } };
        } else {
          result = { ok: true, status: await putObject(t, key, body, signal), bytesIn: 0, bytesOut: body.length };
        }
        this.objects.add(op.name, op.sizeIndex);
        return result;
      }
      case 'get': {
        const expected = this.payloads[op.entry.sizeIndex]!;
        // The comparison runs inside the timed window: verify_checksums is for correctness runs, not latency figures.
        const got = await getObject(t, this.prefix + op.entry.name, this.spec.fields.verify_checksums ? expected : undefined, signal);
        const extra = { ttfb_ms: got.ttfbMs };
        if (!got.intact) return this.corrupt(expected.length, got.bytes, got.bytes, extra);
        return { ok: true, status: got.status, bytesIn: got.bytes, bytesOut: 0, extra };
      }
      case 'head': {
        const { size, status } = await headObject(t, this.prefix + op.entry.name, signal);
        const expected = this.payloads[op.entry.sizeIndex]!.length;
        if (this.spec.fields.verify_checksums && size !== expected) return this.corrupt(expected, size ?? 0, 0);
        return { ok: true, status, bytesIn: 0, bytesOut: 0 };
      }
      case 'list': {
        const page = await listPage(t, this.prefix, this.spec.fields.list_max_keys, signal);
        return { ok: true, status: page.status, bytesIn: page.bytes, bytesOut: 0, extra: { keys: page.keys } };
      }
      case 'delete':
        return { ok: true, status: await deleteObject(t, this.prefix + op.entry.name, signal), bytesIn: 0, bytesOut: 0 };
      case 'missing':
        return { ok: false, status: 'not_found', errorClass: 'not_found', message: S3_MSG.noTarget(op.operation), bytesIn: 0, bytesOut: 0 };
    }
  }

  private corrupt(expected: number, got: number, bytesIn: number, extra?: Record<string, unknown>): OperationResult {
    const message = S3_MSG.corrupt(expected, got);
    return { ok: false, status: 'corrupt', errorClass: 'io', message, bytesIn, bytesOut: 0, ...(extra ? { extra } : {}) };
  }

  private mayGoMultipart(): boolean {
    const threshold = this.spec.fields.multipart_threshold;
    const bySize = threshold !== undefined && this.sizes.classes.some((s) => s.bytes >= threshold);
    return bySize || this.spec.mix.some((m) => m.operation === 'multipart_put' && m.weight > 0);
  }

  /** get, head, stat and delete need targets; a mix of put, multipart_put and list does not. */
  private async writeInitialObjects(ctx: SetupContext): Promise<void> {
    const needsTargets = this.spec.mix.some((m) => ['get', 'head', 'stat', 'delete'].includes(m.operation) && m.weight > 0);
    const count = needsTargets ? this.spec.fields.initial_objects : 0;
    const rng = ctx.rng.fork('initial-objects');
    const ops = Array.from({ length: count }, () => this.prepare('put', rng));
    const worker = async () => {
      for (let op = ops.pop(); op; op = ops.pop()) await this.run(op, ctx.signal);
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(INITIAL_CONCURRENCY, count) }, worker));
    if (count > 0) ctx.log.debug(`wrote ${count} initial objects in ${Math.round(performance.now() - started)} ms`);
  }

  /** Removes the run's prefix (and the bucket, if aifb made it and it is now empty); idempotent. */
  private async cleanUp(log: Logger): Promise<void> {
    const handle = this.handle;
    const t = this.target;
    if (!handle || !t) return;
    if (!this.ownsPrefix) return this.closeClient();
    this.ownsPrefix = false;
    const signal = AbortSignal.timeout(TEARDOWN_TIMEOUT_MS);
    try {
      await abortOpenUploads(t, this.prefix, signal);
      const removed = await removePrefix(handle.client, t.bucket, this.prefix, signal);
      log.debug(`removed ${removed} objects under s3://${t.bucket}/${this.prefix}`);
      if (this.createdBucket) {
        const gone = await removeBucketIfEmpty(handle.client, t.bucket, signal).catch(() => false);
        log.debug(gone ? `removed bucket ${t.bucket}, which aifb created` : `kept bucket ${t.bucket}: it is not empty`);
      }
    } catch (err) {
      const why = signal.aborted ? 'no answer in time' : codeOf(err);
      throw new RunError(scrub(S3_MSG.leftOver(t.bucket, this.prefix, why), this.secrets), { cause: scrubError(err, this.secrets) });
    } finally {
      this.closeClient();
    }
  }

  private closeClient(): void {
    this.handle?.destroy();
    this.handle = undefined;
  }
}

/** The S3 adapter for one service. */
export function createAdapter(spec: ServiceOf<typeof s3Fields>): Adapter {
  return new S3Adapter(spec);
}

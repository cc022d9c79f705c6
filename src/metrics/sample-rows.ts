import { BlockPacker, type PackedBlock } from './packed-block.js';
import { COLUMNS, ROW_COLUMNS } from './rows.js';
import type { ErrorClass, LlmFields, Sample } from './sample.js';
import { scrubMessage } from '../util/scrub.js';

/**
 * Writes samples as metrics rows (ROW_COLUMNS order) into packed blocks: the store does
 * it on its own thread, a service thread (engine/threads) does it before handing the
 * blocks to the store, so both write exactly the same rows.
 */
export class SamplePacker {
  private readonly p = new BlockPacker();
  benchmarkId = '';
  /** The run's origin on the clock samples are stamped with. */
  originMs = 0;
  toEpochMs: (mono: number) => number = (m) => m;
  /** Added to every client id: generator k's clients follow those of generators before it. */
  clientOffset = 0;
  // The last `extra` and its JSON: backends that answer with one shared object (SQL's row
  // counts) cost one JSON.stringify, not one a row.
  private lastExtra: Record<string, unknown> | undefined;
  private lastExtraText: string | null = null;

  pack(block: PackedBlock, s: Sample): void {
    const origin = this.originMs;
    const llm = s.llm;
    const p = this.p;
    p.begin(block);
    p.text(this.benchmarkId);
    p.num(this.toEpochMs(s.intendedStart) / 1000);
    p.text(s.service);
    p.num(s.clientId + this.clientOffset);
    p.num((s.end - s.intendedStart) / 1000);
    p.num(s.ok ? 1 : 0);
    p.any(s.status);
    // The one way into the database for a failure's text: no secret of the recipe passes
    // (a service thread holds the run's secrets too: adoptScrubState).
    p.text(s.message === null ? null : scrubMessage(s.message));
    p.num(s.bytesIn);
    p.text(s.operation);
    p.num((s.intendedStart - origin) / 1000);
    p.num((s.actualStart - origin) / 1000);
    p.num((s.end - s.actualStart) / 1000);
    p.text(s.errorClass);
    p.num(s.bytesOut);
    p.num(llm?.ttftMs === undefined ? null : llm.ttftMs / 1000);
    p.num(llm?.tpotMs === undefined ? null : llm.tpotMs / 1000);
    p.num(llm?.itlMs === undefined ? null : llm.itlMs / 1000);
    p.num(llm?.inputTokens);
    p.num(llm?.outputTokens);
    p.num(llm?.tokensEstimated === undefined ? null : llm.tokensEstimated ? 1 : 0);
    p.text(s.extra ? this.extraText(s.extra) : null);
  }

  private extraText(extra: Record<string, unknown>): string {
    // Only a frozen object can be trusted not to have changed since it was last seen.
    if (extra !== this.lastExtra || !Object.isFrozen(extra)) {
      this.lastExtra = extra;
      this.lastExtraText = JSON.stringify(extra);
    }
    return this.lastExtraText!;
  }
}

const COL = Object.fromEntries(ROW_COLUMNS.map((c, i) => [c, i])) as Record<(typeof ROW_COLUMNS)[number], number>;

/**
 * The samples a packed block holds, rebuilt for the run's observers (live display,
 * Prometheus, thresholds) on the thread that owns them, with times back on the run's
 * clock (`originMs`). Read straight from the block's numbers: no row array is made.
 */
export function forEachSample(b: PackedBlock, originMs: number, fn: (s: Sample) => void): void {
  const { nums, texts, odd } = b;
  const text = (i: number): string | null => (nums[i]! !== nums[i]! ? null : texts[nums[i]!]!);
  const num = (i: number): number | undefined => (nums[i]! !== nums[i]! ? undefined : nums[i]!);
  for (let r = 0, at = 0; r < b.rows; r++, at += COLUMNS) {
    const intended = originMs + nums[at + COL.intended_start]! * 1000;
    const actual = originMs + nums[at + COL.actual_start]! * 1000;
    const statusAt = at + COL.status_code;
    const ok = nums[at + COL.success] === 1;
    const s: Sample = {
      service: text(at + COL.service_name)!,
      clientId: nums[at + COL.client_id]!,
      operation: text(at + COL.operation)!,
      intendedStart: intended,
      actualStart: actual,
      end: intended + nums[at + COL.request_duration]! * 1000,
      ok,
      status: num(statusAt) ?? ((odd?.get(statusAt) as string | undefined) ?? null),
      errorClass: text(at + COL.error_class) as ErrorClass | null,
      message: text(at + COL.error_message),
      bytesIn: num(at + COL.response_size) ?? 0,
      bytesOut: num(at + COL.bytes_out) ?? 0,
    };
    const ttft = num(at + COL.ttft);
    const tpot = num(at + COL.tpot);
    const itl = num(at + COL.itl);
    const input = num(at + COL.input_tokens);
    const output = num(at + COL.output_tokens);
    const estimated = num(at + COL.tokens_estimated);
    if (ttft !== undefined || tpot !== undefined || itl !== undefined || input !== undefined || output !== undefined) {
      const llm: LlmFields = {};
      if (ttft !== undefined) llm.ttftMs = ttft * 1000;
      if (tpot !== undefined) llm.tpotMs = tpot * 1000;
      if (itl !== undefined) llm.itlMs = itl * 1000;
      if (input !== undefined) llm.inputTokens = input;
      if (output !== undefined) llm.outputTokens = output;
      if (estimated !== undefined) llm.tokensEstimated = estimated === 1;
      s.llm = llm;
    }
    const extra = text(at + COL.extra);
    if (extra !== null) s.extra = JSON.parse(extra) as Record<string, unknown>;
    fn(s);
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockPacker, isFull, newPackedBlock, resetBlock, unpackBlock } from '../../src/metrics/packed-block.js';
import { ROW_COLUMNS, ROWS_PER_STATEMENT, TEXT_COLUMNS as TEXT } from '../../src/metrics/rows.js';

/** A row of ROW_COLUMNS values: repeated and changing texts, NULLs, fractions, a status that is text. */
function row(i: number): unknown[] {
  return ROW_COLUMNS.map((c, k) => {
    if (c === 'benchmark_id') return 'bench-1';
    if (c === 'operation') return i % 3 === 0 ? 'get' : 'put';
    if (c === 'error_message') return i % 5 === 0 ? `boom ${i}` : null;
    if (c === 'error_class') return i % 5 === 0 ? 'http_5xx' : null;
    if (c === 'extra') return i % 4 === 0 ? JSON.stringify({ recall: i / 10 }) : null;
    if (c === 'status_code') return i % 7 === 0 ? 'UNAVAILABLE' : i % 11 === 0 ? null : 200 + i;
    if (TEXT.has(c)) return `svc-${i % 2}`;
    return i % 6 === 0 && k > 14 ? null : i * 1.25 + k / 1000;
  });
}

function pack(packer: BlockPacker, block: ReturnType<typeof newPackedBlock>, values: unknown[]): void {
  packer.begin(block);
  ROW_COLUMNS.forEach((c, k) => {
    const v = values[k];
    if (TEXT.has(c)) packer.text(v as string | null);
    else if (c === 'status_code') packer.any(v);
    else packer.num(v as number | null);
  });
}

test('a packed block gives back every value of its rows, texts, NULLs and a text status included', () => {
  const packer = new BlockPacker();
  const block = newPackedBlock();
  const rows = Array.from({ length: ROWS_PER_STATEMENT }, (_, i) => row(i));
  for (const r of rows) pack(packer, block, r);
  assert.ok(isFull(block));
  assert.deepEqual(unpackBlock(block), rows.flat());
  // A run of equal texts is stored once: bench id, two services, two operations, the errors and extras.
  assert.ok(block.texts.length < ROWS_PER_STATEMENT * 3, `${block.texts.length} texts stored`);
});

test('a block emptied for reuse holds only its new rows, whatever the packer remembered of the old ones', () => {
  const packer = new BlockPacker();
  const block = newPackedBlock();
  for (let i = 0; i < 5; i++) pack(packer, block, row(i));
  resetBlock(block);
  const fresh = [row(1), row(2)];
  fresh[0]![0] = 'bench-2';
  for (const r of fresh) pack(packer, block, r);
  assert.equal(block.rows, 2);
  assert.deepEqual(unpackBlock(block), fresh.flat());
});

test('a packed block survives a structured clone (the hand-over to the writer thread) intact', () => {
  const packer = new BlockPacker();
  const block = newPackedBlock();
  const rows = Array.from({ length: 9 }, (_, i) => row(i + 3));
  for (const r of rows) pack(packer, block, r);
  assert.deepEqual(unpackBlock(structuredClone(block)), rows.flat());
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../src/report/build.js';
import { SAMPLE_COLUMNS, summaryCsv, thresholdsJunit, writeSamplesCsv } from '../../src/report/exports.js';
import { markdownSummary } from '../../src/report/markdown.js';
import { tempDir } from '../helpers/cli.js';
import { sampleAt, storeWith } from './fixtures.js';

/** RFC 4180 parser, strict enough to catch a broken quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && cell === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"' && text[i + 1] === '"') (cell += '"'), (i += 2);
        else if (text[i] === '"') break;
        else cell += text[i++];
      }
      i++;
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
    } else if (c === ',') (row.push(cell), (cell = ''), i++);
    else if (c === '\r' && text[i + 1] === '\n') (row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 2));
    else (cell += c), i++;
  }
  if (cell !== '' || row.length) throw new Error('last line lacks CRLF');
  return rows;
}

const NASTY = 'boom, "quoted"\nsecond line';
const RECIPE = `services:\n  - service_name: "we|b"\n    service_type: http\n    url: http://x/\n    thresholds: {error_rate: "<1%", p99_latency_ms: "<1000"}\n`;

function fixture() {
  const samples = Array.from({ length: 20 }, (_, i) =>
    sampleAt(1000 + i * 10, 5 + i, {
      service: 'we|b',
      ok: i % 5 !== 0,
      message: i === 0 ? NASTY : i === 5 ? '=HYPERLINK("http://evil")' : i % 5 === 0 ? 'x' : null,
      operation: i % 2 ? 'read' : 'write',
    }),
  );
  return storeWith('ex1', RECIPE, samples, [{ serviceName: 'we|b' }], 'exports <b>');
}

test('per-request CSV streams every row, quotes what needs quoting, and defuses formulas', (t) => {
  const store = fixture();
  const file = join(tempDir(t), 'samples.csv');
  assert.equal(writeSamplesCsv(store.db, 'ex1', file), 20);
  const rows = parseCsv(readFileSync(file, 'utf8'));
  assert.deepEqual(rows[0], [...SAMPLE_COLUMNS]);
  assert.equal(rows.length, 21);
  const col = (name: string) => SAMPLE_COLUMNS.indexOf(name as never);
  assert.ok(rows.every((r) => r.length === SAMPLE_COLUMNS.length));
  assert.equal(rows[1]![col('error_message')], NASTY, 'commas, quotes and newlines survive');
  assert.equal(rows[6]![col('error_message')], `'=HYPERLINK("http://evil")`);
  assert.equal(rows[1]![col('service_name')], 'we|b');
  assert.equal(Number(rows[2]![col('request_duration')]), 0.006);
  assert.equal(rows[2]![col('success')], '1');
  assert.equal(rows[1]![col('success')], '0');
  store.close();
});

test('summary CSV has one row per service and operation, numbers in seconds', () => {
  const store = fixture();
  const report = buildReport(store.db, 'ex1');
  const rows = parseCsv(summaryCsv(report));
  const head = rows[0]!;
  const get = (r: string[], k: string) => r[head.indexOf(k)]!;
  assert.equal(rows.length, 4, 'header, service, two operations');
  assert.deepEqual(rows.slice(1).map((r) => get(r, 'operation')), ['', 'write', 'read']);
  assert.equal(get(rows[1]!, 'requests'), '20');
  assert.equal(get(rows[1]!, 'failed'), '4');
  assert.equal(Number(get(rows[1]!, 'error_rate')), 0.2);
  assert.ok(Math.abs(Number(get(rows[1]!, 'max_s')) - 0.024) < 1e-9);
  store.close();
});

test('JUnit XML: one test case per threshold, failures carry the actual value, text is escaped', () => {
  const store = fixture();
  const report = buildReport(store.db, 'ex1');
  const xml = thresholdsJunit(report, report.thresholds);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="aifb" tests="2" failures="1"/);
  // Well-formed: every tag closes in order, and no raw "<" sits in text or attributes.
  const stack: string[] = [];
  for (const m of xml.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z]+)((?:\s+[a-z_]+="[^"<>]*")*)\s*(\/?)>|</g)) {
    if (!m[2]) assert.fail(`stray "<" at ${m.index}`);
    if (m[1]) assert.equal(stack.pop(), m[2]);
    else if (!m[4]) stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
  const cases = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => m.slice(1));
  assert.deepEqual(cases, [['aifb.we|b', 'error_rate &#60;1%'], ['aifb.we|b', 'p99_latency_ms &#60;1000']]);
  assert.match(xml, /<failure message="error_rate is 20\.0%; wanted &#60;1%" type="threshold">/);
  assert.match(xml, /name="thresholds exports &#60;b&#62;"/);
  store.close();
});

test('Markdown summary: a table that names with pipes cannot break, and the threshold verdicts', () => {
  const store = fixture();
  const md = markdownSummary(buildReport(store.db, 'ex1'));
  assert.match(md, /^## aifb: exports \\<b\\> — ❌ 1 threshold\(s\) failed/);
  const tables = md.split('\n\n').filter((b) => b.startsWith('|'));
  assert.equal(tables.length, 2);
  for (const tb of tables) {
    const lines = tb.trim().split('\n');
    const cols = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    assert.ok(lines.every((l) => cols(l) === cols(lines[0]!)), `ragged table:\n${tb}`);
    assert.match(lines[1]!, /^\|(:---|---:)(\|(:---|---:))*\|$/);
  }
  assert.match(md, /\| \*\*we\\\|b\*\* \| 20 \| 4 \(20\.0%\) \|/);
  assert.match(md, /\| ❌ \| we\\\|b \| `error_rate` \| `<1%` \| 20\.0% \|/);
  store.close();
});

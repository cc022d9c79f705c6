import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { fmtMetric } from './format.js';
import type { Report, SliceReport, ThresholdReport } from './types.js';

/**
 * CSV lines (RFC 4180, CRLF) by csv-stringify. Text that a spreadsheet would run as a
 * formula (= + - @ at the start, as in an error message from a hostile server) gets a
 * leading apostrophe in the text columns; a bare LF inside a cell is quoted too (csv-stringify
 * quotes only the record delimiter by default, and pandas would split the row).
 */
function csvLines(rows: unknown[][], textCols: ReadonlySet<number> = new Set()): string {
  const defused = textCols.size
    ? rows.map((r) => r.map((c, i) => (textCols.has(i) && typeof c === 'string' && /^[=+\-@\t\r]/.test(c) ? `'${c}` : c)))
    : rows;
  return stringify(defused, { record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
}

const csvLine = (cells: unknown[], textCols?: ReadonlySet<number>) => csvLines([cells], textCols);

/** The per-request columns, in the metrics table's order (docs/metrics.md defines them). */
export const SAMPLE_COLUMNS = [
  'benchmark_id', 'timestamp', 'service_name', 'client_id', 'request_duration', 'success', 'status_code', 'error_message',
  'response_size', 'operation', 'intended_start', 'actual_start', 'service_time', 'error_class', 'bytes_out', 'ttft', 'tpot',
  'itl', 'input_tokens', 'output_tokens', 'tokens_estimated', 'extra',
] as const;
const SAMPLE_TEXT = new Set(['service_name', 'status_code', 'error_message', 'operation', 'error_class', 'extra'].map((c) => SAMPLE_COLUMNS.indexOf(c as never)));

/** Writes a file through a temporary name, so a reader never sees half of it. */
export function atomically(path: string, write: (fd: number) => void): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Streams every measured request of a run from SQLite into a CSV file, in chunks, so a
 * run of millions of rows never sits in memory. Returns the number of rows written.
 */
export function writeSamplesCsv(db: Database.Database, benchmarkId: string, path: string): number {
  let n = 0;
  atomically(path, (fd) => {
    writeSync(fd, csvLine([...SAMPLE_COLUMNS]));
    const rows = db
      .prepare(`SELECT ${SAMPLE_COLUMNS.join(', ')} FROM metrics WHERE benchmark_id = ? ORDER BY id`)
      .raw()
      .iterate(benchmarkId) as IterableIterator<unknown[]>;
    let chunk: unknown[][] = [];
    for (const r of rows) {
      chunk.push(r);
      n++;
      if (chunk.length >= 4096) {
        writeSync(fd, csvLines(chunk, SAMPLE_TEXT));
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, csvLines(chunk, SAMPLE_TEXT));
  });
  return n;
}

const SUMMARY_COLUMNS = [
  'benchmark_id', 'service', 'operation', 'status', 'requests', 'successful', 'failed', 'error_rate', 'requests_per_second',
  'p50_s', 'p90_s', 'p95_s', 'p99_s', 'p99_9_s', 'mean_s', 'min_s', 'max_s', 'service_time_p50_s', 'service_time_p99_s',
  'bytes_in_per_second', 'bytes_out_per_second', 'ttft_p50_s', 'ttft_p99_s', 'tpot_p50_s', 'itl_p50_s', 'output_tokens_per_second',
];

/** One row per service and per operation: the report's headline figures, seconds and per second. */
export function summaryCsv(report: Report): string {
  const lines = [csvLine(SUMMARY_COLUMNS)];
  const text = new Set([0, 1, 2, 3]);
  const add = (service: string, op: string, status: string, x: SliceReport, llm?: Report['services'][string]['llm']) => {
    const l = x.latency.all;
    lines.push(
      csvLine(
        [
          report.benchmark_id, service, op, status, x.requests.total, x.requests.successful, x.requests.failed,
          x.requests.total ? Number((x.requests.failed / x.requests.total).toPrecision(6)) : '',
          x.throughput.requests_per_second, l.p50, l.p90, l.p95, l.p99, l.p99_9, l.mean, l.min, l.max,
          x.service_time.p50, x.service_time.p99, x.throughput.bytes_in_per_second, x.throughput.bytes_out_per_second,
          llm?.ttft.p50, llm?.ttft.p99, llm?.tpot.p50, llm?.itl.p50, llm?.output_tokens_per_second,
        ],
        text,
      ),
    );
  };
  for (const [name, s] of Object.entries(report.services)) {
    add(name, '', s.status, s, s.llm);
    for (const [op, o] of Object.entries(s.operations)) add(name, op, s.status, o);
  }
  return lines.join('');
}

const xml = (v: unknown) =>
  String(v ?? '')
    // Characters XML 1.0 cannot carry at all are dropped rather than escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JUnit XML with one test case per threshold, for CI systems that show test reports. */
export function thresholdsJunit(report: Pick<Report, 'benchmark_id' | 'name'>, t: ThresholdReport): string {
  const cases = t.results.map((r) => {
    const name = `${r.metric} ${r.condition}`;
    const cls = `aifb.${r.service}${r.operation ? `.${r.operation}` : ''}`;
    const actual = r.actual === null ? (r.note ?? 'no data') : fmtMetric(r.actual, r.unit);
    const failure = r.pass ? '' : `\n      <failure message="${xml(`${r.metric} is ${actual}; wanted ${r.condition}`)}" type="threshold">${xml(`actual: ${actual}`)}</failure>\n    `;
    return `    <testcase classname="${xml(cls)}" name="${xml(name)}" time="0">${failure}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="aifb" tests="${t.defined}" failures="${t.failed}" errors="0">`,
    `  <testsuite name="${xml(`thresholds ${report.name ?? report.benchmark_id}`)}" tests="${t.defined}" failures="${t.failed}" errors="0" skipped="0">`,
    `    <properties><property name="benchmark_id" value="${xml(report.benchmark_id)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './types.js';

/** Writes `<dir>/<benchmark_id>_report.json` atomically and returns its path. */
export function writeJsonReport(report: Report, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.benchmark_id}_report.json`);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
  renameSync(tmp, path);
  return path;
}

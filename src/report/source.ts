import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { UsageError } from '../errors.js';
import { openMetricsDb } from '../metrics/store.js';
import { buildReport } from './build.js';
import type { Report } from './types.js';

/** A run to show, compare or export, with where it came from. */
export interface RunSource {
  /** How the user named it, for table headings. */
  label: string;
  report: Report;
  /** The redacted recipe stored with the run; null when loaded from a JSON report. */
  recipeText: string | null;
  /** Open when the run came from a database (close it with `close()`). */
  db: Database.Database | undefined;
  close(): void;
}

/** The recipe text stored with a run. */
export function storedRecipeText(db: Database.Database, benchmarkId: string): string | null {
  const row = db.prepare('SELECT recipe_text FROM runs WHERE benchmark_id = ?').get(benchmarkId) as { recipe_text: string | null } | undefined;
  return row?.recipe_text ?? null;
}

/** The file starts with SQLite's header (a metrics database under any name). */
export function isSqlite(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    return buf.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `report.json`, `metrics.db` (its newest run) or `metrics.db#benchmark_id`.
 * A database is recognised by its header, so any file name works.
 */
export function openRunSource(spec: string, cwd: string): RunSource {
  const hash = spec.lastIndexOf('#');
  const [file, id] = hash > 0 && !existsSync(resolve(cwd, spec)) ? [spec.slice(0, hash), spec.slice(hash + 1)] : [spec, undefined];
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  if (!isSqlite(path)) {
    if (id) throw new UsageError(`${file} is a JSON report; "#${id}" only applies to a metrics database`);
    let report: Report;
    try {
      report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    } catch (err) {
      throw new UsageError(`${file} is not a valid JSON report: ${(err as Error).message}`, { cause: err });
    }
    if (!report || typeof report !== 'object' || !report.services) throw new UsageError(`${file} is not an aifb report (no services)`);
    // Reports from before thresholds existed: judge nothing rather than fail.
    report.thresholds ??= { defined: 0, passed: 0, failed: 0, results: [] };
    return { label: basename(file).replace(/_report\.json$/, ''), report, recipeText: null, db: undefined, close: () => {} };
  }
  const db = openMetricsDb(path);
  try {
    const report = buildReport(db, id || undefined);
    return {
      label: report.benchmark_id,
      report,
      recipeText: storedRecipeText(db, report.benchmark_id),
      db,
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

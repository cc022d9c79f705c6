import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { compareReports, DEFAULT_COMPARE } from '../../report/compare.js';
import { comparisonHtml, renderComparison } from '../../report/compare-render.js';
import { isSqlite, openRunSource, type RunSource } from '../../report/source.js';
import { parseCommandArgs, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { comparabilityWarnings } from '../compare-warnings.js';
import { openMetricsDb } from '../../metrics/store.js';

/**
 * `aifb compare metrics.db`: the database's two newest runs, older first (the baseline).
 * A JSON report or `db#id` alone is one run: returned as is, for the "two runs" error.
 */
function newestTwo(spec: string, cwd: string): string[] {
  const path = resolve(cwd, spec);
  if (spec.includes('#') || !existsSync(path) || !isSqlite(path)) return [spec];
  const db = openMetricsDb(path);
  try {
    const ids = (db.prepare('SELECT benchmark_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 2').all() as { benchmark_id: string }[]).map((r) => r.benchmark_id);
    if (ids.length < 2) throw new UsageError(`compare: ${spec} holds ${ids.length} run(s); comparing needs two (name a second run or database)`);
    return ids.reverse().map((id) => `${spec}#${id}`);
  } finally {
    db.close();
  }
}

const COMPARE_FLAGS = {
  json: { type: 'boolean', help: 'print the comparison as JSON' },
  html: { type: 'string', arg: 'FILE', help: 'also write it as a self-contained HTML page' },
  alpha: { type: 'string', arg: 'P', help: `significance level (default ${DEFAULT_COMPARE.alpha}, i.e. 99% confidence)` },
  'min-change': { type: 'string', arg: 'PCT', help: `smallest p50/throughput change to flag (default ${DEFAULT_COMPARE.minChange * 100}%)` },
  'min-tail-change': { type: 'string', arg: 'PCT', help: `smallest p99 change to flag (default ${DEFAULT_COMPARE.minTailChange * 100}%)` },
  'fail-on-regression': { type: 'boolean', help: 'exit 99 when any change is for the worse' },
} as const satisfies Options;

const USAGE = commandHelp('compare', COMPARE_FLAGS, {
  usage: 'A B [C ...] [options]\n       aifb compare metrics.db [options]   (its two newest runs: the older is the baseline)',
  description:
    'Compares runs with the first one (the baseline), per service and operation: the change in p50, p99, throughput and error rate, and whether each is beyond run-to-run noise (Mann–Whitney U on per-bucket values; docs/reports.md). A run is a JSON report, a metrics database (its newest run) or metrics.db#benchmark_id. A warning names each service whose measured window, load (mode, rate, clients, arrival, in-flight cap, stages) or operation mix differs from the baseline\'s.',
});

function fraction(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const pct = text.trim().endsWith('%');
  const v = Number(pct ? text.trim().slice(0, -1) : text) / (pct ? 100 : 1);
  if (!Number.isFinite(v) || v < 0 || v >= 1) throw new UsageError(`--${flag} expects a fraction such as 0.05 or 5%, got "${text}"`);
  return v;
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare runs: changes beyond run-to-run noise',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, COMPARE_FLAGS, 'compare');
    const specs = positionals.length === 1 ? newestTwo(positionals[0]!, io.cwd) : positionals;
    if (specs.length < 2) throw new UsageError('compare: name at least two runs (aifb compare a.json b.json), or one metrics database with two runs');
    const alpha = fraction(values.alpha, 'alpha', DEFAULT_COMPARE.alpha);
    if (alpha === 0) throw new UsageError('--alpha must be above 0');
    const minChange = fraction(values['min-change'], 'min-change', DEFAULT_COMPARE.minChange);
    const sources: RunSource[] = [];
    try {
      for (const p of specs) sources.push(openRunSource(p, io.cwd));
    } finally {
      for (const s of sources) s.close();
    }
    // Two runs from one database share a label scheme; make labels unique for the tables.
    const seen = new Map<string, number>();
    const runs = sources.map((s) => {
      const n = (seen.get(s.label) ?? 0) + 1;
      seen.set(s.label, n);
      return { label: n > 1 ? `${s.label} (${n})` : s.label, report: s.report, recipeText: s.recipeText };
    });
    const minTailChange = fraction(values['min-tail-change'], 'min-tail-change', DEFAULT_COMPARE.minTailChange);
    const comparison = compareReports(runs, { alpha, minChange, minTailChange });
    // Shown with the comparison's own notes: in the text, the HTML and the JSON.
    comparison.warnings.push(...comparabilityWarnings(runs));
    if (values.html) {
      const path = resolve(io.cwd, values.html);
      writeFileSync(path, comparisonHtml(comparison, runs));
      io.stderr.write(`Comparison: ${path}\n`);
    }
    io.stdout.write(values.json ? JSON.stringify(comparison, null, 2) + '\n' : renderComparison(comparison) + '\n');
    const worse = comparison.results.some((r) => r.metrics.some((m) => m.verdict === 'worse'));
    return values['fail-on-regression'] && worse ? EXIT.thresholds : EXIT.ok;
  },
};

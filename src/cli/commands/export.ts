import { writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { summaryCsv, thresholdsJunit, writeSamplesCsv } from '../../report/exports.js';
import { writeSamplesParquet } from '../../report/export-parquet.js';
import { chooseLlmService, vllmResult } from '../../report/export-vllm.js';
import { renderReportHtml } from '../../report/html/report-page.js';
import { markdownSummary } from '../../report/markdown.js';
import { openRunSource } from '../../report/source.js';
import { parseCommandArgs, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

const EXPORT_FLAGS = {
  id: { type: 'string', arg: 'ID', help: 'the run (default: the newest in the database; metrics.db#ID works too)' },
  'csv-samples': { type: 'string', arg: 'FILE', help: 'every measured request, one CSV row each (needs the database)' },
  parquet: { type: 'string', arg: 'FILE', help: 'every measured request as Parquet, for pandas (needs the database)' },
  vllm: { type: 'string', arg: 'FILE', help: "an LLM service as vLLM bench serve's result JSON (needs the database; --service NAME when the run has several)" },
  service: { type: 'string', arg: 'NAME', help: 'the LLM service for --vllm' },
  'csv-summary': { type: 'string', arg: 'FILE', help: 'one CSV row per service and operation' },
  junit: { type: 'string', arg: 'FILE', help: 'JUnit XML with one test case per threshold (for CI test reports)' },
  markdown: { type: 'string', arg: 'FILE', help: 'a Markdown summary (for a pull request or a CI job summary)' },
  html: { type: 'string', arg: 'FILE', help: 'the self-contained HTML report' },
  format: { type: 'string', arg: 'F', help: 'with --output FILE, an output by name: vllm, parquet, csv-samples, csv-summary, junit, markdown, html' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'the file for --format' },
} as const satisfies Options;

const USAGE = commandHelp('export', EXPORT_FLAGS, {
  usage: '<metrics.db | report.json> [--id ID] <outputs>',
  description: 'Writes a run in other formats (the newest run of the database, or the one named by --id). At least one output.',
});

function put(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a run as CSV, Parquet, vLLM result JSON, JUnit XML, Markdown or HTML',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, EXPORT_FLAGS, 'export');
    const input = positionals[0];
    if (!input) throw new UsageError('export: name the metrics database or report (aifb export metrics.db --markdown summary.md)');
    const outputs = ['csv-samples', 'parquet', 'vllm', 'csv-summary', 'junit', 'markdown', 'html'] as const;
    if (values.format !== undefined || values.output !== undefined) {
      const f = values.format as (typeof outputs)[number] | undefined;
      if (!f || !outputs.includes(f)) throw new UsageError(`export: --format takes one of ${outputs.join(', ')}${f ? `, not "${f}"` : ''}`);
      if (!values.output) throw new UsageError(`export: --format ${f} needs --output FILE`);
      if (values[f]) throw new UsageError(`export: --format ${f} and --${f} both name an output; give one`);
      values[f] = values.output;
    }
    if (!outputs.some((o) => values[o])) throw new UsageError(`export: name at least one output (--${outputs.join(', --')}, or --format F --output FILE)`);
    const src = openRunSource(values.id ? `${input}#${values.id}` : input, io.cwd);
    const out = (flag: (typeof outputs)[number]) => resolve(io.cwd, values[flag]!);
    const said = (what: string, path: string) => io.stderr.write(`${what}: ${path}\n`);
    try {
      const { report } = src;
      if (values['csv-samples']) {
        if (!src.db) throw new UsageError('--csv-samples needs the metrics database; a JSON report holds no per-request rows');
        const n = writeSamplesCsv(src.db, report.benchmark_id, out('csv-samples'));
        said(`${n} samples`, out('csv-samples'));
      }
      if (values.parquet) {
        if (!src.db) throw new UsageError('--parquet needs the metrics database; a JSON report holds no per-request rows');
        const n = writeSamplesParquet(src.db, report.benchmark_id, out('parquet'));
        said(`${n} samples (Parquet)`, out('parquet'));
      }
      if (values.vllm) {
        if (!src.db) throw new UsageError('--vllm needs the metrics database; a JSON report holds no per-request token times');
        const service = chooseLlmService(report, values.service);
        put(out('vllm'), JSON.stringify(vllmResult(src.db, report, service, src.recipeText), null, 2) + '\n');
        said(`vLLM result (${service})`, out('vllm'));
      }
      if (values['csv-summary']) put(out('csv-summary'), summaryCsv(report)), said('Summary CSV', out('csv-summary'));
      if (values.junit) put(out('junit'), thresholdsJunit(report, report.thresholds)), said('JUnit XML', out('junit'));
      if (values.markdown) put(out('markdown'), markdownSummary(report)), said('Markdown', out('markdown'));
      if (values.html) put(out('html'), renderReportHtml(report, src.recipeText)), said('HTML', out('html'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UsageError(`export: cannot write into ${dirname((err as NodeJS.ErrnoException).path ?? '')}: no such directory`, { cause: err });
      }
      throw err;
    } finally {
      src.close();
    }
    return EXIT.ok;
  },
};

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLIENT_JS } from './client.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { STYLES } from './styles.js';

/** One chart, fully described by data; client.ts turns it into a uPlot chart. */
export interface ChartSpec {
  title: string;
  kind: 'line' | 'bars' | 'points';
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean; zero?: boolean };
  xs: number[];
  series: { label: string; ys: (number | null)[] }[];
  knee?: { x: number; y: number; label: string };
  /** Horizontal reference lines (an SLO, a threshold) in the y axis' unit; the scale stretches to show them. */
  lines?: { y: number; label: string }[];
}

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;

/** uPlot's browser build and stylesheet, read once from the installed package. */
function uplotAssets(): { js: string; css: string } {
  if (!uplot) {
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    // A literal "</script" inside the library would end our element early.
    uplot = { js: js.replace(/<\/script/gi, '<\\/script'), css };
  }
  return uplot;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The placeholder chart `index` is drawn into, with its caption. */
export function chartSlot(index: number, spec: ChartSpec): string {
  return `<figure class="plot"><figcaption>${escapeHtml(spec.title)}</figcaption><div class="chart" data-chart="${index}"></div></figure>`;
}

/**
 * A complete, self-contained HTML document: the chart library, styles and data inline,
 * and a Content-Security-Policy that allows no network at all and runs only the two
 * scripts whose hashes it names, so even a string that escaped escaping could not run.
 */
export function htmlDocument(o: { title: string; body: string; charts: ChartSpec[] }): string {
  const { js, css } = uplotAssets();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)} ${sha256(CLIENT_JS)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${css}</style>
<style>${STYLES}</style>
</head>
<body>
${o.body}
<script type="application/json" id="aifb-data">${jsonForScript({ charts: o.charts })}</script>
<script>${js}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

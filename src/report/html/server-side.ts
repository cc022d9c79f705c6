import { besideClientRows, sourceLine } from '../server-side-text.js';
import type { Report } from '../types.js';
import { escapeHtml as e } from './escape.js';
import { chartSlot, type ChartSpec } from './page.js';

/** Gauges worth a chart over time, in the order they are drawn. */
const CHARTED = ['requests_running', 'requests_waiting', 'batch_size', 'kv_cache_usage'];

/**
 * The "Server side" section: per service, what its server said about itself next to
 * what aifb measured, and its queue, batch and KV-cache levels over the run.
 */
export function serverSideSection(report: Report, charts: ChartSpec[]): string {
  const services = Object.entries(report.services).filter(([, s]) => s.server);
  if (services.length === 0) return '';
  const parts = services.map(([name, s]) => {
    const srv = s.server!;
    const rows = besideClientRows(srv).map(([what, server, client]) => `<tr><td class="text">${e(what)}</td><td>${e(server)}</td><td>${e(client)}</td></tr>`);
    const series = CHARTED.filter((g) => srv.timeseries.series[g]).map((g) => ({
      label: g === 'kv_cache_usage' ? 'KV cache use (%)' : g.replaceAll('_', ' '),
      ys: srv.timeseries.series[g]!.map((v) => (v === null ? null : g === 'kv_cache_usage' ? v * 100 : v)),
    }));
    const chart: ChartSpec | undefined = series.length && srv.timeseries.t.length > 1
      ? { title: `${name}: server's queue and batch over time`, kind: 'line', x: { label: 'time in measured window (s)' }, y: { label: 'requests / %', zero: true }, xs: srv.timeseries.t, series }
      : undefined;
    const slot = chart ? chartSlot(charts.push(chart) - 1, chart) : '';
    const table = rows.length ? `<table><tr><th>figure</th><th>server</th><th>aifb</th></tr>${rows.join('')}</table>` : '';
    return `<h3>${e(name)}</h3><p class="note">${e(sourceLine(srv))}</p>${table}${slot}`;
  });
  return `<section id="server-side"><h2>Server side (its own metrics)</h2>${parts.join('')}<p class="note">Scraped from the server while the load ran; counters are their increase over the run, per-request means divide by the server's own request count where it keeps one. docs/metrics.md, "Server side".</p></section>`;
}

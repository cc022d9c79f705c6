/** The report page's own styles (uPlot brings its stylesheet). */
export const STYLES = `
:root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bad: #b91c1c; --good: #15803d; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; padding: 1.5rem; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
.meta, .note { color: var(--muted); }
.warn { color: #b45309; font-weight: 500; }
.desc { white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.pass { color: var(--good); font-weight: 600; }
td.fail { color: var(--bad); font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1rem; }
figure.plot { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; overflow: hidden; }
figcaption { font-weight: 600; margin-bottom: .25rem; }
pre { background: #f9fafb; border: 1px solid var(--line); padding: .75rem; overflow: auto; white-space: pre; }
.status-complete { color: var(--good); } .status-failed, .status-partial { color: var(--bad); }
nav a { margin-right: 1rem; }
.verdict { font-size: 1.15rem; font-weight: 600; margin: .5rem 0; padding: .5rem .75rem; border-radius: 6px; border: 1px solid var(--line); }
.verdict-pass { color: var(--good); border-color: var(--good); } .verdict-fail, .verdict-partial { color: var(--bad); border-color: var(--bad); }
.status { font-weight: 600; } .search-result { font-size: 1.05rem; }
`;

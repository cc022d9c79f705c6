/** One PromQL expression of a Grafana dashboard, with where it came from. */
export interface DashboardExpression {
  where: string;
  expr: string;
  /** For a label_values() variable: the label its selector must carry. */
  label?: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

/** Every expression: panel targets (rows included) and the query variables' selectors. */
export function dashboardExpressions(d: Dashboard): DashboardExpression[] {
  const out: DashboardExpression[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr });
      if (p.panels) walk(p.panels);
    }
  };
  walk(d.panels);
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q.trim());
    if (!m) throw new Error(`variable ${v.name}: unexpected query ${q}`);
    out.push({ where: `variable ${v.name}`, expr: m[1]!, label: m[2]! });
  }
  return out;
}

/**
 * Grafana's substitutions for one choice of the variables: $__rate_interval as Grafana
 * computes it for a 1 s scrape interval (4 × scrape), a multi-value "All" as its allValue.
 */
export function substitute(expr: string, vars: Record<string, string>): string {
  let out = expr.replaceAll('$__rate_interval', '5s').replaceAll('$__interval', '1s');
  for (const [k, v] of Object.entries(vars)) out = out.replaceAll(`\${${k}}`, v).replaceAll(`$${k}`, v);
  if (/\$\w/.test(out)) throw new Error(`unsubstituted variable in ${out}`);
  return out;
}

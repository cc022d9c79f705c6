import type { Plan, ServiceSpec } from '../recipe/types.js';
import type { BackendRegistry } from '../services/registry.js';
import { launcherOf } from './config.js';
import { planServer, type PlanContext } from './plan.js';
import { shellJoin } from './quote.js';
import type { SlurmFields } from './slurm/directives.js';
import type { ReadySpec } from './types.js';

type Fields = Readonly<Record<string, unknown>>;

/**
 * The seed's form of a service it starts itself: a `slurm:` block and a
 * `container_image`, no `launcher` (the seed's recipes never had one). The seed ran
 * such a service as a Slurm job with Apptainer (its report §2.3, §3.3, §6.2.2).
 */
export function isSeedStarted(fields: Fields): boolean {
  return fields.launcher === undefined && typeof fields.slurm === 'object' && fields.slurm !== null && typeof fields.container_image === 'string';
}

/**
 * The plan with every seed-form service started as a Slurm job (Apptainer, from its
 * container_image); a recipe's explicit `launcher` is left as it is. Used by
 * `aifb slurm script|submit` and by `aifb run --start-services`.
 */
export function startSeedServices(plan: Plan): Plan {
  if (!plan.services.some((s) => isSeedStarted(s.fields))) return plan;
  return { ...plan, services: plan.services.map((s) => (isSeedStarted(s.fields) ? { ...s, fields: { ...s.fields, launcher: { type: 'slurm' } } } : s)) };
}

function readyText(r: ReadySpec | undefined): string {
  if (r === undefined) return 'ready when its port answers';
  const items = Array.isArray(r) ? r : [r];
  return `ready on ${items.map((i) => ('http' in i ? `GET ${i.http}` : 'tcp' in i ? 'TCP connect' : `log line /${i.log}/`)).join(' and ')}`;
}

function where(fields: Fields): string | undefined {
  const url = fields.service_url ?? fields.url ?? fields.endpoint_url;
  if (typeof url === 'string') return url;
  if (typeof fields.host === 'string' || typeof fields.port === 'number') return `${String(fields.host ?? 'localhost')}:${String(fields.port ?? '?')}`;
  return undefined;
}

function slurmText(s: SlurmFields): string {
  const opts = [s.account && `account ${s.account}`, s.time && `time ${s.time}`, s.gres && `gres ${s.gres}`, s.nodes && `${s.nodes} node(s)`].filter(Boolean);
  return `Slurm job on partition ${s.partition ?? '(default)'}${opts.length ? ` (${opts.join(', ')})` : ''}`;
}

export interface StartDescription {
  service: string;
  /** external | local | slurm, as `aifb run` does it (seed-form services: external unless --start-services). */
  how: string;
  /** The sentence `aifb validate` prints. */
  text: string;
  /** Port and the host group it would take it on, for the port-clash check. */
  port?: number;
  hostGroup?: string;
}

/** How and where each service will start, for `aifb validate`. */
export function describeStarts(plan: Plan, registry: BackendRegistry, ctx: PlanContext): StartDescription[] {
  return plan.services.map((s) => describeOne(s, registry, ctx));
}

function describeOne(s: ServiceSpec, registry: BackendRegistry, ctx: PlanContext): StartDescription {
  const seed = isSeedStarted(s.fields);
  const fields = seed ? { ...s.fields, launcher: { type: 'slurm' } } : s.fields;
  const cfg = launcherOf(fields);
  if (cfg.type === 'external') {
    const w = where(s.fields);
    const text = w === undefined ? 'nothing to start: it runs inside aifb (a library or the file system)' : `external at ${w} (aifb neither starts nor stops it)`;
    return { service: s.name, how: 'external', text };
  }
  let text: string;
  let port: number | undefined;
  try {
    const plan = planServer({ ...s, fields }, registry.resolve(s.type, s.backend), ctx, cfg.type === 'slurm' ? 'slurm' : 'local');
    port = plan.port;
    const head = cfg.type === 'slurm' ? slurmText((fields.slurm ?? {}) as SlurmFields) : 'local process';
    text = `${head}, ${shellJoin(plan.argv)}, ${readyText(plan.ready)}`;
  } catch (err) {
    text = `cannot be started: ${(err as Error).message}`;
  }
  if (seed) text = `${text} (under aifb slurm submit or aifb run --start-services; a plain aifb run uses it as external at ${where(s.fields) ?? '?'})`;
  const partition = ((fields.slurm ?? {}) as SlurmFields).partition ?? '(default)';
  return { service: s.name, how: seed ? 'slurm (seed form)' : cfg.type, text, port, hostGroup: cfg.type === 'slurm' ? `a node of partition ${partition}` : 'this host' };
}

/**
 * Pairs of services that would start on one host and ask for one port: local services
 * always share this host; Slurm services of one partition may land on one node (aifb
 * checks the port before starting, so the second would fail rather than be mistaken).
 */
export function portClashes(starts: readonly StartDescription[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < starts.length; i++) {
    for (let j = i + 1; j < starts.length; j++) {
      const a = starts[i]!;
      const b = starts[j]!;
      if (a.port !== undefined && a.port === b.port && a.hostGroup === b.hostGroup) {
        out.push(
          `services "${a.service}" and "${b.service}" both ask for port ${a.port} and may start on ${a.hostGroup}: the second would find the port taken; give one of them another port`,
        );
      }
    }
  }
  return out;
}

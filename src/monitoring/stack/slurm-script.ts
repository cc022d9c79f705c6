import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../cli/paths.js';
import { RunError } from '../../errors.js';
import { apptainerArgv } from '../../launch/apptainer.js';
import { shellJoin, shellJoinWith, shellQuote } from '../../launch/quote.js';
import { outputPattern, sbatchDirectives, type SlurmFields } from '../../launch/slurm/directives.js';
import { BINARIES, GRAFANA_HOMES, logFileOf, prometheusArgs, pushgatewayArgs, READY_PATH, type StackComponent } from './components.js';
import { monitoringDir } from './config.js';
import { grafanaEnv } from './grafana.js';
import { jobConfigPaths } from './job-setup.js';

/** The job's name in squeue; its output is `<state-dir>/aifb-monitor-<jobid>.out`. */
export const MONITOR_JOB_NAME = 'aifb-monitor';

/** Files of the Slurm stack in the state directory (shared storage: login and compute nodes see it). */
export function slurmStackFiles(stateDir: string) {
  return {
    script: join(stateDir, `${MONITOR_JOB_NAME}.sbatch`),
    /** What `up` records: the job id, so status and down find the job. */
    record: join(stateDir, 'slurm-job.json'),
    /** What the job writes once every server answers: node and ports. */
    endpoints: join(stateDir, 'slurm-endpoints.json'),
    output: (jobId: string) => join(stateDir, `${MONITOR_JOB_NAME}-${jobId}.out`),
  };
}

/** The image `--apptainer` uses when none is given: the base of the shipped containers/<name>.def. */
export function defaultImage(name: StackComponent): string {
  const def = join(packageRoot, 'containers', `${name}.def`);
  const from = /^From:\s*(\S+)/m.exec(readFileSync(def, 'utf8'))?.[1];
  if (!from) throw new RunError(`${def} has no From: line`);
  return `docker://${from}`;
}

export interface MonitorScriptInput {
  /** Absolute; on storage the compute node shares (configs, data, logs, the endpoints file). */
  stateDir: string;
  slurm: SlurmFields;
  aifb: string[];
  /** Ports tried first on the node; others are picked when these are taken. */
  ports: { prometheus: number; pushgateway: number; grafana: number };
  scrapeInterval?: string | undefined;
  readyTimeoutS: number;
  grafana: boolean;
  /** Images (already resolved to cached .sif files where pulled): Apptainer; absent: binaries on the node's PATH. */
  images?: Readonly<Record<StackComponent, string>> | undefined;
}

const ORDER: readonly StackComponent[] = ['pushgateway', 'prometheus', 'grafana'];
const VAR: Record<StackComponent, string> = { pushgateway: 'PUSHGATEWAY', prometheus: 'PROMETHEUS', grafana: 'GRAFANA' };
/** The binary inside the shipped images (prom/prometheus, prom/pushgateway, grafana/grafana-oss). */
const IN_IMAGE: Record<StackComponent, string[]> = { pushgateway: ['pushgateway'], prometheus: ['prometheus'], grafana: ['grafana', 'server', '--homepath', '/usr/share/grafana'] };

const portOf = (c: StackComponent) => `\${${VAR[c]}_PORT}`;
const SHELL_VARS = ORDER.flatMap((c) => [`${VAR[c]}_PORT`, `${VAR[c]}_PID`, `${VAR[c]}_BIN`]).concat('GRAFANA_HOME');

function serverArgs(c: StackComponent, i: MonitorScriptInput): string[] {
  const listen = `0.0.0.0:${portOf(c)}`;
  if (c === 'pushgateway') return pushgatewayArgs(i.stateDir, listen);
  if (c === 'prometheus') return prometheusArgs(i.stateDir, jobConfigPaths(i.stateDir).prometheusConfig, listen);
  return i.images ? [] : ['--homepath', '${GRAFANA_HOME}'];
}

/** The server's argv: the node's binary, or `apptainer exec` of its image with the state and monitoring dirs bound. */
function serverArgv(c: StackComponent, i: MonitorScriptInput): string[] {
  if (!i.images) return [`\${${VAR[c]}_BIN}`, ...serverArgs(c, i)];
  const binds = [i.stateDir, `${monitoringDir}:${monitoringDir}:ro`];
  return apptainerArgv({ mode: 'exec', image: i.images[c], gpu: false, binds, command: [...IN_IMAGE[c], ...serverArgs(c, i)] });
}

/** Finds the native binaries on the compute node; Grafana is optional. */
function binaryLines(i: MonitorScriptInput): string[] {
  if (i.images) {
    return [
      'command -v apptainer >/dev/null || { echo "aifb: apptainer is not on the PATH of $NODE (module load Apptainer?)" >&2; exit 1; }',
      `GRAFANA_ON=${i.grafana ? 'yes' : "''"}`,
    ];
  }
  const find = (c: StackComponent) => BINARIES[c].map((b) => `command -v ${shellQuote(b)}`).join(' || ');
  // Binary names are fixed words: safe inside double quotes.
  const lines = (['pushgateway', 'prometheus'] as const).map(
    (c) => `${VAR[c]}_BIN=$(${find(c)}) || { echo "aifb: ${BINARIES[c].join(' or ')} is not on the PATH of $NODE (install it there, or use aifb monitor up --slurm --apptainer)" >&2; exit 1; }`,
  );
  if (!i.grafana) return [...lines, "GRAFANA_ON=''"];
  return [
    ...lines,
    `GRAFANA_BIN=$(${find('grafana')}) || GRAFANA_BIN=''`,
    'GRAFANA_ON=${GRAFANA_BIN:+yes}',
    'if [ -z "$GRAFANA_ON" ]; then',
    `  echo "aifb: ${BINARIES.grafana.join(' or ')} is not on the PATH of $NODE: Grafana skipped"`,
    'fi',
    '# Its home (conf/defaults.ini, public/): the packaged place, else the tarball layout <home>/bin/grafana-server.',
    'GRAFANA_HOME=$(dirname -- "$(dirname -- "${GRAFANA_BIN:-/x/x}")")',
    `for d in ${GRAFANA_HOMES.map(shellQuote).join(' ')}; do`,
    '  if [ -f "$d/conf/defaults.ini" ]; then GRAFANA_HOME=$d; break; fi',
    'done',
  ];
}

/** Starts one server in the foreground of a job step (ending the job ends it) and waits until it answers. */
function startLines(c: StackComponent, i: MonitorScriptInput, indent = ''): string[] {
  const log = logFileOf(i.stateDir, c);
  const probe = [...i.aifb, 'slurm', 'probe', '--ready', JSON.stringify({ http: READY_PATH[c] }), '--port', portOf(c), '--log', log, '--pid', `\${${VAR[c]}_PID}`, '--timeout', String(i.readyTimeoutS)];
  return [
    `srun --ntasks=1 --nodes=1 --overlap --kill-on-bad-exit=1 ${shellJoinWith(serverArgv(c, i), SHELL_VARS)} >${shellQuote(log)} 2>&1 &`,
    `${VAR[c]}_PID=$!`,
    `${shellJoinWith(probe, SHELL_VARS)} || not_ready ${c}`,
  ].map((l) => indent + l);
}

function grafanaLines(i: MonitorScriptInput): string[] {
  const paths = jobConfigPaths(i.stateDir);
  const home = join(monitoringDir, 'grafana', 'dashboards', 'ai-factory-benchmark.json');
  const env = grafanaEnv(paths.grafanaDir, paths.grafanaProvisioning, '0.0.0.0', 0, '', home);
  const exports = Object.entries(env)
    .filter(([k]) => k !== 'GF_SECURITY_ADMIN_PASSWORD' && k !== 'GF_SERVER_HTTP_PORT')
    .map(([k, v]) => `  export ${k}=${shellQuote(v ?? '')}`);
  const passwordFile = join(paths.grafanaDir, 'admin-password');
  return [
    'if [ -n "$GRAFANA_ON" ]; then',
    '  # The admin password: GF_SECURITY_ADMIN_PASSWORD from the environment sbatch ran in, else',
    '  # the one aifb generated into the state directory (mode 0600). Never in this file.',
    '  if [ -z "${GF_SECURITY_ADMIN_PASSWORD:-}" ]; then',
    `    GF_SECURITY_ADMIN_PASSWORD=$(cat -- ${shellQuote(passwordFile)}) || exit 1`,
    '  fi',
    '  export GF_SECURITY_ADMIN_PASSWORD',
    ...exports,
    '  export GF_SERVER_HTTP_PORT="$GRAFANA_PORT"',
    ...startLines('grafana', i, '  '),
    '  GRAFANA_JSON=$GRAFANA_PORT',
    'fi',
  ];
}

/**
 * The batch script of the monitoring stack: on its compute node it picks free ports
 * (the usual ones when free), writes the configs for them, starts the Pushgateway,
 * Prometheus and (when there) Grafana each in the foreground of a job step, checks each
 * answers its readiness path, then writes the endpoints file aifb waits for. It ends
 * when any server ends, so a dead stack does not keep its allocation.
 */
export function monitorJobScript(i: MonitorScriptInput): string {
  const files = slurmStackFiles(i.stateDir);
  const setup = [...i.aifb, 'monitor', 'job-setup', '--state-dir', i.stateDir, '--prometheus-port', String(i.ports.prometheus), '--pushgateway-port', String(i.ports.pushgateway), '--grafana-port', String(i.ports.grafana)];
  if (i.scrapeInterval) setup.push('--scrape-interval', i.scrapeInterval);
  const json = '{"host":"%s","port":%s,"job_id":"%s","ports":{"prometheus":%s,"pushgateway":%s,"grafana":%s}}\\n';
  return [
    '#!/bin/bash',
    `# The aifb monitoring stack (Pushgateway, Prometheus, Grafana) as a Slurm job, written by aifb monitor up --slurm.`,
    '# Every value is a quoted literal. Secrets are not in this file: the Grafana password comes',
    '# from the environment sbatch was run in or from a 0600 file in the state directory.',
    ...sbatchDirectives(i.slurm, { jobName: MONITOR_JOB_NAME, output: outputPattern(i.stateDir, MONITOR_JOB_NAME) }),
    '',
    'set -uo pipefail',
    `cd -- ${shellQuote(i.stateDir)} || exit 1`,
    'NODE=$(hostname -s)',
    'echo "aifb: monitoring stack on $NODE (Slurm job $SLURM_JOB_ID)"',
    'not_ready() {',
    '  echo "aifb: $1 did not become ready on $NODE; ending the job" >&2',
    '  exit 1',
    '}',
    ...binaryLines(i),
    '# Ports: the usual ones when free on this node, else free ones; configs written for them.',
    `PORTS=$(${shellJoin(setup)}) || exit 1`,
    'read -r PROMETHEUS_PORT PUSHGATEWAY_PORT GRAFANA_PORT <<<"$PORTS"',
    ...startLines('pushgateway', i),
    ...startLines('prometheus', i),
    'GRAFANA_JSON=null',
    ...grafanaLines(i),
    `ENDPOINT_FILE=${shellQuote(files.endpoints)}`,
    `printf '${json}' "$NODE" "$PUSHGATEWAY_PORT" "$SLURM_JOB_ID" "$PROMETHEUS_PORT" "$PUSHGATEWAY_PORT" "$GRAFANA_JSON" >"$ENDPOINT_FILE.tmp"`,
    'mv -f "$ENDPOINT_FILE.tmp" "$ENDPOINT_FILE"',
    'echo "aifb: monitoring stack ready on $NODE: prometheus $PROMETHEUS_PORT, pushgateway $PUSHGATEWAY_PORT${GRAFANA_ON:+, grafana $GRAFANA_PORT}"',
    '# Any server ending ends the job (and with it the others).',
    'wait -n',
    `echo ${shellQuote(`aifb: a server of the monitoring stack ended; ending the job (logs in ${i.stateDir})`)} >&2`,
    'exit 1',
    '',
  ].join('\n');
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { markStateDirSync, removeOwnedSync } from '../../util/owned.js';
import { join } from 'node:path';
import { RunError, UsageError } from '../../errors.js';
import { imageFor } from '../../launch/apptainer.js';
import { imageCacheDir } from '../../launch/index.js';
import { onExitKill } from '../../launch/local.js';
import { waitReady } from '../../launch/readiness.js';
import { describeJob, isTerminal, jobInfo, sbatch, scancelSync, type JobInfo } from '../../launch/slurm/commands.js';
import { cancelAndWait, waitForEndpoint } from '../../launch/slurm/job.js';
import { createLogger } from '../../util/log.js';
import { logFileOf, READY_PATH, type StackComponent } from './components.js';
import { grafanaPassword } from './grafana.js';
import { answers } from './processes.js';
import { monitorJobScript, slurmStackFiles } from './slurm-script.js';
import type { ComponentStatus, MonitorBackend, MonitorOptions } from './types.js';

const NAMES: readonly StackComponent[] = ['pushgateway', 'prometheus', 'grafana'];

/** What `up` records about the job it submitted. */
interface JobRecord {
  job: string;
  script: string;
  output: string;
  submittedAt: string;
  apptainer: boolean;
}

/** What the job writes once its servers answer. */
interface JobEndpoints {
  host: string;
  job_id: string;
  ports: { prometheus: number; pushgateway: number; grafana: number | null };
}

/** True when a Slurm stack is recorded in the state directory (status and down then use this backend). */
export function hasSlurmJob(stateDir: string): boolean {
  return existsSync(slurmStackFiles(stateDir).record);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The endpoints file, if the recorded job (not an earlier one) wrote it. */
function endpointsOf(stateDir: string, job: string): JobEndpoints | undefined {
  const e = readJson<JobEndpoints>(slurmStackFiles(stateDir).endpoints);
  return e && e.job_id === job && typeof e.host === 'string' ? e : undefined;
}

const urlOf = (host: string, port: number) => `http://${host}:${port}`;

function forget(stateDir: string): void {
  const f = slurmStackFiles(stateDir);
  removeOwnedSync(f.record, { inMarkedDir: true });
  removeOwnedSync(f.endpoints, { inMarkedDir: true });
}

const isLive = (j: JobInfo) => !isTerminal(j.state) && j.state !== 'UNKNOWN';

/**
 * Waits until every server the job started answers from here (the login node), not only
 * from inside the job: what the user's tunnel and `aifb run --pushgateway` will need.
 */
async function checkFromHere(o: MonitorOptions, e: JobEndpoints, job: string): Promise<void> {
  for (const name of NAMES) {
    const port = e.ports[name];
    if (port === null || port === undefined) continue;
    const url = `${urlOf(e.host, port)}${READY_PATH[name]}`;
    await waitReady({ kind: 'http', url }, { timeoutMs: Math.min(o.readyTimeoutMs, 30_000), signal: o.signal, what: `${name} of Slurm job ${job} (ready inside the job) from this node` });
  }
}

async function submit(o: MonitorOptions): Promise<void> {
  const s = o.slurm!;
  const files = slurmStackFiles(o.stateDir);
  if (s.grafana) grafanaPassword(join(o.stateDir, 'grafana'), o.env);
  const cache = imageCacheDir(o.env);
  const images = s.images && {
    pushgateway: imageFor(s.images.pushgateway, cache),
    prometheus: imageFor(s.images.prometheus, cache),
    grafana: imageFor(s.images.grafana, cache),
  };
  const script = monitorJobScript({
    stateDir: o.stateDir,
    slurm: s.fields,
    aifb: s.aifb,
    ports: o.ports,
    scrapeInterval: o.scrapeInterval,
    readyTimeoutS: Math.ceil(o.readyTimeoutMs / 1000),
    grafana: s.grafana,
    images,
  });
  writeFileSync(files.script, script, { mode: 0o700 });
  // The job rewrites these; left from an earlier job they would explain a failure wrongly.
  for (const f of [files.endpoints, ...NAMES.map((n) => logFileOf(o.stateDir, n))]) removeOwnedSync(f, { inMarkedDir: true });
  const job = await sbatch(files.script, [], [], o.env);
  const rec: JobRecord = { job, script: files.script, output: files.output(job), submittedAt: new Date().toISOString(), apptainer: images !== undefined };
  writeFileSync(files.record, JSON.stringify(rec, null, 2) + '\n');
  o.say(`submitted Slurm job ${job} (script ${files.script}; output ${rec.output})`);
  // Until the stack is ready, this process owns the job: leaving (Ctrl-C twice, a crash) cancels it.
  const unregister = onExitKill(() => scancelSync([job]));
  try {
    const log = createLogger('info', (l) => o.say(l.replace(/^\[info\] /, '')));
    await waitForEndpoint(job, files.endpoints, {
      queueTimeoutMs: s.queueTimeoutMs,
      // The job checks its servers one after another, each with the ready timeout.
      readyTimeoutMs: 3 * o.readyTimeoutMs,
      signal: o.signal,
      log,
      // The job's output holds the failing server's log tail (the in-job check prints it).
      logFiles: [rec.output],
      what: 'the monitoring stack',
    });
    const e = endpointsOf(o.stateDir, job);
    if (!e) throw new RunError(`the endpoints file ${files.endpoints} does not name job ${job}`);
    await checkFromHere(o, e, job);
  } catch (err) {
    // Half a stack is worse than none: the job goes, and with it the record.
    if (isLive(await jobInfo(job))) {
      await cancelAndWait([job]);
      o.say(`Slurm job ${job} cancelled`);
    }
    forget(o.stateDir);
    throw err;
  } finally {
    unregister();
  }
}

/**
 * Prometheus, the Pushgateway and Grafana (when on the node, or with Apptainer) as one
 * Slurm batch job on a compute node. The state directory must be on storage the compute
 * node shares: the job writes its configs, data, logs and the endpoints file there.
 */
export const slurmMonitor: MonitorBackend = {
  async up(o) {
    if (!o.slurm) throw new UsageError('monitor up: the Slurm backend needs its settings (--slurm)');
    markStateDirSync(o.stateDir);
    const pidFiles = NAMES.filter((n) => existsSync(join(o.stateDir, `${n}.pid`)));
    if (pidFiles.length > 0) {
      throw new UsageError(`${o.stateDir} holds a local stack (${pidFiles.join(', ')}); run aifb monitor down first or choose another --state-dir`);
    }
    const rec = readJson<JobRecord>(slurmStackFiles(o.stateDir).record);
    if (rec) {
      const info = await jobInfo(rec.job);
      if (isLive(info)) {
        o.say(`Slurm job ${rec.job} of this state directory is already ${describeJob(info)}`);
        return this.status(o);
      }
      o.say(`the recorded Slurm job ${rec.job} has ended (${describeJob(info)}); submitting a new one`);
      forget(o.stateDir);
    }
    await submit(o);
    return this.status(o);
  },

  async down(o) {
    const rec = readJson<JobRecord>(slurmStackFiles(o.stateDir).record);
    if (!rec) {
      o.say(`no Slurm monitoring job recorded in ${o.stateDir}`);
      return [];
    }
    const before = await jobInfo(rec.job);
    if (isLive(before)) {
      await cancelAndWait([rec.job]);
      const after = await jobInfo(rec.job);
      if (isLive(after)) throw new RunError(`Slurm job ${rec.job} is still ${describeJob(after)} after scancel; its record stays in ${o.stateDir}`);
      o.say(`Slurm job ${rec.job} cancelled (was ${describeJob(before)}; now ${describeJob(after)})`);
    } else {
      o.say(`Slurm job ${rec.job} was not running (${describeJob(before)})`);
    }
    forget(o.stateDir);
    return NAMES.map((name) => ({ name, state: 'stopped' as const, job: rec.job }));
  },

  async status(o) {
    const rec = readJson<JobRecord>(slurmStackFiles(o.stateDir).record);
    if (!rec) return NAMES.map((name) => ({ name, state: 'stopped' as const }));
    const info = await jobInfo(rec.job);
    const job = `Slurm job ${rec.job} ${describeJob(info)}`;
    const e = endpointsOf(o.stateDir, rec.job);
    const out: ComponentStatus[] = [];
    for (const name of NAMES) {
      const log = `log ${logFileOf(o.stateDir, name)}`;
      if (!isLive(info)) {
        out.push({ name, state: 'dead', job: rec.job, notes: [job, `output ${rec.output}`] });
        continue;
      }
      const port = e?.ports[name];
      if (!e || port === undefined) {
        out.push({ name, state: 'not ready', job: rec.job, notes: [job] });
        continue;
      }
      if (port === null) {
        out.push({ name, state: 'not installed', job: rec.job, notes: [`not on the PATH of ${e.host}; see ${rec.output}`] });
        continue;
      }
      const url = urlOf(e.host, port);
      const ready = await answers(`${url}${READY_PATH[name]}`);
      const notes = [job, log];
      if (name === 'grafana') {
        const file = join(o.stateDir, 'grafana', 'admin-password');
        notes.push(`login admin, password ${existsSync(file) ? `in ${file}` : 'from GF_SECURITY_ADMIN_PASSWORD'}`);
      }
      out.push({ name, state: ready ? 'running' : 'not ready', url, port, job: rec.job, notes });
    }
    return out;
  },
};


import { mkdirSync } from 'node:fs';
import { markStateDirSync } from '../../util/owned.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunError } from '../../errors.js';
import { monitoringDir, writeGrafanaProvisioning, writePrometheusConfig } from './config.js';
import { BINARIES, logFileOf, prometheusArgs, pushgatewayArgs, READY_PATH } from './components.js';
import { grafanaEnv, grafanaHomeArgs, grafanaPassword } from './grafana.js';
import {
  answers,
  assertPortFree,
  findBinary,
  isOurs,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopPid,
  waitReady,
  writePidFile,
  type PidRecord,
} from './processes.js';
import type { ComponentStatus, MonitorBackend, MonitorOptions } from './types.js';

type Name = ComponentStatus['name'];

interface Launch {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readyPath: string;
  notes: string[];
}

interface Component {
  name: Name;
  binaries: readonly string[];
  /** Grafana is optional: it is not packaged for every system. */
  optional: boolean;
  port(o: MonitorOptions): number;
  prepare(o: MonitorOptions, bin: string): Launch;
}

/** A URL others can use: this host's name when listening on every interface. */
export function publicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : host;
  return `http://${shown}:${port}`;
}

const probeHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

const COMPONENTS: readonly Component[] = [
  {
    name: 'pushgateway',
    binaries: BINARIES.pushgateway,
    optional: false,
    port: (o) => o.ports.pushgateway,
    prepare(o, bin) {
      mkdirSync(join(o.stateDir, 'pushgateway'), { recursive: true });
      const args = pushgatewayArgs(o.stateDir, `${o.host}:${o.ports.pushgateway}`);
      return { bin, args, env: {}, readyPath: READY_PATH.pushgateway, notes: [] };
    },
  },
  {
    name: 'prometheus',
    binaries: BINARIES.prometheus,
    optional: false,
    port: (o) => o.ports.prometheus,
    prepare(o, bin) {
      const dir = join(o.stateDir, 'prometheus');
      const config = writePrometheusConfig(dir, {
        targets: { pushgateway: [`${probeHost(o.host)}:${o.ports.pushgateway}`], prometheus: [`${probeHost(o.host)}:${o.ports.prometheus}`] },
        scrapeInterval: o.scrapeInterval,
      });
      const args = prometheusArgs(o.stateDir, config, `${o.host}:${o.ports.prometheus}`);
      return { bin, args, env: {}, readyPath: READY_PATH.prometheus, notes: [`config ${config} (targets: ${join(dir, 'targets')})`] };
    },
  },
  {
    name: 'grafana',
    binaries: BINARIES.grafana,
    optional: true,
    port: (o) => o.ports.grafana,
    prepare(o, bin) {
      const dir = join(o.stateDir, 'grafana');
      const { password, file } = grafanaPassword(dir, o.env);
      const provisioning = writeGrafanaProvisioning(dir, `http://${probeHost(o.host)}:${o.ports.prometheus}`, o.scrapeInterval);
      const home = join(monitoringDir, 'grafana', 'dashboards', 'ai-factory-benchmark.json');
      const env = grafanaEnv(dir, provisioning, o.host, o.ports.grafana, password, home);
      const notes = [`login admin, password ${file ? `in ${file}` : 'from GF_SECURITY_ADMIN_PASSWORD'}`];
      return { bin, args: grafanaHomeArgs(), env, readyPath: READY_PATH.grafana, notes };
    },
  },
];

const pidFile = (o: MonitorOptions, name: Name) => join(o.stateDir, `${name}.pid`);

function running(o: MonitorOptions, c: Component): PidRecord | undefined {
  const rec = readPidFile(pidFile(o, c.name));
  return rec && isOurs(rec) ? rec : undefined;
}

async function start(o: MonitorOptions, c: Component, bin: string): Promise<PidRecord> {
  const port = c.port(o);
  await assertPortFree(port, o.host, c.name);
  const launch = c.prepare(o, bin);
  const logFile = logFileOf(o.stateDir, c.name);
  const pid = spawnDetached(launch.bin, launch.args, logFile, { ...o.env, ...launch.env }, o.stateDir);
  const rec: PidRecord = {
    name: c.name,
    pid,
    bin: launch.bin,
    port,
    url: publicUrl(o.host, port),
    readyUrl: `http://${probeHost(o.host)}:${port}${launch.readyPath}`,
    logFile,
    startedAt: new Date().toISOString(),
  };
  writePidFile(pidFile(o, c.name), rec);
  try {
    await waitReady(rec, o.readyTimeoutMs);
  } catch (err) {
    await stopPid(pid, 5000);
    removePidFile(pidFile(o, c.name));
    throw err;
  }
  o.say(`${c.name} ready at ${rec.url} (pid ${pid}; ${launch.notes.concat(`log ${logFile}`).join('; ')})`);
  return rec;
}

/** Prometheus, the Pushgateway and (when installed) Grafana as background processes here. */
export const localMonitor: MonitorBackend = {
  async up(o) {
    markStateDirSync(o.stateDir);
    const started: PidRecord[] = [];
    try {
      for (const c of COMPONENTS) {
        const existing = running(o, c);
        if (existing) {
          o.say(`${c.name} already running at ${existing.url} (pid ${existing.pid})`);
          continue;
        }
        const bin = findBinary(c.binaries, o.env);
        if (!bin) {
          if (c.optional) {
            o.say(`${c.name}: ${c.binaries.join(' / ')} not installed; skipped (the dashboards are in ${join(monitoringDir, 'grafana')})`);
            continue;
          }
          throw new RunError(`${c.name}: none of ${c.binaries.join(', ')} is on PATH (Debian: apt-get install prometheus prometheus-pushgateway)`);
        }
        started.push(await start(o, c, bin));
      }
    } catch (err) {
      // Half a stack is worse than none: stop what this call started.
      for (const rec of started.reverse()) {
        await stopPid(rec.pid);
        removePidFile(pidFile(o, rec.name as Name));
      }
      throw err;
    }
    return this.status(o);
  },

  async down(o) {
    const out: ComponentStatus[] = [];
    for (const c of [...COMPONENTS].reverse()) {
      const file = pidFile(o, c.name);
      const rec = readPidFile(file);
      if (!rec) continue;
      if (isOurs(rec)) {
        const how = await stopPid(rec.pid);
        o.say(`${c.name} ${how === 'killed' ? 'killed after not stopping on SIGTERM' : 'stopped'} (pid ${rec.pid})`);
      } else {
        o.say(`${c.name} was not running (pid ${rec.pid} gone)`);
      }
      removePidFile(file);
      out.push({ name: c.name, state: 'stopped', pid: rec.pid });
    }
    if (out.length === 0) o.say(`nothing to stop in ${o.stateDir}`);
    return out;
  },

  async status(o) {
    const out: ComponentStatus[] = [];
    for (const c of COMPONENTS) {
      const rec = readPidFile(pidFile(o, c.name));
      if (!rec) {
        const installed = findBinary(c.binaries, o.env) !== undefined;
        out.push({ name: c.name, state: installed ? 'stopped' : 'not installed' });
        continue;
      }
      if (!isOurs(rec)) {
        out.push({ name: c.name, state: 'dead', pid: rec.pid, url: rec.url, port: rec.port, notes: [`log ${rec.logFile}`] });
        continue;
      }
      const ready = await answers(rec.readyUrl);
      out.push({ name: c.name, state: ready ? 'running' : 'not ready', pid: rec.pid, url: rec.url, port: rec.port, notes: [`log ${rec.logFile}`] });
    }
    return out;
  },
};

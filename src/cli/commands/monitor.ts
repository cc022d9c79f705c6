import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { localMonitor } from '../../monitoring/stack/local.js';
import type { ComponentStatus, MonitorBackend, MonitorOptions } from '../../monitoring/stack/types.js';
import { parseCommandArgs, positiveInt } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

const USAGE = `aifb monitor up | down | status [options]

Runs the monitoring stack on this machine as background processes: the Prometheus
Pushgateway (aifb run --pushgateway pushes to it), Prometheus (scrapes it, with the alerts
of monitoring/alerts.yml) and Grafana with the aifb dashboard when grafana-server is
installed. Data, logs and pid files stay in the state directory; down stops what up started.

Options:
  --state-dir DIR          state directory [.aifb/monitor]
  --host ADDR              listen address [0.0.0.0: reachable from other nodes and the SSH tunnel]
  --prometheus-port N      [9090]
  --pushgateway-port N     [9091]
  --grafana-port N         [3000]
  --scrape-interval D      Prometheus scrape interval, e.g. 1s for short runs [5s]
  --ready-timeout S        seconds each server may take to become ready [60]
  --login-host HOST        login node for the SSH tunnel command [login.lxp.lu]
  --login-port N           its SSH port [8822]
  --ssh-user USER          user for the SSH tunnel command [$USER]

Grafana's admin password is GF_SECURITY_ADMIN_PASSWORD, or generated once into
<state-dir>/grafana/admin-password (never admin/admin).`;

/** The seed's §5.5 tunnel, with this node's real name and the ports in use. */
export function tunnelCommand(node: string, ports: number[], user: string, loginHost: string, loginPort: number): string {
  const forwards = ports.map((p) => `-L ${p}:${node}:${p}`).join(' ');
  return `ssh ${forwards} ${user}@${loginHost} -p ${loginPort}`;
}

function describe(s: ComponentStatus): string {
  const parts = [s.name.padEnd(12), s.state.padEnd(13), s.url ?? '', s.pid ? `(pid ${s.pid})` : ''];
  return parts.join(' ').trimEnd() + (s.notes?.length ? `\n${' '.repeat(14)}${s.notes.join('; ')}` : '');
}

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'start, stop or show the local Prometheus / Pushgateway / Grafana stack',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        'state-dir': { type: 'string' },
        host: { type: 'string' },
        'prometheus-port': { type: 'string' },
        'pushgateway-port': { type: 'string' },
        'grafana-port': { type: 'string' },
        'scrape-interval': { type: 'string' },
        'ready-timeout': { type: 'string' },
        'login-host': { type: 'string' },
        'login-port': { type: 'string' },
        'ssh-user': { type: 'string' },
      },
      'monitor',
    );
    const action = positionals[0];
    if (action !== 'up' && action !== 'down' && action !== 'status') {
      throw new UsageError(`monitor: say up, down or status${action ? ` (got "${action}")` : ''}`);
    }
    const interval = values['scrape-interval'];
    if (interval !== undefined && !/^\d+(ms|s|m)$/.test(interval)) {
      throw new UsageError(`--scrape-interval expects a duration like 1s or 500ms, got "${interval}"`);
    }
    const out = (line: string) => io.stdout.write(line + '\n');
    const o: MonitorOptions = {
      stateDir: resolve(io.cwd, values['state-dir'] ?? io.env.AIFB_MONITOR_DIR ?? '.aifb/monitor'),
      host: values.host ?? '0.0.0.0',
      ports: {
        prometheus: positiveInt(values['prometheus-port'], 'prometheus-port') ?? 9090,
        pushgateway: positiveInt(values['pushgateway-port'], 'pushgateway-port') ?? 9091,
        grafana: positiveInt(values['grafana-port'], 'grafana-port') ?? 3000,
      },
      scrapeInterval: interval,
      readyTimeoutMs: (positiveInt(values['ready-timeout'], 'ready-timeout') ?? 60) * 1000,
      env: io.env,
      say: out,
    };
    // The Slurm backend (issue 6) plugs in here with the same interface.
    const backend: MonitorBackend = localMonitor;

    if (action === 'down') {
      await backend.down(o);
      return EXIT.ok;
    }
    const states = action === 'up' ? await backend.up(o) : await backend.status(o);
    if (action === 'status' || states.length > 0) for (const s of states) out(describe(s));
    const live = states.filter((s) => s.state === 'running');
    const pgw = live.find((s) => s.name === 'pushgateway');
    if (pgw) out(`\nPush live metrics: aifb run recipe.yaml --pushgateway ${pgw.url}`);
    if (live.length > 0) {
      // The node as up recorded it (its real name when listening on every interface).
      const node = live[0]?.url ? new URL(live[0].url).hostname : hostname();
      // Ports as recorded by up, so status and down need not repeat the flags.
      const ports = (['grafana', 'prometheus', 'pushgateway'] as const).flatMap((n) => {
        const s = live.find((x) => x.name === n);
        return s ? [s.port ?? o.ports[n]] : [];
      });
      const user = values['ssh-user'] ?? io.env.USER ?? userInfo().username;
      const login = tunnelCommand(node, ports, user, values['login-host'] ?? 'login.lxp.lu', positiveInt(values['login-port'], 'login-port') ?? 8822);
      out(`From your own machine (seed report §5.5):\n  ${login}\n  then open ${ports.map((p) => `http://localhost:${p}`).join(', ')}`);
      out(`Stop with: aifb monitor down --state-dir ${o.stateDir}`);
    }
    if (action === 'status') return states.some((s) => s.state === 'dead' || s.state === 'not ready') ? EXIT.runtime : EXIT.ok;
    return EXIT.ok;
  },
};

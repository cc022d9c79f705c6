import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { monitorCommand, tunnelCommand } from '../../src/cli/commands/monitor.js';
import { BenchmarkCells } from '../../src/monitoring/cells.js';
import { PushgatewayGroup } from '../../src/monitoring/pushgateway.js';
import { createBenchmarkRegistry } from '../../src/monitoring/registry.js';
import { grafanaPassword } from '../../src/monitoring/stack/grafana.js';
import { localMonitor } from '../../src/monitoring/stack/local.js';
import { isAlive } from '../../src/monitoring/stack/processes.js';
import { startLiveExport } from '../../src/monitoring/live-export.js';
import { createLogger } from '../../src/util/log.js';
import type { MonitorOptions } from '../../src/monitoring/stack/types.js';
import { eventually, freePort, getJson, pushgatewayGroups, startStack, tempDir } from './helpers.js';

function cli(cwd: string) {
  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: { PATH: process.env.PATH, USER: 'alice' }, cwd };
  return { io: io as never, text: () => out.join('') };
}

test('monitor: status shows the running stack, its URLs and the SSH tunnel; Prometheus loaded the alerts', async (t) => {
  const dir = tempDir(t);
  const stack = await startStack(t, dir);
  const { ports, stateDir } = stack.options;
  const c = cli(dir);
  assert.equal(await monitorCommand.run(['status', '--state-dir', stateDir], c.io), 0, c.text());
  assert.match(c.text(), new RegExp(`prometheus\\s+running\\s+http://127\\.0\\.0\\.1:${ports.prometheus}`));
  assert.match(c.text(), /grafana\s+not installed/);
  assert.ok(c.text().includes(`ssh -L ${ports.prometheus}:127.0.0.1:${ports.prometheus} -L ${ports.pushgateway}:127.0.0.1:${ports.pushgateway} alice@login.lxp.lu -p 8822`), c.text());

  // Loaded, and evaluated without error once the first evaluation has run.
  const expected = ['AifbBenchmarkErrorRateHigh:ok', 'AifbBenchmarkLatencySloBreached:ok', 'AifbBenchmarkStoppedReporting:ok'];
  let loaded: string[] = [];
  await eventually('the alert rules evaluated', async () => {
    const rules = await getJson<{ data: { groups: { rules: { name: string; health: string }[] }[] } }>(`${stack.prometheus}/api/v1/rules`);
    loaded = rules.data.groups.flatMap((g) => g.rules.map((r) => `${r.name}:${r.health}`)).sort();
    return !loaded.some((r) => r.endsWith(':unknown'));
  });
  assert.deepEqual(loaded, expected);

  // A benchmark id with a slash reaches the Pushgateway intact (base64 path segment).
  const group = new PushgatewayGroup(stack.pushgateway, 'team/a run');
  await group.push(createBenchmarkRegistry(new BenchmarkCells('team/a run'), () => 0));
  assert.ok((await pushgatewayGroups(stack.pushgateway)).some((g) => g.labels.benchmark_id === 'team/a run' && g.labels.job === 'aifb'));
  await group.delete();
  assert.ok(!(await pushgatewayGroups(stack.pushgateway)).some((g) => g.labels.benchmark_id === 'team/a run'));

  // --keep-pushgateway-group: the final push stays, saying the run has finished.
  const kept = await startLiveExport({ benchmarkId: 'kept-run', pushgatewayUrl: stack.pushgateway, keepGroup: true, finalScrapeWaitMs: 0, log: createLogger('error') });
  await kept.finish();
  const keptGroup = (await pushgatewayGroups(stack.pushgateway)).find((g) => g.labels.benchmark_id === 'kept-run');
  assert.ok(keptGroup, 'the kept group is still there');
  assert.match(JSON.stringify(keptGroup.metrics.benchmark_running), /"value":"0"/);
  await new PushgatewayGroup(stack.pushgateway, 'kept-run').delete();

  const pids = readdirSync(stateDir).filter((f) => f.endsWith('.pid'));
  assert.deepEqual(pids.sort(), ['prometheus.pid', 'pushgateway.pid']);
  const down = cli(dir);
  assert.equal(await monitorCommand.run(['down', '--state-dir', stateDir], down.io), 0);
  assert.match(down.text(), /prometheus stopped[\s\S]*pushgateway stopped/);
  for (const s of stack.states) if (s.pid) assert.equal(isAlive(s.pid), false, `${s.name} still running`);
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.pid')), []);
});

test('monitor up: a taken port stops what was started, and a server that dies shows its log', async (t) => {
  const dir = tempDir(t);
  const blocker = createServer();
  const taken = await freePort();
  await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r));
  t.after(() => blocker.close());
  const lines: string[] = [];
  const base = (sub: string, prometheus: number, scrapeInterval?: string): MonitorOptions => ({
    stateDir: join(dir, sub),
    host: '127.0.0.1',
    ports: { prometheus, pushgateway: 0, grafana: 0 },
    scrapeInterval,
    readyTimeoutMs: 20_000,
    env: { PATH: process.env.PATH },
    say: (l) => lines.push(l),
  });
  const o1 = base('taken', taken);
  o1.ports.pushgateway = await freePort();
  t.after(() => localMonitor.down(o1).then(() => undefined));
  await assert.rejects(localMonitor.up(o1), new RegExp(`prometheus: port ${taken} on 127.0.0.1 is not free`));
  const pgwPid = Number(/pushgateway ready .*\(pid (\d+)/.exec(lines.join('\n'))?.[1]);
  assert.ok(pgwPid > 0, lines.join('\n'));
  assert.equal(isAlive(pgwPid), false, 'the Pushgateway started by the failed up is stopped');
  assert.equal(existsSync(join(o1.stateDir, 'pushgateway.pid')), false);

  // Prometheus rejects the config and exits: the error carries its own words.
  const o2 = base('bad', await freePort(), '5 parsecs');
  o2.ports.pushgateway = await freePort();
  t.after(() => localMonitor.down(o2).then(() => undefined));
  await assert.rejects(localMonitor.up(o2), (err: Error) => {
    assert.match(err.message, /prometheus exited during start-up; last lines of .*prometheus\.log:\n/);
    assert.match(err.message, /parsecs/);
    return true;
  });
  assert.deepEqual(readdirSync(o2.stateDir).filter((f) => f.endsWith('.pid')), []);
});

test('grafana admin password: generated once (0600) and reused, or from the environment, never admin', (t) => {
  const dir = tempDir(t);
  const first = grafanaPassword(dir, {});
  assert.ok(first.password.length >= 20 && first.password !== 'admin');
  assert.equal(statSync(first.file!).mode & 0o777, 0o600);
  assert.equal(grafanaPassword(dir, {}).password, first.password);
  assert.deepEqual(grafanaPassword(dir, { GF_SECURITY_ADMIN_PASSWORD: 's3cret-pass' }), { password: 's3cret-pass', file: undefined });
  assert.throws(() => grafanaPassword(dir, { GF_SECURITY_ADMIN_PASSWORD: 'admin' }), /choose another password/);
});

test('the SSH tunnel command is the seed report §5.5 with the real node name', async (t) => {
  assert.equal(
    tunnelCommand('mel2345', [3000, 9090, 9091], 'u100', 'login.lxp.lu', 8822),
    'ssh -L 3000:mel2345:3000 -L 9090:mel2345:9090 -L 9091:mel2345:9091 u100@login.lxp.lu -p 8822',
  );
  const c = cli(tempDir(t));
  assert.equal(await monitorCommand.run(['status', '--state-dir', 'nothing-here'], c.io), 0);
  assert.match(c.text(), /pushgateway\s+stopped/);
  await assert.rejects(monitorCommand.run(['sideways'], c.io), /say up, down or status/);
  assert.ok(hostname().length > 0);
});

/**
 * The nginx every HTTP bench drives: one worker, no access log, keep-alive without a
 * request limit, a fixed 17-byte answer; started in a temporary prefix, optionally
 * pinned to a core, and found again by its config path to count its CPU time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, run, spawnPinned, tempDir } from '../lib.js';

export interface Nginx {
  url: string;
  /** CPU seconds nginx's processes have used so far (utime + stime from /proc). */
  cpuSeconds(): number;
  stop(): void;
}

/** True when an nginx binary is on PATH (Debian nginx-light, in scripts/setup.sh). */
export function haveNginx(): boolean {
  return run('sh', ['-c', 'command -v nginx']).code === 0;
}

/** Starts nginx (pinned to `cpu` when given) and resolves once it accepts a request. */
export async function startNginx(cpu: string | undefined): Promise<Nginx> {
  const port = await freePort();
  const dir = tempDir('aifb-nginx-');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; location / { return 200 "hello from nginx\\n"; } }
}
`);
  const child = spawnPinned('nginx', ['-c', conf, '-p', dir], cpu);
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const pids = () => {
    // The workers rename themselves ("nginx: worker process"): find them as the master's children.
    const masters = run('pgrep', ['-f', conf]).stdout.trim().split('\n').filter(Boolean);
    return [...masters, ...masters.flatMap((m) => run('pgrep', ['-P', m]).stdout.trim().split('\n').filter(Boolean))];
  };
  return {
    url,
    cpuSeconds: () =>
      pids().reduce((sum, pid) => {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          return sum + (Number(fields[11]) + Number(fields[12])) / 100;
        } catch {
          return sum;
        }
      }, 0),
    stop: () => {
      // Only the processes of this config: the master, then the workers it had.
      const all = pids();
      child.kill();
      for (const pid of all) spawnSync('kill', [pid]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

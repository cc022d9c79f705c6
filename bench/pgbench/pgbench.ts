import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Conn {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface Figures {
  tps: number;
  latencyMs: number;
  transactions: number;
}

const envOf = (c: Conn) => ({ ...process.env, PGPASSWORD: c.password });
const connArgs = (c: Conn) => ['-h', c.host, '-p', String(c.port), '-U', c.user];

/** Creates pgbench's tables (pgbench_*) at the given scale in the bench's own database. */
export async function pgbenchInit(bin: string, c: Conn, scale: number): Promise<void> {
  await run(join(bin, 'pgbench'), ['-i', '-q', '-s', String(scale), ...connArgs(c), c.database], { env: envOf(c) });
}

/**
 * One pgbench run with a builtin script (`select-only`, `tpcb-like`), prepared
 * statements (as aifb uses), `threads` client threads.
 */
export async function pgbenchRun(bin: string, c: Conn, script: string, clients: number, threads: number, seconds: number): Promise<Figures & { output: string }> {
  const args = ['-b', script, '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(seconds), ...connArgs(c), c.database];
  const { stdout } = await run(join(bin, 'pgbench'), args, { env: envOf(c), maxBuffer: 16 * 1024 * 1024 });
  const num = (re: RegExp) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`pgbench output lacks ${re}:\n${stdout}`);
    return Number(m[1]);
  };
  return {
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyMs: num(/latency average = ([\d.]+) ms/),
    transactions: num(/number of transactions actually processed: (\d+)/),
    output: stdout,
  };
}

/** pgbench's version line. */
export async function pgbenchVersion(bin: string): Promise<string> {
  return (await run(join(bin, 'pgbench'), ['--version'])).stdout.trim();
}

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;

/**
 * Where the kernel's ephemeral ports start. Ports are drawn below it: a port the OS hands
 * out for `listen(0)` can be taken by any outgoing connection's source port before the
 * server under test binds it (a Slurm job's http.server failed so, EADDRINUSE, in CI).
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** True when nothing listens on 127.0.0.1:port (and we could bind it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port with `span` free loopback ports from it, below the ephemeral range (Weaviate takes six in a row). */
export async function freePorts(span: number): Promise<number> {
  const high = ephemeralLow() - span;
  for (let i = 0; i < 200; i++) {
    const base = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    let ok = true;
    for (let p = base; p < base + span && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${span} free ports in a row on 127.0.0.1`);
}

/** A loopback TCP port nothing listened on a moment ago, outside the range outgoing connections take theirs from. */
export function freePort(): Promise<number> {
  return freePorts(1);
}

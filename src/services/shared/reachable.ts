import { connect } from 'node:net';
import { AifbError } from '../../errors.js';

/** How long one reachability check waits for a TCP connection before calling the endpoint unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

const WHY: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS did not answer)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'no answer in time',
};

/**
 * Checks that a TCP connection to the URL's host and port can be opened, without sending
 * anything: the benchmark's own request may have side effects (a POST), and a server that
 * accepts a connection is one the load can measure. Throws a bad-input error otherwise, so
 * the run records the service as failed and exits 2 instead of measuring 100 % refusals.
 */
export async function checkReachable(url: URL, what: string, signal: AbortSignal): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const code = await new Promise<string | null>((resolve) => {
    const socket = connect({ host, port });
    const done = (c: string | null) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(c);
    };
    const onAbort = () => done('ETIMEDOUT');
    const timer = setTimeout(onAbort, CONNECT_TIMEOUT_MS);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
  if (code === null) return;
  const why = WHY[code] ? `${WHY[code]}, ${code}` : code;
  throw new AifbError('bad-input', `${what}: ${url.origin} is not reachable (${why})`);
}

/** Headers servers use to name a request (vLLM and proxies: x-request-id; aifb's simulator its own). */
const ID_HEADERS = ['x-request-id', 'x-sim-request-id'];

/** The server's id for a request, from the response headers, if it gave one. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const h of ID_HEADERS) {
    const v = headers[h];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

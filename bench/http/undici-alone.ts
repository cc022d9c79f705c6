/**
 * The ceiling of undici itself on this machine: `connections` loops sending GET with
 * Pool.dispatch and a handler that only counts bytes, measuring nothing. aifb's http
 * backend uses the same call; the gap between the two is what aifb's measuring costs.
 *   node --import tsx bench/http/undici-alone.ts URL CONNECTIONS SECONDS
 */
import { Pool } from 'undici';

const [url, connections = '50', seconds = '5'] = process.argv.slice(2);
const origin = new URL(url!);
const pool = new Pool(origin.origin, { connections: Number(connections), pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
const path = origin.pathname + origin.search;
const end = performance.now() + Number(seconds) * 1000;
let done = 0;

function once(): Promise<void> {
  return new Promise((resolve, reject) => {
    pool.dispatch({ path, method: 'GET' }, {
      onRequestStart: () => {},
      onResponseStart: () => {},
      onResponseData: () => {},
      onResponseEnd: () => resolve(),
      onResponseError: (_c, err) => reject(err),
    });
  });
}

async function loop(): Promise<void> {
  while (performance.now() < end) {
    await once();
    done++;
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: Number(connections) }, loop));
console.log(JSON.stringify({ rps: done / ((performance.now() - start) / 1000) }));
await pool.close();

/**
 * The k6 side of bench/s3: a k6 script that PUTs or GETs objects on an S3 endpoint, each
 * request signed with AWS Signature V4 in the script itself. k6's own S3 client (the
 * k6-jslib-aws module) is served from a CDN this machine cannot reach; it too signs in
 * JavaScript over k6/crypto, so this does the same work per request: hash the payload,
 * build the canonical request, HMAC it with a signing key cached per day.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib.js';

export interface S3Target { endpoint: string; bucket: string; accessKey: string; region: string }
/** `cpu_us_per_object`: the client's CPU time per request (k6: the whole process over all its requests, setup's and warm-up's included). */
export interface K6S3Figures { objects_per_s: number; mib_per_s: number; ttfb_p50_ms: number | null; p50_ms: number; p99_ms: number; failed: number; requests: number; cpu_us_per_object: number }

/** The script's text: `op` at `bytes` per object, `seed` objects made in setup() for GETs. */
function scriptText(t: S3Target, op: 'put' | 'get', bytes: number, seed: number, warmup: number, seconds: number, vus: number, summary: string): string {
  const kinds: Record<string, string> = { http_req_duration: 'max', http_req_waiting: 'max', http_reqs: 'count', http_req_failed: 'rate' };
  const measured = ([m, stat]: [string, string]) => `'${m}{scenario:measure}': ['${stat}>=0']`;
  return `import http from 'k6/http';
import crypto from 'k6/crypto';
import { fail } from 'k6';

const T = ${JSON.stringify(t)};
const SECRET = __ENV.S3_SECRET;
const HOST = T.endpoint.replace(/^https?:\\/\\//, '');
const BYTES = ${bytes};
export const options = {
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  discardResponseBodies: true,
  scenarios: {
    warm: { executor: 'constant-vus', vus: ${vus}, duration: '${warmup}s' },
    measure: { executor: 'constant-vus', vus: ${vus}, duration: '${seconds}s', startTime: '${warmup}s' },
  },
  // Thresholds that always pass: they make k6 keep the measured scenario's own figures.
  thresholds: { ${Object.entries(kinds).map(measured).join(', ')} },
};

let keyDay = '';
let signingKey = null;
function hmac(key, data) { return crypto.hmac('sha256', key, data, 'binary'); }
/** Headers of one request signed with AWS Signature V4 (header form, payload hashed). */
function signed(method, path, body) {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\\.\\d{3}/, '');
  const day = now.slice(0, 8);
  if (day !== keyDay) {
    signingKey = hmac(hmac(hmac(hmac('AWS4' + SECRET, day), T.region), 's3'), 'aws4_request');
    keyDay = day;
  }
  const payload = crypto.sha256(body === null ? '' : body, 'hex');
  const names = 'host;x-amz-content-sha256;x-amz-date';
  const canonical = [method, path, '', 'host:' + HOST, 'x-amz-content-sha256:' + payload, 'x-amz-date:' + now, '', names, payload].join('\\n');
  const scope = day + '/' + T.region + '/s3/aws4_request';
  const toSign = ['AWS4-HMAC-SHA256', now, scope, crypto.sha256(canonical, 'hex')].join('\\n');
  const signature = crypto.hmac('sha256', signingKey, toSign, 'hex');
  return {
    'x-amz-content-sha256': payload,
    'x-amz-date': now,
    authorization: 'AWS4-HMAC-SHA256 Credential=' + T.accessKey + '/' + scope + ', SignedHeaders=' + names + ', Signature=' + signature,
  };
}

const body = new Uint8Array(BYTES).map((_, i) => (i * 31 + 7) & 255).buffer;
const prefix = '/' + T.bucket + '/k6-' + Date.now().toString(36) + '/';
function put(key) {
  return http.put(T.endpoint + prefix + key, body, { headers: signed('PUT', prefix + key, body) });
}

export function setup() {
  // The bucket is the bench's own (200 when made, 409 when an earlier run made it).
  const made = http.put(T.endpoint + '/' + T.bucket, null, { headers: signed('PUT', '/' + T.bucket, null) }).status;
  if (made !== 200 && made !== 409) fail('creating bucket ' + T.bucket + ' answered ' + made);
  for (let i = 0; i < ${seed}; i++) if (put('seed-' + i).status !== 200) fail('seeding object ' + i + ' failed');
  return { prefix };
}

export default function (data) {
  ${op === 'put'
    ? `put(__VU + '-' + __ITER);`
    : `const path = data.prefix + 'seed-' + Math.floor(Math.random() * ${seed});
  http.get(T.endpoint + path, { headers: signed('GET', path, null) });`}
}

export function handleSummary(data) { return { ${JSON.stringify(summary)}: JSON.stringify(data) }; }
`;
}

/** Runs k6 once against `t`; the objects it made stay under a k6-<time>/ prefix for the caller to remove with the bucket. */
export function runK6S3(k6: string, dir: string, t: S3Target, secret: string, op: 'put' | 'get', bytes: number, o: { vus: number; seconds: number; warmup: number; seed: number }): K6S3Figures {
  const script = join(dir, `s3-${op}-${bytes}.js`);
  const summary = join(dir, `s3-${op}-${bytes}.json`);
  writeFileSync(script, scriptText(t, op, bytes, op === 'get' ? o.seed : 0, o.warmup, o.seconds, o.vus, summary));
  const r = run(k6, ['run', '--quiet', '--no-color', script], { env: { K6_NO_USAGE_REPORT: 'true', S3_SECRET: secret }, cpuTime: true });
  if (r.code !== 0) throw new Error(`k6 failed (${r.code}): ${r.stderr.slice(-1500)}`);
  const m = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }).metrics;
  const v = (name: string) => m[`${name}{scenario:measure}`]!.values;
  const requests = v('http_reqs').count!;
  const failed = v('http_req_failed').passes ?? 0;
  // Payload bytes of the successful requests, as aifb counts them (data_received would add headers).
  const bytesMoved = (requests - failed) * bytes;
  return {
    objects_per_s: requests / o.seconds,
    mib_per_s: bytesMoved / o.seconds / 1048576,
    ttfb_p50_ms: op === 'get' ? v('http_req_waiting')['p(50)']! : null,
    p50_ms: v('http_req_duration')['p(50)']!,
    p99_ms: v('http_req_duration')['p(99)']!,
    failed,
    requests,
    // Every request of the process (setup's, warm-up's, measured) over all its CPU time.
    cpu_us_per_object: (r.cpu_s! / m.http_reqs!.values.count!) * 1e6,
  };
}

import { request } from 'undici';
import { Registry } from 'prom-client';
import { UsageError } from '../errors.js';

/** The job label every aifb push carries. */
export const PUSH_JOB = 'aifb';

/**
 * One label of a grouping key as a path segment. Values with a slash (or empty) use the
 * Pushgateway's base64 form, since a plain `/` would end the segment.
 */
function segment(name: string, value: string): string {
  if (value === '' || value.includes('/')) return `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/** The group URL: `<base>/metrics/job/<job>/<label>/<value>…`. */
export function groupUrl(baseUrl: string, job: string, grouping: Readonly<Record<string, string>>): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new UsageError(`pushgateway URL "${baseUrl}" is not a URL (expected e.g. http://host:9091)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UsageError(`pushgateway URL "${baseUrl}" must be http:// or https://`);
  }
  const path = [segment('job', job), ...Object.entries(grouping).map(([k, v]) => segment(k, v))].join('/');
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}/metrics/${path}`;
}

/** A Pushgateway group for one benchmark run: replace its metrics, or delete it. */
export class PushgatewayGroup {
  readonly url: string;

  constructor(
    baseUrl: string,
    benchmarkId: string,
    private readonly timeoutMs = 10_000,
    job = PUSH_JOB,
  ) {
    this.url = groupUrl(baseUrl, job, { benchmark_id: benchmarkId });
  }

  /** PUT: the group then holds exactly this registry's metrics (no leftovers of old series). */
  async push(registry: Registry): Promise<void> {
    const body = await registry.metrics();
    await this.send('PUT', body, registry.contentType);
  }

  /** Removes the group; the Pushgateway never forgets on its own. */
  async delete(): Promise<void> {
    await this.send('DELETE');
  }

  private async send(method: 'PUT' | 'DELETE', body?: string, contentType?: string): Promise<void> {
    const res = await request(this.url, {
      method,
      body,
      headers: contentType ? { 'content-type': contentType } : {},
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`${method} ${this.url}: HTTP ${res.statusCode}${text ? `: ${text.trim().slice(0, 200)}` : ''}`);
    }
  }
}

/** An http(s) URL, or undefined for anything else. */
export function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The service's base URL text: `url`, else the common `service_url`, else `host` and
 * `port` (or `defaultPort`, the server's usual one); `port` alone is 127.0.0.1 on that port.
 */
export function baseUrlText(fields: Readonly<Record<string, unknown>>, defaultPort?: number): string | undefined {
  if (typeof fields.url === 'string') return fields.url;
  if (typeof fields.service_url === 'string') return fields.service_url;
  const port = typeof fields.port === 'number' ? fields.port : defaultPort;
  // A `port:` without `host:` means this machine; dropping the port would reach the default one.
  if ((typeof fields.host !== 'string' || fields.host === '') && typeof fields.port === 'number') return `http://127.0.0.1:${fields.port}`;
  if (typeof fields.host !== 'string' || fields.host === '') return undefined;
  if (fields.host.includes('://')) return fields.host;
  // A bare IPv6 address needs brackets in a URL.
  const host = fields.host.includes(':') && !fields.host.startsWith('[') ? `[${fields.host}]` : fields.host;
  return `http://${host}${port !== undefined ? `:${port}` : ''}`;
}

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
 * `port` (or `defaultPort`, the server's usual one).
 */
export function baseUrlText(fields: Readonly<Record<string, unknown>>, defaultPort?: number): string | undefined {
  if (typeof fields.url === 'string') return fields.url;
  if (typeof fields.service_url === 'string') return fields.service_url;
  if (typeof fields.host !== 'string' || fields.host === '') return undefined;
  if (fields.host.includes('://')) return fields.host;
  // A bare IPv6 address needs brackets in a URL.
  const host = fields.host.includes(':') && !fields.host.startsWith('[') ? `[${fields.host}]` : fields.host;
  const port = typeof fields.port === 'number' ? fields.port : defaultPort;
  return `http://${host}${port !== undefined ? `:${port}` : ''}`;
}

/** User-facing messages of the generic HTTP backend. */
export const HTTP_MSG = {
  noTarget:
    'an http service needs a target: url, service_url, or host (with port); or give every entry of requests its own url',
  badUrl: (value: string) => `"${value}" is not an http:// or https:// URL`,
  credentialsInUrl:
    'the URL carries a user name or password; send credentials in headers instead (e.g. Authorization: "Bearer ${TOKEN}")',
  pathAndUrl: (name: string) => `request "${name}" sets both path and url; keep one`,
  pathOrUrl: (name: string) => `request "${name}" needs a path (relative to url) or a url`,
  pathWithoutBase: (name: string) => `request "${name}" gives a path, but the service has no url, service_url or host to resolve it against`,
  badStatus: 'expected an HTTP status (200), a class ("2xx") or a range ("200-299")',
  badRange: (value: string) => `status range "${value}" is empty: its start is above its end`,
  badMethod: 'expected an HTTP method such as GET, POST, PUT, DELETE',
  badRequestName: 'request names use letters, digits, _, . and - (they become operation names)',
  managedHeader: (name: string) => `header "${name}" is managed by the HTTP client (undici); remove it`,
  badBody: 'expected a body: a string, or a mapping or list sent as JSON',
} as const;

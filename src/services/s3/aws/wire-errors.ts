/**
 * The errors of the direct path (direct.ts), shaped as the SDK's own so errors.ts
 * (codeOf, statusOf, markNotFound, setupError) reads them unchanged.
 */

/** `<Code>` and `<Message>` of an S3 XML error body; undefined for what is absent. */
export function parseS3Error(xml: string): { code?: string; message?: string } {
  // Two fixed, unnested elements: a regular expression is enough, no XML parser needed.
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return { ...(code ? { code: unescapeXml(code) } : {}), ...(message ? { message: unescapeXml(message) } : {}) };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (all, name: string) => {
    if (name[0] !== '#') return ENTITIES[name] ?? all;
    const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
  });
}

export interface S3ResponseError extends Error {
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode: number; requestId?: string };
}

/**
 * The error for a non-2xx answer, named as the SDK names it: the body's `<Code>`, else
 * `NotFound` for a 404 (HEAD answers have no body), else `Unknown`, which codeOf reports
 * as `HTTP <status>`. The message is the body's `<Message>` (never a header or a key).
 */
export function responseError(status: number, body: string, requestId: string | undefined): S3ResponseError {
  const parsed = parseS3Error(body);
  const err = new Error(parsed.message ?? 'UnknownError') as S3ResponseError;
  err.name = parsed.code ?? (status === 404 ? 'NotFound' : 'Unknown');
  err.$fault = status >= 500 ? 'server' : 'client';
  err.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  return err;
}

import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

/** SHA-256 of no bytes: what the SDK sends as `x-amz-content-sha256` for GET, HEAD and DELETE. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The SigV4 signer the SDK itself uses for S3 (`@smithy/signature-v4` with
 * `@smithy/core/checksum`'s Sha256, node:crypto on Node), configured as the S3 client
 * configures it: the path is signed as sent (`uriEscapePath: false`, S3 never
 * double-encodes) and the payload hash is the `x-amz-content-sha256` header the caller
 * sets. The signer caches its signing key per day, so a request costs two hashes.
 */
export function createSigner(creds: { accessKeyId: string; secretAccessKey: string }, region: string, service: string): SignatureV4 {
  return new SignatureV4({ credentials: creds, region, service, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
}

/**
 * Payload hashes by buffer. Payloads are made once in setup and reused for every PUT,
 * so each is hashed once there (`remember`) and never inside a timed request.
 */
export class PayloadHashes {
  private readonly hashes = new WeakMap<Buffer, string>();

  remember(body: Buffer): void {
    this.of(body);
  }

  /** The payload's hex SHA-256, computed now only for a buffer setup did not remember. */
  of(body: Buffer): string {
    let hash = this.hashes.get(body);
    if (hash === undefined) this.hashes.set(body, (hash = createHash('sha256').update(body).digest('hex')));
    return hash;
  }
}

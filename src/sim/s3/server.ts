import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface Written {
  size: number;
  md5: string;
}

interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putObject(object: { bucket: string; key: string }): Promise<Written>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: unknown): Promise<Written>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  store: S3rverStore;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** The one key pair s3rver knows. It checks the access key id, not SigV4 signatures. */
export const S3RVER_KEYS = { access_key: 'S3RVER', secret_key: 'S3RVER' } as const;

async function untilSize(path: string, size: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const now = await stat(path).then((s) => s.size, () => -1);
    if (now === size) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * s3rver 3.7 answers a PUT (and an UploadPart) once its hash stream finished, before its
 * file write did, so a GET right after can read a short object. S3, MinIO and Ceph
 * guarantee read-after-write; this makes s3rver keep that promise by answering only
 * once the file holds every byte. Nothing else about the server changes.
 */
function readAfterWrite(store: S3rverStore): void {
  const putObject = store.putObject.bind(store);
  const putPart = store.putPart.bind(store);
  store.putObject = async (object) => {
    const written = await putObject(object);
    await untilSize(store.getResourcePath(object.bucket, object.key, 'object'), written.size);
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const written = await putPart(bucket, uploadId, partNumber, content);
    await untilSize(join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber)), written.size);
    return written;
  };
}

export interface LocalS3 {
  url: string;
  port: number;
  /** Stops listening and cuts every open connection; the data stays in `directory`. */
  close(): Promise<void>;
}

/**
 * A local S3-protocol server (s3rver, with read-after-write kept) for trying recipes and
 * for tests; production S3 is MinIO or Ceph RGW. Loaded lazily: s3rver is only needed here.
 */
export async function startLocalS3(options: { host?: string; port?: number; directory: string }): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const instance = new S3rver({ address: options.host ?? '127.0.0.1', port: options.port ?? 0, silent: true, directory: options.directory });
  readAfterWrite(instance.store);
  const address = await instance.run();
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    port: address.port,
    close: async () => {
      instance.httpServer?.closeAllConnections();
      await instance.close().catch(() => undefined);
    },
  };
}

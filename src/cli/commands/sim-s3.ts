import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunError, UsageError } from '../../errors.js';
import { startLocalS3 } from '../../sim/s3/server.js';
import { parseCommandArgs } from '../args.js';
import type { CommandIO } from '../command.js';
import type { SubcommandHelp } from '../help.js';

/** `aifb sim s3`'s flags and help (cli/help.ts generates the text). */
export const SIM_S3_HELP = {
  name: 's3',
  summary: 'a local S3 endpoint (s3rver) for trying S3 recipes',
  flags: {
    host: { type: 'string', arg: 'H', help: 'listen address [127.0.0.1]' },
    port: { type: 'string', arg: 'N', help: 'port, 0 = any free one' },
    directory: { type: 'string', arg: 'DIR', help: 'where objects are kept [./.aifb-s3]' },
  },
  usage: '[--host H] [--port N] [--directory DIR]',
  description:
    'Serves a local S3-protocol endpoint (s3rver, with read-after-write) until SIGINT or SIGTERM, for trying S3 recipes without MinIO. Keys: S3RVER / S3RVER.',
} as const satisfies SubcommandHelp;

/** `aifb sim s3`: a local S3 endpoint in the foreground. */
export async function runSimS3(args: string[], io: CommandIO, stop?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, SIM_S3_HELP.flags, 'sim s3');
  if (positionals.length) throw new UsageError(`sim s3: unexpected "${positionals.join(' ')}"`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`sim s3: --port expects a port number, got "${values.port}"`);
  const directory = resolve(io.cwd, values.directory ?? '.aifb-s3');
  mkdirSync(directory, { recursive: true });
  let s3;
  try {
    s3 = await startLocalS3({ host: values.host ?? '127.0.0.1', port, directory });
  } catch (err) {
    throw new RunError(`sim s3: cannot listen: ${(err as Error).message}`, { cause: err });
  }
  io.stdout.write(`aifb sim s3: listening on ${s3.url} (keys S3RVER/S3RVER, data in ${directory})\n`);
  await new Promise<void>((done) => {
    const finish = () => done();
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    stop?.addEventListener('abort', finish, { once: true });
  });
  await s3.close();
  io.stdout.write('aifb sim s3: stopped\n');
  return 0;
}

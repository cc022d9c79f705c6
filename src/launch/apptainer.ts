import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';

export interface ApptainerCommand {
  mode: 'exec' | 'run';
  image: string;
  /** Adds `--nv` (NVIDIA GPU passthrough); only for services that asked Slurm for a GPU. */
  gpu: boolean;
  /** `src:dst` or `src:dst:ro`. */
  binds: string[];
  /** argv inside the container; empty with `run` uses the image's runscript. */
  command: string[];
}

/** One bind mount, checked: Apptainer splits `--bind` values at commas. */
export function bindSpec(spec: string): string {
  if (spec.includes(',')) throw new UsageError(`bind "${spec}": a comma is not allowed (Apptainer would split it in two)`);
  const parts = spec.split(':');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new UsageError(`bind "${spec}": expected SRC, SRC:DST or SRC:DST:ro|rw`);
  }
  if (parts.length === 3 && parts[2] !== 'ro' && parts[2] !== 'rw') throw new UsageError(`bind "${spec}": the third part must be ro or rw`);
  return spec;
}

/**
 * The argv that runs a server in Apptainer. Environment is not put on the command
 * line (it would show in `ps` and in scripts): Apptainer passes the caller's
 * environment into the container, and the job script exports it.
 */
export function apptainerArgv(c: ApptainerCommand): string[] {
  const argv = ['apptainer', c.mode];
  if (c.gpu) argv.push('--nv');
  for (const b of c.binds) argv.push('--bind', bindSpec(b));
  argv.push(c.image);
  if (c.mode === 'exec' && c.command.length === 0) throw new UsageError('apptainer exec needs a command to run in the container');
  argv.push(...c.command);
  return argv;
}

/** The image file a `docker://` (or other) reference is pulled to, in the cache dir. */
export function sifName(image: string): string {
  const ref = image.replace(/^[a-z]+:\/\//, '');
  const name = basename(ref.split('@')[0]!).replace(/:/g, '_');
  return `${name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'image'}.sif`;
}

/** A reference Apptainer pulls itself, as opposed to a local .sif path. */
export function isRemoteImage(image: string): boolean {
  return /^(docker|oras|library|shub|https?):\/\//.test(image);
}

/** `apptainer pull` into the cache directory; `force` replaces an existing file. */
export function pullArgv(image: string, cacheDir: string, force = false): { argv: string[]; sif: string } {
  if (!isRemoteImage(image)) throw new UsageError(`"${image}" is not a docker://, oras://, library:// or https:// reference`);
  const sif = `${cacheDir.replace(/\/+$/, '')}/${sifName(image)}`;
  const argv = ['apptainer', 'pull'];
  if (force) argv.push('--force');
  argv.push(sif, image);
  return { argv, sif };
}

/**
 * What the job runs: a local .sif as given; a remote reference as the cached file
 * `aifb containers pull` made when there is one (pulling in every job is slow and
 * compute nodes are often offline), else the reference itself for Apptainer to fetch.
 */
export function imageFor(image: string, cacheDir: string | undefined, exists: (path: string) => boolean = existsSync): string {
  if (!isRemoteImage(image) || !cacheDir) return image;
  const { sif } = pullArgv(image, cacheDir);
  return exists(sif) ? sif : image;
}

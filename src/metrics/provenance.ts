import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { scrub } from '../util/scrub.js';

export interface Provenance {
  aifbVersion: string;
  gitCommit: string | null;
  host: string;
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  os: string;
  nodeVersion: string;
  /** SLURM_* variables of the job aifb runs in, if any. */
  slurm: Record<string, string>;
  commandLine: string;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function aifbVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string | null {
  try {
    const out = execFileSync('git', ['-C', packageRoot, 'rev-parse', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    });
    return out.toString().trim() || null;
  } catch {
    return null;
  }
}

/** Strips credentials from URLs (`http://user:pass@host` → `http://***@host`). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}

/** What a reader needs to compare this run with another: versions, host, job. */
export function collectProvenance(env: NodeJS.ProcessEnv = process.env, argv = process.argv): Provenance {
  const cpus = os.cpus();
  const slurm: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('SLURM_') && v !== undefined) slurm[k] = v;
  return {
    aifbVersion: aifbVersion(),
    gitCommit: gitCommit(),
    host: os.hostname(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    nodeVersion: process.version,
    slurm,
    // A secret given on the command line (`--set …password=…`) is one the recipe now holds: scrubbed like it.
    commandLine: scrub(redactUrlCredentials(argv.slice(2).join(' '))),
  };
}

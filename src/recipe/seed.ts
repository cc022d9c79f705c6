/**
 * The seed's recipes (github Valegrl/Team6_EUMASTER4HPC2526), read with the meaning the
 * seed's Python code gave each value. Runs on the parsed recipe before validation:
 * values the seed accepted in another form are rewritten into aifb's (a boolean
 * `sync_mode`, a quoted port, a numeric Slurm time), and where the seed's meaning was
 * wrong, a note says what aifb does instead. docs/recipe.md has the whole table.
 */
import type { BackendRegistry } from '../services/registry.js';
import type { PathSegment } from './env.js';
import { formatPath } from './positions.js';
import { YAML11_BOOLEAN_WORDS } from './fields.js';
import { parseDurationMs, parseSizeBytes } from '../util/units.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What PyYAML (YAML 1.1) reads as a boolean; the `yaml` package (YAML 1.2) keeps these words as strings. */
const YAML11_TRUE = new Set<string>(YAML11_BOOLEAN_WORDS.filter((w) => ['true', 'yes', 'on'].includes(w.toLowerCase())));
const YAML11_FALSE = new Set<string>(YAML11_BOOLEAN_WORDS.filter((w) => !YAML11_TRUE.has(w)));

/** A boolean as the seed's PyYAML and Python truthiness took it (true/yes/on, 1), or undefined. */
export function seedBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    if (YAML11_TRUE.has(v.trim())) return true;
    if (YAML11_FALSE.has(v.trim())) return false;
  }
  return undefined;
}

/**
 * The seed's size tables: exact keys, upper case, no space, 1024-based. Any other key
 * fell through to 1 KiB without a word; the object storage client lacked 100MB.
 */
export const SEED_FILE_SIZES = ['1KB', '10KB', '100KB', '1MB', '10MB', '100MB'] as const;
export const SEED_OBJECT_SIZES = ['1KB', '10KB', '100KB', '1MB', '10MB'] as const;

/** What the seed's clients did when a recipe left a key out, where aifb's default differs. */
const SEED_DEFAULTS: Record<string, { operation_mix?: Record<string, number>; sizes?: [string, Record<string, number>]; dimension?: number }> = {
  vectordb: { operation_mix: { insert: 0.3, search: 0.5, update: 0.1, delete: 0.1 }, dimension: 384 },
  database: { operation_mix: { select: 0.4, insert: 0.3, update: 0.2, delete: 0.1 } },
  s3: {
    operation_mix: { put: 0.4, get: 0.4, list: 0.1, delete: 0.1 },
    sizes: ['object_sizes', { '1KB': 0.3, '10KB': 0.3, '100KB': 0.2, '1MB': 0.15, '10MB': 0.05 }],
  },
  file_storage: { sizes: ['file_sizes', { '1KB': 0.2, '10KB': 0.2, '100KB': 0.2, '1MB': 0.2, '10MB': 0.1, '100MB': 0.1 }] },
};
SEED_DEFAULTS.postgresql = SEED_DEFAULTS.database!;

/** The seed's client defaults that aifb would otherwise refuse to guess. */
const SEED_BUCKET = 'benchmark-bucket';

const SLURM_TEXT = ['partition', 'account', 'time', 'qos', 'gres', 'mem', 'constraint'] as const;
const SLURM_COUNT = ['nodes', 'ntasks', 'cpus_per_task'] as const;

const digits = (v: unknown): number | undefined => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : undefined);

/** A `container_image` with no scheme that reads like a registry reference (`postgres:16`, `ollama/ollama`). */
function looksLikeRegistryRef(image: string): boolean {
  if (/^[a-z]+:\/\//.test(image) || /\.(sif|simg|img)$/i.test(image) || /^[./~]/.test(image)) return false;
  return /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*(:[\w.-]+)?(@sha256:[0-9a-f]+)?$/i.test(image) && /[:/]/.test(image);
}

export const SEED_MSG = {
  rps: (names: string[]) =>
    `services ${names.map((n) => `"${n}"`).join(', ')}: requests_per_second is the service's total offered rate ` +
    '(open loop, Poisson arrivals), with client_count as the cap on requests in flight; the seed slept 1/requests_per_second ' +
    'per thread after each answer, so it offered less and hid slow periods',
  benchmarkDuration: (path: string, seconds: number) =>
    `${path}: no duration, so the service runs for benchmark.duration (${seconds}s); the seed ignored benchmark.duration and ran 60s`,
  sizeFallback: (path: string, key: string, bytes: number) =>
    `${path}: "${key}" is ${bytes} bytes; the seed's table had no "${key}" and silently wrote 1KB instead`,
  s3Port: (path: string, url: string) =>
    `${path}: the seed's S3 client replaced the port of service_url "${url}" with 9000; aifb connects to the URL as written (set endpoint_url to be explicit)`,
  s3Bucket: (path: string) => `${path}: no bucket_name; using "${SEED_BUCKET}", the seed's default`,
  fromEnvironment: (path: string, keys: string[], vars: string[]) =>
    `${path}: ${keys.join(', ')} taken from environment ${vars.join(', ')} (the server's settings); the seed's client ignored them and used its own defaults`,
  seedDefault: (path: string, key: string, seed: string) =>
    `${path}: no ${key}, so aifb's default applies; the seed's was ${seed} (write it to run the seed's workload)`,
  vectorBatch: (path: string, n: number) =>
    `${path}: batch_size ${n} is the load phase's insert batch; the seed inserted batch_size vectors per insert operation ` +
    `(set insert_batch: ${n} for that)`,
  gres: (path: string, gres: string) =>
    `${path}: "${gres}" is requested from Slurm (--gres), and only a GPU gres gives the container --nv; the seed never wrote gres into its job script and passed --nv to every container`,
  triton: (path: string) =>
    `${path}: the seed POSTed {"test": "benchmark"} to service_url; aifb reads the model's metadata at setup and runs infer (random inputs of the model's shapes) or, for an LLM, generate_stream`,
  registryRef: (path: string, image: string) =>
    `${path}: "${image}" has no scheme, so Apptainer (and the seed) take it for a local image file; write docker://${image} to pull it from a registry`,
};

interface Ctx {
  registry: BackendRegistry;
  notes: string[];
  at(path: PathSegment[]): string;
}

/** The seed's booleans, counts and texts in aifb's types (no meaning changes, no notes). */
function coerceScalars(s: Obj): void {
  const port = digits(s.port);
  if (port !== undefined) s.port = port;
  const direct = seedBoolean(s.use_direct_io);
  if (direct !== undefined) s.use_direct_io = direct;
  // The seed called fsync after each write when sync_mode was truthy.
  const sync = seedBoolean(s.sync_mode);
  if (sync !== undefined) s.sync_mode = sync ? 'fsync' : 'none';
  if (isObj(s.slurm)) {
    const slurm = { ...s.slurm };
    // The seed wrote each value into `#SBATCH --key=value` as it was; sbatch reads a bare
    // number of --time as minutes, so `time: 60` keeps that meaning as the text "60".
    for (const k of SLURM_TEXT) if (typeof slurm[k] === 'number') slurm[k] = String(slurm[k]);
    for (const k of SLURM_COUNT) {
      const n = digits(slurm[k]);
      if (n !== undefined) slurm[k] = n;
    }
    s.slurm = slurm;
  }
}

/** The seed's backend names in aifb's (`postgresql` → `postgres`, `vllm` on a vllm service → none). */
function canonicalBackend(s: Obj, ctx: Ctx): void {
  if (typeof s.service_type !== 'string' || typeof s.backend !== 'string') return;
  const def = ctx.registry.resolve(s.service_type, s.backend);
  if (!def || def.backend === s.backend) return;
  if (def.backend === undefined) delete s.backend;
  else s.backend = def.backend;
}

function sizeNotes(s: Obj, i: number, ctx: Ctx): void {
  const tables: [string, readonly string[]][] = [
    ['file_sizes', SEED_FILE_SIZES],
    ['object_sizes', SEED_OBJECT_SIZES],
  ];
  for (const [key, table] of tables) {
    const mix = s[key];
    if (!isObj(mix)) continue;
    for (const label of Object.keys(mix)) {
      const bytes = parseSizeBytes(label);
      if (bytes !== undefined && bytes !== 1024 && !table.includes(label)) {
        ctx.notes.push(SEED_MSG.sizeFallback(ctx.at(['services', i, key, label]), label, bytes));
      }
    }
  }
}

/** PostgreSQL: the seed took host and port from service_url, and the server's POSTGRES_* settings were its only credentials. */
function database(s: Obj, i: number, ctx: Ctx): void {
  if (typeof s.service_url === 'string') {
    try {
      const u = new URL(s.service_url);
      if (u.hostname) s.host = u.hostname.replace(/^\[|\]$/g, '');
      if (u.port) s.port = Number(u.port);
    } catch {
      // Not a URL: left to the backend, which ignores service_url.
    }
  }
  fromEnvironment(s, i, ctx, [
    ['user', 'POSTGRES_USER'],
    ['password', 'POSTGRES_PASSWORD'],
    ['database', 'POSTGRES_DB'],
  ]);
}

function objectStorage(s: Obj, i: number, ctx: Ctx): void {
  fromEnvironment(s, i, ctx, [
    ['access_key', 'MINIO_ROOT_USER'],
    ['secret_key', 'MINIO_ROOT_PASSWORD'],
  ]);
  if (s.bucket_name === undefined) {
    s.bucket_name = SEED_BUCKET;
    ctx.notes.push(SEED_MSG.s3Bucket(ctx.at(['services', i])));
  }
  if (typeof s.service_url === 'string' && s.endpoint_url === undefined) {
    try {
      const u = new URL(s.service_url);
      if (u.port !== '9000') ctx.notes.push(SEED_MSG.s3Port(ctx.at(['services', i, 'service_url']), s.service_url));
    } catch {
      // The backend reports a bad URL.
    }
  }
}

const showMix = (mix: Record<string, number>) => `{${Object.entries(mix).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;

function defaultNotes(s: Obj, i: number, ctx: Ctx): void {
  const seed = typeof s.service_type === 'string' ? SEED_DEFAULTS[s.service_type] : undefined;
  // A service with aifb's own load block was not written for the seed: no comparison with it.
  if (!seed || s.load !== undefined) return;
  const at = (key?: string) => ctx.at(key ? ['services', i, key] : ['services', i]);
  if (seed.operation_mix && s.operation_mix === undefined && s.preset === undefined && s.queries === undefined) {
    ctx.notes.push(SEED_MSG.seedDefault(at(), 'operation_mix', showMix(seed.operation_mix)));
  }
  if (seed.sizes && s[seed.sizes[0]] === undefined) ctx.notes.push(SEED_MSG.seedDefault(at(), seed.sizes[0], showMix(seed.sizes[1])));
  if (seed.dimension !== undefined && s.dimension === undefined && s.dataset === undefined) {
    ctx.notes.push(SEED_MSG.seedDefault(at(), 'dimension', String(seed.dimension)));
  }
  if (s.service_type === 'vectordb' && typeof s.batch_size === 'number' && s.batch_size > 1 && s.insert_batch === undefined) {
    ctx.notes.push(SEED_MSG.vectorBatch(at('batch_size'), s.batch_size));
  }
}

function fromEnvironment(s: Obj, i: number, ctx: Ctx, pairs: [string, string][]): void {
  const env = isObj(s.environment) ? s.environment : {};
  const keys: string[] = [];
  const vars: string[] = [];
  for (const [key, name] of pairs) {
    const v = env[name];
    if (s[key] !== undefined || (typeof v !== 'string' && typeof v !== 'number') || v === '') continue;
    s[key] = String(v);
    keys.push(key);
    vars.push(name);
  }
  if (keys.length > 0) ctx.notes.push(SEED_MSG.fromEnvironment(ctx.at(['services', i]), keys, vars));
}

/**
 * Rewrites the seed's forms in a parsed recipe (after `${ENV}` references, before
 * validation) and returns the notes `aifb validate` and `aifb run` print. Values it does
 * not recognise are left for validation to report.
 */
export function applySeedCompat(value: unknown, registry: BackendRegistry): { value: unknown; notes: string[] } {
  if (!isObj(value) || !Array.isArray(value.services)) return { value, notes: [] };
  const notes: string[] = [];
  const services = value.services.map((raw) => (isObj(raw) ? { ...raw } : raw));
  const named = (i: number) => {
    const n = (services[i] as Obj | undefined)?.service_name;
    return typeof n === 'string' ? ` "${n}"` : '';
  };
  const ctx: Ctx = {
    registry,
    notes,
    at: (path) => (path.length >= 2 && typeof path[1] === 'number' ? `${formatPath(path.slice(0, 2))}${named(path[1])}${path.length > 2 ? `.${formatPath(path.slice(2))}` : ''}` : formatPath(path)),
  };
  const benchmark = isObj(value.benchmark) ? value.benchmark : {};
  const rps: string[] = [];
  services.forEach((s, i) => {
    if (!isObj(s)) return;
    coerceScalars(s);
    canonicalBackend(s, ctx);
    sizeNotes(s, i, ctx);
    const type = s.service_type;
    if (type === 'database' || type === 'postgresql') database(s, i, ctx);
    if (type === 's3') objectStorage(s, i, ctx);
    defaultNotes(s, i, ctx);
    if (isObj(s.slurm) && typeof s.slurm.gres === 'string') notes.push(SEED_MSG.gres(ctx.at(['services', i, 'slurm', 'gres']), s.slurm.gres));
    if (type === 'triton' && s.operation_mix === undefined && s.inputs === undefined) notes.push(SEED_MSG.triton(ctx.at(['services', i])));
    if (typeof s.container_image === 'string' && looksLikeRegistryRef(s.container_image)) {
      notes.push(SEED_MSG.registryRef(ctx.at(['services', i, 'container_image']), s.container_image));
    }
    const total = typeof benchmark.duration === 'number' || typeof benchmark.duration === 'string' ? parseDurationMs(benchmark.duration) : undefined;
    if (s.duration === undefined && total !== undefined) notes.push(SEED_MSG.benchmarkDuration(ctx.at(['services', i]), total / 1000));
    if (typeof s.requests_per_second === 'number' && typeof s.service_name === 'string') rps.push(s.service_name);
  });
  if (rps.length > 0) notes.push(SEED_MSG.rps(rps));
  return { value: { ...value, services }, notes };
}

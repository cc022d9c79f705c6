import type { z } from 'zod';

/**
 * What each recipe key means, for `aifb schema` (an editor shows it on hover and in
 * completion). Backends' keys are described here too, so a backend folder stays about its
 * backend; a key that means something else for one service type has a `type:key` entry.
 */
export const KEY_DESCRIPTIONS: Record<string, string> = {
  // Common service keys (docs/recipe.md, "Services").
  service_name: 'Unique name of the service; used in reports and metrics',
  service_type: 'What is benchmarked; selects the client (and the backends the service may name)',
  backend: 'Which client of the service type, when it has several',
  description: 'Free text shown in reports',
  container_image: 'Image a Slurm job runs the server from (docker://…, a .sif path)',
  host: 'Host of the service',
  port: 'Port of the service; also the server\'s port when aifb starts it',
  service_url: 'Where the service answers (replaced by the endpoint its Slurm job wrote)',
  client_count: 'The seed\'s load field: clients (closed loop), or the in-flight cap with requests_per_second',
  requests_per_second: 'The seed\'s load field: the total offered rate (open loop, Poisson)',
  duration: 'Measured window: seconds, or 500ms, 5s, 2m, 1h, 01:00:00',
  timeout: 'Per-request timeout (default 60 s)',
  load: 'How load is offered: open loop (rate) or closed loop (clients), stages, warm-up, sweep or search',
  slo: 'Service-level objectives for goodput: a request counts when it meets every one set',
  model: 'Model to ask for (LLM) or to serve',
  dimension: 'Vector size',
  operation_mix: 'Weight per operation; the weights must sum to 1',
  batch_size: 'Items per batch (vector inserts, Triton infer batch)',
  search_k: 'Results per vector search',
  collection_name: 'Collection (table, class) the benchmark uses',
  object_sizes: 'Size mix of S3 objects, e.g. {1KB: 0.5, 1MB: 0.5} (1024-based)',
  file_sizes: 'Size mix of file writes, e.g. {4KB: 0.7, 256KB: 0.3} (1024-based)',
  environment: 'Environment of a server aifb starts',
  slurm: 'Slurm options of the service\'s job (partition, account, time, nodes, …)',
  launcher: 'How aifb starts the server: external (already running), local process or Slurm job',
  generators: 'Load-generator processes sharing this service\'s load',
  generator_kind: 'How aifb run starts local generators: worker threads or child processes',
  database: 'PostgreSQL database name',
  user: 'PostgreSQL user',
  password: 'PostgreSQL password; write ${PGPASSWORD} rather than the secret',
  table_name: 'Table aifb creates, fills and drops',
  endpoint_url: 'S3 endpoint URL',
  access_key: 'S3 access key; write ${AWS_ACCESS_KEY_ID} rather than the secret',
  secret_key: 'S3 secret key; write ${AWS_SECRET_ACCESS_KEY} rather than the secret',
  bucket_name: 'S3 bucket (aifb writes only under its own prefix)',
  region: 'S3 region (default us-east-1)',
  base_path: 'Directory file storage is benchmarked in (aifb works in its own subdirectory)',
  use_direct_io: 'Open files with O_DIRECT',
  sync_mode: 'none, fsync, fdatasync, osync or dsync after writes (true is fsync)',
  thresholds: 'Pass/fail conditions, e.g. {p99_latency_ms: "<500", error_rate: "<1%"}; a failed one exits 99',
  // Load profile.
  mode: 'open (a rate) or closed (clients); needed only with stages alone',
  clients: 'Closed loop: concurrent clients',
  think_time: 'Closed loop: pause after each answer',
  rate: 'Open loop: requests per second offered in total',
  arrival: 'Open loop: constant, poisson or gamma arrivals',
  burstiness: 'Gamma shape: below 1 burstier, above 1 more regular, 1 is Poisson',
  max_in_flight: 'Open loop: starts beyond this many outstanding requests are dropped and counted',
  exact_count: 'With a duration, offer exactly rate × duration requests',
  stages: 'Ramps [{duration, target}] from the starting rate or clients; the last target holds',
  warmup: '5s, {duration: 5s} or {requests: 100}: excluded from the results',
  requests: 'Stop after this many measured requests',
  seed: 'Seed of every random choice (schedules, operations, payloads)',
  sweep: 'One measured step per rate or client count: {rates: [...]} or {clients: [...]}',
  search: 'Search for the highest rate meeting the SLOs: {min_rate, max_rate, steps, target}',
  // File storage.
  initial_files: 'Files written before the measured window, for reads to find',
  verify_reads: 'Check that what is read is what was written',
  block_size: 'Size of each read or write call',
  block_file_size: 'Size of the file block reads and writes work in',
  // HTTP.
  url: 'URL of the service',
  method: 'HTTP method',
  headers: 'HTTP headers sent with every request',
  body: 'Request body',
  expect_status: 'Status code(s) that count as success',
  'http:requests': 'Named requests, each {url, method, headers, body, expect_status}; operation_mix weighs them',
  // LLM.
  prompts: 'Prompts: {source: synthetic | jsonl | sharegpt, file, input_tokens, output_tokens, prefix, limit}',
  max_tokens: 'Output tokens asked for',
  temperature: 'Sampling temperature sent with every request',
  ignore_eos: 'Ask the server to generate max_tokens tokens, past the end-of-sequence token',
  stream: 'Stream the answer (TTFT and ITL need it)',
  api_key: 'API key sent as a bearer token; write ${OPENAI_API_KEY} rather than the secret',
  sessions: 'Multi-turn chat sessions',
  api: 'Which API: completions or chat (OpenAI), generate or chat (Ollama)',
  continuous_usage_stats: 'Ask vLLM for the token count of every chunk',
  keep_alive: 'Ollama keep_alive sent with every request',
  inputs: 'Triton input tensors',
  outputs: 'Triton output tensors to read',
  parameters: 'Triton request parameters',
  model_version: 'Triton model version',
  // S3.
  initial_objects: 'Objects written before the measured window, for reads to find',
  key_prefix: 'Prefix of the keys aifb writes',
  multipart_threshold: 'Objects of this size or more are uploaded in parts',
  part_size: 'Size of each part of a multipart upload',
  multipart_concurrency: 'Parts uploaded at once',
  verify_checksums: 'Check the checksum of what is read',
  list_max_keys: 'Keys per list request',
  path_style: 'Path-style bucket addressing (MinIO and most local servers need it)',
  max_attempts: 'Attempts per request by the S3 client (1: no retry hides an error)',
  // SQL.
  initial_rows: 'Rows loaded into the table before the measured window',
  row_size: 'Size of each row\'s payload',
  key_distribution: 'Which keys operations touch: uniform or zipfian',
  zipf_theta: 'Skew of zipfian keys (0–1)',
  transactions: 'Run each operation in a transaction',
  preset: 'A named workload (e.g. ycsb-b)',
  'database:queries': 'Named SQL queries, weighed by operation_mix',
  'postgresql:queries': 'Named SQL queries, weighed by operation_mix',
  pool_size: 'Connections in the pool',
  sslmode: 'PostgreSQL sslmode',
  data_dir: 'Directory of the embedded database (default: in memory)',
  // Vector DBs.
  num_vectors: 'Vectors loaded before the searches',
  num_queries: 'Distinct query vectors',
  distance: 'Distance metric',
  clusters: 'Gaussian clusters the synthetic vectors are drawn around',
  data_seed: 'Seed of the synthetic vectors (default: the service\'s seed)',
  dataset: 'Your own vectors (files) instead of synthetic ones',
  cache_dir: 'Where generated datasets and ground truth are cached',
  insert_batch: 'Vectors per insert in the load phase',
  load_concurrency: 'Insert batches in flight at once in the load phase',
  recall_sample: 'Share of searches (0–1) whose recall is judged',
  filter_selectivity: 'Share of vectors a filtered search may return (0–1)',
  search_params: 'Search settings to sweep, one measured step each',
  'vectordb:queries': 'File of query vectors',
  tenant: 'Chroma tenant',
  ef_construction: 'HNSW ef_construction',
  ef_search: 'HNSW ef at search time',
  max_neighbors: 'HNSW neighbours per node (M)',
  index_factory: 'FAISS index factory string (e.g. IVF1024,Flat)',
  nprobe: 'IVF lists probed per search',
  gpu: 'Run FAISS on the GPU',
  python: 'Python interpreter that runs FAISS',
  threads: 'Threads FAISS searches with',
  train_size: 'Vectors an IVF index is trained on',
  index: 'Index type',
  protocol: 'Weaviate protocol: REST or gRPC',
  grpc_port: 'Weaviate gRPC port',
  driver: 'pgvector through embedded PGlite or a PostgreSQL server',
  lists: 'IVFFlat lists (default rows / 1000)',
  // global.
  'global:threads': 'per_service: services run in parallel each get a thread; one: all on the main thread',
  log_level: 'DEBUG, INFO, WARNING, ERROR (any case)',
  metrics_db: 'SQLite file of every request (relative to the working directory; with --out DIR, inside it)',
  reports_dir: 'Where <benchmark_id>_report.json and .html go',
  logs_dir: 'Logs of the run and of services aifb starts',
  pushgateway_url: 'Prometheus Pushgateway for live metrics',
  name: 'Name shown in reports',
};

/** The description of a key of a service of type `type`, if there is one. */
export function describeKey(key: string, type?: string): string | undefined {
  return (type && KEY_DESCRIPTIONS[`${type}:${key}`]) || KEY_DESCRIPTIONS[key];
}

/** The shape with each undescribed key described (zod's `.describe()`), for the JSON Schema. */
export function describedShape<T extends z.ZodRawShape>(shape: T, type?: string): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(shape)) {
    const schema = value as z.ZodType;
    const text = describeKey(key, type);
    out[key] = text && !schema.description ? schema.describe(text) : schema;
  }
  return out as unknown as T;
}

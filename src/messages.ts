/** User-facing messages, kept together so their wording stays consistent. */
export const MSG = {
  expectedDuration: 'expected a duration: seconds as a number, or a string such as "500ms", "5s", "2m" or "01:00:00"',
  zeroDuration: 'a duration of zero: nothing would be measured (give a positive duration)',
  expectedSize: 'expected a size: bytes as an integer, or a string such as "4KB", "1MiB", "64MB"',
  expectedWeight: 'expected a weight: a number from 0 to 1',
  expectedWarmup: 'expected a warm-up: a duration ("5s"), or {requests: N}, or {duration: "5s"}',
  expectedLogLevel: 'expected one of DEBUG, INFO, WARNING, ERROR',
  emptyMix: 'a mix needs at least one entry',
  mixSum: (sum: number) =>
    `weights sum to ${Number(sum.toFixed(6))}; they must sum to 1 (aifb does not rescale them silently)`,
  badSizeKey: (key: string) => `"${key}" is not a size; write it as "4KB", "1MB", "64MiB" or a byte count`,
  noServices: 'a recipe needs at least one service',
  unknownKey: (key: string, hint?: string) =>
    `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ''}`,
  unknownValue: (value: string, allowed: readonly string[], hint?: string) =>
    `"${value}" is not one of ${allowed.join(', ')}${hint ? `; did you mean "${hint}"?` : ''}`,
  unknownOperation: (op: string, type: string, allowed: readonly string[], hint?: string) =>
    `"${op}" is not an operation of ${type} (it has ${allowed.join(', ')})${hint ? `; did you mean "${hint}"?` : ''}`,
  envMissing: (name: string) =>
    `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
  yamlSyntax: (detail: string) => `YAML syntax error: ${detail}`,
  notAMapping: 'expected a mapping with benchmark, global and services',
  recipeTooLarge: (file: string, size: number, max: number) =>
    `recipe file ${file} has ${size.toLocaleString('en-US')} bytes; a recipe may have at most ${max.toLocaleString('en-US')} (docs/recipe.md, "Bounds")`,
  fileNotFound: (file: string) => `recipe file not found: ${file}`,
  fileUnreadable: (file: string, why: string) => `cannot read recipe file ${file}: ${why}`,
  duplicateService: (name: string) => `service_name "${name}" is used twice; each service needs its own name`,
  rateAndClients: 'set either rate (open loop) or clients (closed loop), not both',
  loadAndSeedField: (loadKey: string, seedKey: string) =>
    `both load.${loadKey} and ${seedKey} are set; keep one (load.${loadKey} is the newer spelling)`,
  openNeedsRate: 'an open-loop load needs a rate (load.rate, requests_per_second, or stages)',
  stagesNeedMode: 'with stages and neither rate nor clients, set load.mode: open (targets are req/s) or closed (targets are clients)',
  rateInClosed: 'load.rate belongs to an open loop; remove it or set mode: open',
  clientsInOpen: 'load.clients belongs to a closed loop; in an open loop cap concurrency with max_in_flight',
  sweepOneOf: 'a sweep lists either rates (open loop) or clients (closed loop)',
  sweepRatesNeedOpen: 'a sweep over rates needs an open loop (give load.rate or mode: open)',
  sweepClientsNeedClosed: 'a sweep over clients needs a closed loop (give load.clients or mode: closed)',
  sweepAndSearch: 'choose a sweep or a search, not both',
  searchNeedsOpen: 'a search for the best rate needs an open loop (mode: open)',
  searchNeedsSlo: 'a search for the best rate needs slo targets (slo: {ttft_ms: ..., e2el_ms: ...})',
  searchRange: 'max_rate must be above min_rate',
  stagesNeedEnd: 'with stages, the run lasts as long as the stages; do not also set requests',
  plaintextSecret: (path: string) =>
    `${path} is written in the recipe in plain text; prefer \${ENV_VAR} so the secret stays out of files`,
  noBackend: (type: string, backend: string | undefined, available: string) =>
    `service_type "${type}"${backend ? ` with backend "${backend}"` : ''} has no backend in this version of aifb (available: ${available})`,
  noBackendForValidate: (type: string, backend: string | undefined) =>
    `service_type "${type}"${backend ? ` / backend "${backend}"` : ''} is valid, but this version of aifb cannot run it yet`,
  sessionsNeedChat: (op: string, type: string, chatOps: readonly string[]) =>
    `sessions are chat conversations, but operation "${op}" of ${type} sends a single prompt; ` +
    (chatOps.length
      ? `use api: ${chatOps[0]} (and only ${chatOps.join('/')} in operation_mix)`
      : `${type} has no chat endpoint (use service_type openai, vllm or ollama with api: chat)`),
  sessionsNeedTurns: 'sessions need turns: how many turns each session has (a number, or {mean, stdev, min, max})',
  sessionsTurnsFromShareGpt:
    'with prompts.source: sharegpt each conversation brings its own turns; remove sessions.turns (use prompts.limit to take fewer conversations)',
} as const;

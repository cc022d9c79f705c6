/** A small leveled logger; every line goes through the scrubber, so no secret of the recipe is logged. */
import { pino } from 'pino';
import { scrub } from './scrub.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(prefix: string): Logger;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  prefix = '',
): Logger {
  const at = (lvl: LogLevel) => (msg: string) => {
    if (ORDER[lvl] >= ORDER[level]) write(scrub(`[${lvl}]${prefix ? ` ${prefix}:` : ''} ${msg}`));
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (p) => createLogger(level, write, prefix ? `${prefix}/${p}` : p),
  };
}

/** The seed writes log levels as Python does (INFO, WARNING); map them. */
export function toLogLevel(value: string | undefined): LogLevel {
  switch ((value ?? 'info').toLowerCase()) {
    case 'debug':
      return 'debug';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
    case 'critical':
      return 'error';
    default:
      return 'info';
  }
}

/**
 * The same logger writing one JSON object per line (pino): `level`, `time` (ISO), `msg`,
 * `service` for a child, plus `bindings` (the benchmark id). Each line is scrubbed as a
 * whole before it is written, so a secret is kept out of every field.
 */
export function createJsonLogger(level: LogLevel, write: (line: string) => void, bindings: Record<string, string> = {}): Logger {
  const root = pino(
    { level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => write(scrub(line.replace(/\n$/, ''))) },
  );
  const wrap = (p: pino.Logger, prefix: string): Logger => ({
    debug: (m) => p.debug(m),
    info: (m) => p.info(m),
    warn: (m) => p.warn(m),
    error: (m) => p.error(m),
    child: (name) => {
      const path = prefix ? `${prefix}/${name}` : name;
      return wrap(root.child({ service: path }), path);
    },
  });
  return wrap(root, '');
}

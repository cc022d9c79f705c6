/** A small leveled logger; every line goes through the scrubber, so no secret of the recipe is logged. */
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

/**
 * Typed errors. Library code throws these; only the CLI maps them to exit codes
 * (docs/reliability.md lists the codes).
 */
export type ErrorKind = 'bad-input' | 'runtime' | 'interrupted';

export class AifbError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** One position in a recipe file, as people count them (1-based). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface RecipeIssue {
  position?: SourcePosition;
  /** Path inside the recipe, e.g. `services[2].operation_mix.insert`. */
  path: string;
  message: string;
}

/** The recipe (or a CLI argument naming one) is wrong. Exit code 2. */
export class RecipeError extends AifbError {
  readonly issues: RecipeIssue[];
  constructor(issues: RecipeIssue[], options?: { cause?: unknown }) {
    super('bad-input', issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** A command line that cannot be understood. Exit code 2. */
export class UsageError extends AifbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-input', message, options);
  }
}

/** Something failed while running (a service, the disk, the network). Exit code 1. */
export class RunError extends AifbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

export function formatIssue(issue: RecipeIssue): string {
  const where = issue.position
    ? `${issue.position.file}:${issue.position.line}:${issue.position.column}: `
    : '';
  const path = issue.path ? `${issue.path}: ` : '';
  return `${where}${path}${issue.message}`;
}

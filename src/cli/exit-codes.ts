/** Exit codes (docs/reliability.md). Only the CLI decides them. */
export const EXIT = {
  ok: 0,
  runtime: 1,
  badInput: 2,
  thresholds: 99,
  sigint: 130,
  sigterm: 143,
} as const;

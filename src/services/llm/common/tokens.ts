/*
 * Client-side token estimate, used only when a server reports no usage (and to weigh
 * chunks against each other). Without the model's tokenizer it cannot be exact: a run of
 * up to 8 letters/digits counts as one token, any other visible character as one. Counts
 * from this rule are flagged `tokens_estimated` in the results.
 */
const TOKEN_RE = /[\p{L}\p{N}_]{1,8}|[^\s\p{L}\p{N}_]/gu;

/** Estimated number of tokens in `text`. */
export function estimateTokens(text: string): number {
  TOKEN_RE.lastIndex = 0;
  let n = 0;
  while (TOKEN_RE.exec(text) !== null) n++;
  return n;
}

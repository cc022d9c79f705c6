import { existsSync } from 'node:fs';

type Problem = { path: (string | number)[]; message: string };

/** Checks shared by the LLM backends: a prompt file must exist and suit its source. */
export function checkLlmFields(service: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const prompts = service.prompts as { source?: string; file?: string } | undefined;
  if (prompts?.source && prompts.source !== 'synthetic' && !prompts.file) {
    out.push({ path: ['prompts', 'file'], message: `prompts.source ${prompts.source} needs a file` });
  }
  if (prompts?.file && !existsSync(prompts.file)) {
    out.push({ path: ['prompts', 'file'], message: `prompt file not found: ${prompts.file}` });
  }
  return out;
}

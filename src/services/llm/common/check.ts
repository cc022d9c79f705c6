import { promptFileProblem } from './prompt-files.js';
import { tokenizerFile } from './tokenizer.js';
import { MSG } from '../../../messages.js';
import type { FieldsOf } from '../../fields.js';
import type { llmFields } from './fields.js';
import { LLM_METRICS, LLM_TALLIES } from './metrics.js';

type Problem = { path: (string | number)[]; message: string };
type Fields = FieldsOf<typeof llmFields>;

/** What a backend tells the shared LLM checks about its operations. */
export interface LlmOperations {
  /** Operations that take a message list (chat), in the order to suggest them. */
  chat: readonly string[];
  /** The service's mix when the recipe gives none. */
  defaultMix(service: Fields): Record<string, number>;
}

/** What every LLM definition shares: its mix for a service that gives none, the checks below, the declared metrics and tallies. */
export function llmDefinitionParts(ops: LlmOperations) {
  return { defaultMixFor: (service: Fields) => ops.defaultMix(service), check: (service: Fields) => checkLlmFields(service, ops), metrics: LLM_METRICS, tallies: LLM_TALLIES };
}

/**
 * Checks shared by the LLM backends: a prompt file must exist and suit its source, a
 * tokenizer must be a folder with tokenizer.json, and sessions need a chat operation and a number of turns.
 */
function checkLlmFields(service: Fields, ops: LlmOperations): Problem[] {
  const out: Problem[] = [];
  const prompts = service.prompts;
  if (prompts?.source && prompts.source !== 'synthetic' && !prompts.file) {
    out.push({ path: ['prompts', 'file'], message: `prompts.source ${prompts.source} needs a file` });
  }
  const fileProblem = prompts?.file ? promptFileProblem(prompts.file) : undefined;
  if (fileProblem) out.push({ path: ['prompts', 'file'], message: fileProblem });
  if (service.tokenizer !== undefined) {
    const found = tokenizerFile(service.tokenizer);
    if ('problem' in found) out.push({ path: ['tokenizer'], message: found.problem });
  }
  const sessions = service.sessions;
  if (sessions) {
    const mix = service.operation_mix ?? ops.defaultMix(service);
    const single = Object.entries(mix).find(([op, w]) => w > 0 && !ops.chat.includes(op));
    if (single) out.push({ path: ['sessions'], message: MSG.sessionsNeedChat(single[0], service.service_type, ops.chat) });
    const sharegpt = prompts?.source === 'sharegpt';
    if (sharegpt && sessions.turns !== undefined) out.push({ path: ['sessions', 'turns'], message: MSG.sessionsTurnsFromShareGpt });
    if (!sharegpt && sessions.turns === undefined) out.push({ path: ['sessions'], message: MSG.sessionsNeedTurns });
  }
  return out;
}

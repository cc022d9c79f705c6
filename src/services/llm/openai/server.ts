import type { ServerLaunch } from '../../../launch/types.js';
import type { FieldsOf } from '../../fields.js';
import type { openaiFields } from '../common/fields.js';

/**
 * vLLM's OpenAI-compatible server for a `vllm` service; an `openai` service names an
 * endpoint of any make, so aifb cannot know how to start it.
 */
export function openaiServer(service: FieldsOf<typeof openaiFields>): ServerLaunch | undefined {
  if (service.service_type !== 'vllm') return undefined;
  const model = service.model ?? 'facebook/opt-125m';
  return {
    command: ['vllm', 'serve', model, '--host', '{host}', '--port', '{port}'],
    containerCommand: ['python3', '-m', 'vllm.entrypoints.openai.api_server', '--model', model, '--host', '{host}', '--port', '{port}'],
    image: 'docker://vllm/vllm-openai:v0.6.6',
    port: 8000,
    env: { HF_HOME: '{data_dir}' },
    dataDir: '/root/.cache/huggingface',
    ready: { http: '/health' },
  };
}

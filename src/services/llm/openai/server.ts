import type { ServerLaunch } from '../../../launch/types.js';

/**
 * vLLM's OpenAI-compatible server for a `vllm` service; an `openai` service names an
 * endpoint of any make, so aifb cannot know how to start it.
 */
export function openaiServer(service: Readonly<Record<string, unknown>>): ServerLaunch | undefined {
  if (service.service_type !== 'vllm') return undefined;
  const model = String(service.model ?? 'facebook/opt-125m');
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

import type { ServerLaunch } from '../../../launch/types.js';

/** `ollama serve`, its models under the data directory; image as in containers/ollama.def. */
export function ollamaServer(): ServerLaunch {
  return {
    command: ['ollama', 'serve'],
    containerCommand: ['ollama', 'serve'],
    image: 'docker://ollama/ollama:0.5.7',
    port: 11434,
    env: { OLLAMA_HOST: '{host}:{port}', OLLAMA_MODELS: '{data_dir}/models' },
    dataDir: '/root/.ollama',
    ready: { http: '/api/version' },
  };
}

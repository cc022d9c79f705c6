import type { ServerLaunch } from '../../../launch/types.js';

/** `chroma run` (the npm package's CLI natively, the image's own binary in a container). */
export function chromaServer(): ServerLaunch {
  const args = ['run', '--path', '{data_dir}', '--host', '{host}', '--port', '{port}'];
  return {
    command: ['npx', 'chroma', ...args],
    containerCommand: ['chroma', ...args],
    image: 'docker://chromadb/chroma:1.0.5',
    port: 8000,
    dataDir: '/chroma/data',
    ready: { http: '/api/v2/heartbeat' },
  };
}

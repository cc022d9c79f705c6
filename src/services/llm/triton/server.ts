import type { ServerLaunch } from '../../../launch/types.js';

/** tritonserver over a model repository in the data directory; ready when its models are. */
export function tritonServer(): ServerLaunch {
  const argv = ['tritonserver', '--model-repository={data_dir}', '--http-port={port}', '--http-address={host}'];
  return {
    command: argv,
    containerCommand: [...argv],
    image: 'docker://nvcr.io/nvidia/tritonserver:24.08-py3',
    port: 8000,
    dataDir: '/models',
    ready: { http: '/v2/health/ready' },
  };
}

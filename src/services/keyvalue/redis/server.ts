import type { ServerLaunch } from '../../../launch/types.js';

/**
 * redis-server with no snapshots or append-only file (the run's keys are scratch data),
 * its working directory the data directory. It starts without a password: a recipe that
 * wants one gives its own launcher.command, so the password never lands in argv or a
 * generated script.
 */
export function redisServer(): ServerLaunch {
  // Under Slurm it listens on every interface for the client on another node; protected
  // mode would refuse those connections for want of a password.
  const args = ['--port', '{port}', '--bind', '{host}', '--dir', '{data_dir}', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
  return {
    command: ['redis-server', ...args],
    containerCommand: ['redis-server', ...args],
    image: 'docker://redis:7.4.2',
    port: 6379,
    dataDir: '/data',
    ready: [{ tcp: true }, { log: 'Ready to accept connections' }],
  };
}

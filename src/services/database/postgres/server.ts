import type { ServerLaunch } from '../../../launch/types.js';
import type { CommonFields } from '../../fields.js';

/** `postgres` on an initialised data directory, its socket there too; ready when it says so. */
export function postgresServer(service: CommonFields): ServerLaunch {
  const { user, password, database } = service;
  return {
    command: ['postgres', '-D', '{data_dir}', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    // The image's entrypoint initialises an empty data directory (as `docker run` does) with
    // the recipe's user, password and database, then starts postgres with these arguments.
    containerCommand: ['docker-entrypoint.sh', 'postgres', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    env: {
      PGDATA: '{data_dir}',
      ...(user !== undefined ? { POSTGRES_USER: user } : {}),
      ...(password !== undefined ? { POSTGRES_PASSWORD: password } : {}),
      ...(database !== undefined ? { POSTGRES_DB: database } : {}),
    },
    image: 'docker://postgres:16',
    port: 5432,
    dataDir: '/var/lib/postgresql/data',
    ready: [{ tcp: true }, { log: 'database system is ready to accept connections' }],
  };
}

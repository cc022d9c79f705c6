import type { ServerLaunch } from '../../../launch/types.js';

/** `postgres` on an initialised data directory, its socket there too; ready when it says so. */
export function postgresServer(service: Readonly<Record<string, unknown>>): ServerLaunch {
  const { user, password, database } = service;
  return {
    command: ['postgres', '-D', '{data_dir}', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    // The image's entrypoint initialises an empty data directory (as `docker run` does) with
    // the recipe's user, password and database, then starts postgres with these arguments.
    containerCommand: ['docker-entrypoint.sh', 'postgres', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    env: {
      PGDATA: '{data_dir}',
      ...(typeof user === 'string' ? { POSTGRES_USER: user } : {}),
      ...(typeof password === 'string' || typeof password === 'number' ? { POSTGRES_PASSWORD: String(password) } : {}),
      ...(typeof database === 'string' ? { POSTGRES_DB: database } : {}),
    },
    image: 'docker://postgres:16',
    port: 5432,
    dataDir: '/var/lib/postgresql/data',
    ready: [{ tcp: true }, { log: 'database system is ready to accept connections' }],
  };
}

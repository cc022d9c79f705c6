import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { GRAFANA_HOMES } from './components.js';

/**
 * The Grafana admin password: GF_SECURITY_ADMIN_PASSWORD when set, else one generated
 * once and kept (mode 0600) in the state directory, since Grafana stores the first one
 * in its database and ignores later changes. Never admin/admin, as the seed had it.
 */
export function grafanaPassword(grafanaDir: string, env: NodeJS.ProcessEnv): { password: string; file: string | undefined } {
  const fromEnv = env.GF_SECURITY_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv === 'admin') throw new UsageError('GF_SECURITY_ADMIN_PASSWORD is "admin": choose another password');
    return { password: fromEnv, file: undefined };
  }
  mkdirSync(grafanaDir, { recursive: true });
  const file = join(grafanaDir, 'admin-password');
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), file };
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return { password, file };
}

/** Environment for grafana-server: every path inside the state directory, no phoning home. */
export function grafanaEnv(
  grafanaDir: string,
  provisioning: string,
  host: string,
  port: number,
  password: string,
  homeDashboard: string,
): NodeJS.ProcessEnv {
  return {
    GF_PATHS_DATA: join(grafanaDir, 'data'),
    GF_PATHS_LOGS: join(grafanaDir, 'logs'),
    GF_PATHS_PLUGINS: join(grafanaDir, 'plugins'),
    GF_PATHS_PROVISIONING: provisioning,
    GF_SERVER_HTTP_ADDR: host,
    GF_SERVER_HTTP_PORT: String(port),
    GF_SECURITY_ADMIN_USER: 'admin',
    GF_SECURITY_ADMIN_PASSWORD: password,
    GF_USERS_ALLOW_SIGN_UP: 'false',
    GF_AUTH_ANONYMOUS_ENABLED: 'false',
    GF_ANALYTICS_REPORTING_ENABLED: 'false',
    GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
    GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: homeDashboard,
  };
}

/** grafana-server needs its home (public/, conf/defaults.ini); Debian/RPM put it here. */
export function grafanaHomeArgs(): string[] {
  for (const home of GRAFANA_HOMES) {
    if (existsSync(join(home, 'conf', 'defaults.ini'))) return ['--homepath', home];
  }
  return [];
}

import { join } from 'node:path';

/**
 * How each server of the stack is started, shared by the local backend (processes here)
 * and the Slurm backend (a batch job): the same flags, directories and readiness paths,
 * wherever they run. Listen addresses are passed in as text so the Slurm script can put
 * a shell variable (a port chosen on the compute node) in them.
 */
export type StackComponent = 'pushgateway' | 'prometheus' | 'grafana';

/** Binary names looked up on PATH, in order (Debian calls the Pushgateway prometheus-pushgateway). */
export const BINARIES: Readonly<Record<StackComponent, readonly string[]>> = {
  pushgateway: ['prometheus-pushgateway', 'pushgateway'],
  prometheus: ['prometheus'],
  grafana: ['grafana-server'],
};

/** The path each server answers 2xx on once it serves requests. */
export const READY_PATH: Readonly<Record<StackComponent, string>> = {
  pushgateway: '/-/ready',
  prometheus: '/-/ready',
  grafana: '/api/health',
};

/** Where grafana-server's home (public/, conf/defaults.ini) is on Debian/RPM installs. */
export const GRAFANA_HOMES = ['/usr/share/grafana', '/usr/local/share/grafana'] as const;

/** Pushgateway flags: persisted to the state directory so a restart keeps pushed groups. */
export function pushgatewayArgs(stateDir: string, listen: string): string[] {
  return [`--web.listen-address=${listen}`, `--persistence.file=${join(stateDir, 'pushgateway', 'metrics.store')}`, '--persistence.interval=30s'];
}

/** Prometheus flags: the generated config, data in the state directory, 30 days kept. */
export function prometheusArgs(stateDir: string, configFile: string, listen: string): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(stateDir, 'prometheus', 'data')}`,
    `--web.listen-address=${listen}`,
    '--storage.tsdb.retention.time=30d',
  ];
}

/** The log file of one server in the state directory. */
export function logFileOf(stateDir: string, name: StackComponent): string {
  return join(stateDir, `${name}.log`);
}

/**
 * The seam between `aifb monitor` and where the stack runs. The local backend starts
 * processes on this machine; a Slurm backend (issue 6: orchestration) implements the same
 * interface with a batch job running the same binaries, its "pid" being the job id.
 */
export interface MonitorOptions {
  /** Where data, logs, generated configs and pid files live (e.g. .aifb/monitor). */
  stateDir: string;
  /** Listen address; 0.0.0.0 so the SSH tunnel and other nodes can reach the servers. */
  host: string;
  ports: { prometheus: number; pushgateway: number; grafana: number };
  /** Prometheus scrape interval, e.g. '5s' (default: the shipped prometheus.yml's). */
  scrapeInterval?: string | undefined;
  /** How long each server may take to become ready. */
  readyTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Progress lines for the user. */
  say(line: string): void;
}

export type ComponentState = 'running' | 'not ready' | 'stopped' | 'dead' | 'not installed';

export interface ComponentStatus {
  name: 'pushgateway' | 'prometheus' | 'grafana';
  state: ComponentState;
  url?: string;
  port?: number;
  pid?: number;
  /** Extra facts to print (log file, password file). */
  notes?: string[];
}

export interface MonitorBackend {
  /** Starts what is not running yet and waits until each is ready; stops what it started on failure. */
  up(o: MonitorOptions): Promise<ComponentStatus[]>;
  /** Stops what `up` started (and only that). */
  down(o: MonitorOptions): Promise<ComponentStatus[]>;
  status(o: MonitorOptions): Promise<ComponentStatus[]>;
}

import type { SlurmFields } from '../../launch/slurm/directives.js';
import type { StackComponent } from './components.js';

/**
 * The seam between `aifb monitor` and where the stack runs. The local backend starts
 * processes on this machine; the Slurm backend (slurm.ts) submits a batch job running
 * the same servers on a compute node, its job id recorded in the state directory.
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
  /** How `up --slurm` submits the job (status and down read the job from the state directory). */
  slurm?: SlurmMonitorSettings;
  /** Aborts a wait in `up` (Ctrl-C); what was started is then stopped. */
  signal?: AbortSignal;
}

export interface SlurmMonitorSettings {
  /** The job's sbatch options (partition, account, time, extra arguments). */
  fields: SlurmFields;
  /** Run the servers in Apptainer: image per component (a .sif path or docker:// reference). */
  images?: Readonly<Record<StackComponent, string>>;
  /** false: no Grafana, even when installed. */
  grafana: boolean;
  /** Longest time the job may wait in the queue. */
  queueTimeoutMs: number;
  /** argv that runs aifb on the compute node (port choice, configs, readiness checks). */
  aifb: string[];
}

export type ComponentState = 'running' | 'not ready' | 'stopped' | 'dead' | 'not installed';

export interface ComponentStatus {
  name: StackComponent;
  state: ComponentState;
  url?: string;
  port?: number;
  pid?: number;
  /** The Slurm job the server runs in (Slurm backend). */
  job?: string;
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

import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { RunError } from '../../errors.js';
import { writeGrafanaProvisioning, writePrometheusConfig } from './config.js';

/** The files the job's servers read, at fixed places in the state directory. */
export function jobConfigPaths(stateDir: string): { prometheusConfig: string; grafanaDir: string; grafanaProvisioning: string } {
  return {
    prometheusConfig: join(stateDir, 'prometheus', 'prometheus.yml'),
    grafanaDir: join(stateDir, 'grafana'),
    grafanaProvisioning: join(stateDir, 'grafana', 'provisioning'),
  };
}

function listen(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

/**
 * Ports for the servers on this node: each preferred port when it is free, else one the
 * system picks. Every port is held until all are chosen, so they differ from each other.
 * Another process may still take one before its server binds; that server then fails to
 * start and the job's readiness check reports it.
 */
export async function pickPorts(preferred: readonly number[], host = '0.0.0.0'): Promise<number[]> {
  const held: Server[] = [];
  try {
    const ports: number[] = [];
    for (const want of preferred) {
      const server = (await listen(want, host)) ?? (await listen(0, host));
      if (!server) throw new RunError(`no free port on ${host} for the monitoring stack`);
      held.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * What the Slurm job runs on its node before starting the servers: picks the ports and
 * writes the shipped prometheus.yml adapted to them (Prometheus scrapes the job's own
 * Pushgateway, as the local backend does) and Grafana's provisioning.
 */
export async function setUpJob(stateDir: string, preferred: { prometheus: number; pushgateway: number; grafana: number }, scrapeInterval?: string) {
  const [prometheus, pushgateway, grafana] = await pickPorts([preferred.prometheus, preferred.pushgateway, preferred.grafana]);
  const paths = jobConfigPaths(stateDir);
  writePrometheusConfig(join(stateDir, 'prometheus'), {
    targets: { pushgateway: [`127.0.0.1:${pushgateway}`], prometheus: [`127.0.0.1:${prometheus}`] },
    scrapeInterval,
  });
  writeGrafanaProvisioning(paths.grafanaDir, `http://127.0.0.1:${prometheus}`, scrapeInterval);
  return { prometheus: prometheus!, pushgateway: pushgateway!, grafana: grafana! };
}

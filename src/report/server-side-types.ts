/**
 * What the service's server said about itself while the load ran (docs/metrics.md,
 * "Server side"), beside what aifb measured: durations in seconds as elsewhere.
 */
export interface ServerSideReport {
  source: string | null;
  interval_seconds: number | null;
  scrapes: number;
  failures: number;
  /** Why scrapes failed (the last failure's text); with no scrape at all, why there is nothing. */
  error: string | null;
  /** Each counter's increase between the first and the last scrape (a server restart's reset is counted from zero), and per second. */
  counters: Record<string, { increase: number; per_second: number | null }>;
  /** Each gauge over the scrapes. */
  gauges: Record<string, { mean: number; max: number; last: number }>;
  /** The server's per-request figures next to the client's (means; null where the server does not say). */
  beside_client: {
    requests_server: number | null;
    requests_client: number;
    queue_mean: number | null;
    prefill_mean: number | null;
    compute_mean: number | null;
    ttft_mean_server: number | null;
    ttft_mean_client: number | null;
    batch_size_mean: number | null;
    prompt_tokens_server: number | null;
    input_tokens_client: number | null;
    generation_tokens_server: number | null;
    output_tokens_client: number | null;
  };
  /** Gauges over time: `t` in seconds from the service's window start. */
  timeseries: { t: number[]; series: Record<string, (number | null)[]> };
}

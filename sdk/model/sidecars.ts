/** How every instance's Envoy sidecar runs. */
export interface SidecarProps {
  /**
   * Envoy worker threads per sidecar (Envoy's `--concurrency`). Envoy's own default is one per
   * hardware thread of the host, which on a shared host puts every sidecar's workers (and
   * their wake-ups) beside every other's: on a 2-core host with two sidecars, one worker each
   * cut the added p99 at 500 QPS (bench/mesh). Raise it for a service that takes many
   * thousands of requests per second on a host of its own.
   * @default 1
   */
  readonly workers?: number;
}

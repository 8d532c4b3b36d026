/** Full image references (name and tag) for every container the plan starts. */
export interface ImageSet {
  /** Consul server and per-instance client agents. ENTRYPOINT `["consul"]`. @default "meshwright/consul:1.16.3" */
  readonly consul: string;
  /** Consul + Envoy; ENTRYPOINT `["consul","connect","envoy"]`. @default "meshwright/sidecar:1.16.3-envoy1.40.0" */
  readonly sidecar: string;
  /**
   * Keycloak built for PostgreSQL (`kc.sh build --db=postgres`), started with
   * `start --optimized --import-realm`; for `identity.database: "postgres"`.
   * @default "meshwright/keycloak:26.7.3"
   */
  readonly keycloak: string;
  /**
   * Keycloak built for its embedded dev-file database (`kc.sh build --db=dev-file`); for
   * `identity.database: "embedded"`. @default "meshwright/keycloak:26.7.3-embedded"
   */
  readonly keycloakEmbedded: string;
  /**
   * PostgreSQL, Keycloak's database with `identity.database: "postgres"`. The entrypoint makes
   * the cluster on the first start: role and database from `POSTGRES_USER`/`POSTGRES_DB`, password
   * from `POSTGRES_PASSWORD` (or `POSTGRES_PASSWORD_FILE`), data in `PGDATA`.
   * @default "meshwright/postgres:15"
   */
  readonly postgres: string;
  /** Prometheus; ENTRYPOINT `["prometheus"]`. @default "meshwright/prometheus:3.5.1" */
  readonly prometheus: string;
  /** The test workload app; ENTRYPOINT `["workload"]`. @default "meshwright/workload:0.5.0" */
  readonly workload: string;
  /** Zipkin server with in-memory storage, only started when tracing is on. @default "meshwright/zipkin:3.6.1" */
  readonly zipkin: string;
}

/** The image tags the harness and infra build by default. */
export const DEFAULT_IMAGES: ImageSet = {
  consul: "meshwright/consul:1.16.3",
  sidecar: "meshwright/sidecar:1.16.3-envoy1.40.0",
  keycloak: "meshwright/keycloak:26.7.3",
  keycloakEmbedded: "meshwright/keycloak:26.7.3-embedded",
  postgres: "meshwright/postgres:15",
  prometheus: "meshwright/prometheus:3.5.1",
  workload: "meshwright/workload:0.5.0",
  zipkin: "meshwright/zipkin:3.6.1",
};

/**
 * A service's app: the user's own image or Dockerfile build. Omitted, a service runs
 * meshwright's workload (a controllable test service).
 *
 * Every app container, whatever its image, gets the app contract as environment variables
 * (its listen address, upstream URLs, OAuth client, issuer, trace headers: the table is in
 * sdk/README.md), shares its instance's network namespace with an Envoy sidecar, and must
 * listen on `LISTEN_ADDR` (`127.0.0.1:<port>`), so that only the sidecar reaches it.
 *
 * ```ts
 * mesh.service("catalog", {
 *   port: 8000,
 *   app: { build: { context: "apps/catalog" }, env: { LOG_LEVEL: "info" }, secretEnv: { DB_PASSWORD: { secret: "catalog-db" } } },
 * });
 * ```
 */
export type AppProps = ImageApp | BuildApp;

/** An app from an image that exists on the Docker engine (meshwright pulls nothing). */
export interface ImageApp extends AppSettings {
  /** Image reference, e.g. `registry.example/team/api:1.4.2` or `api@sha256:…`. */
  readonly image: string;
  readonly build?: never;
}

/** An app built from a Dockerfile by the realizer (`pulumi up` or the harness), tagged by content. */
export interface BuildApp extends AppSettings {
  readonly build: AppBuild;
  readonly image?: never;
}

/** A Docker build. */
export interface AppBuild {
  /**
   * Build context folder. Absolute, or relative to the working directory of the process that
   * realizes the mesh (the Pulumi project, or the test runner's root); prefer
   * `path.join(__dirname, "…")`.
   */
  readonly context: string;
  /** Dockerfile path inside the context. @default "Dockerfile" */
  readonly dockerfile?: string;
  /** `--build-arg`s. Not for secrets: build args end up in the image's history. */
  readonly args?: Readonly<Record<string, string>>;
  /** Multi-stage build target. */
  readonly target?: string;
}

/** What runs and with which settings; shared by both app kinds. */
export interface AppSettings {
  /** Replaces the image's ENTRYPOINT (as Kubernetes' `command`). */
  readonly command?: readonly string[];
  /** Replaces the image's CMD (as Kubernetes' `args`). */
  readonly args?: readonly string[];
  /**
   * Plain environment variables (on top of the app contract's, which they may not replace).
   * Values are stored in plain text in the plan and in Pulumi state: put credentials in
   * {@link secretEnv}; validation refuses secret-looking values here.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables whose values are secrets: never in the plan, kept as Pulumi secrets,
   * generated randomly once per stack (or per harness run) unless supplied.
   */
  readonly secretEnv?: Readonly<Record<string, SecretEnvRef>>;
  /** Config files written into the container before it starts (mode 0444 unless set). */
  readonly files?: readonly AppFile[];
  /** User the app runs as (`name`, `uid` or `uid:gid`). @default the image's */
  readonly user?: string;
  /** CPU and memory limits. @default none */
  readonly resources?: AppResources;
}

/** A secret environment variable's value: a named secret of the mesh. */
export interface SecretEnvRef {
  /**
   * Secret name (lowercase letters, digits, `.`, `_`, `-`). Services that name the same secret
   * get the same value, e.g. a database and its clients sharing a password.
   */
  readonly secret: string;
  /**
   * `generate`: the realizer makes a random value (32 hex characters) unless one is supplied.
   * `supplied`: the realizer must be given it (`MeshStack` `secrets`, `startMesh` `secrets`).
   * @default "generate"
   */
  readonly source?: "generate" | "supplied";
}

/** A file written into the app container. */
export interface AppFile {
  /** Absolute path inside the container. */
  readonly path: string;
  /** File content (UTF-8). */
  readonly content: string;
  /** Unix permission bits. @default 0o444 (read-only) */
  readonly mode?: number;
}

/** Resource limits of each app container. */
export interface AppResources {
  /** CPU limit in cores, e.g. `0.5`. */
  readonly cpus?: number;
  /** Memory limit in MiB (at least 6), swap included: the app gets no swap beyond it. */
  readonly memoryMiB?: number;
}

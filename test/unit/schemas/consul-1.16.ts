import { z } from "zod";

/**
 * Consul 1.16 config entry fields, transcribed from the v1.16 reference docs
 * (website/content/docs/connect/config-entries/*.mdx) and `api/config_entry*.go`. Strict
 * objects: a misspelt or unknown field fails, as `consul config write` would reject or ignore it.
 * Only the fields meshwright may emit are listed; the docs list more.
 */
const duration = z.string().regex(/^\d+(ms|s|m|h)$/);
const strictArray = <T extends z.ZodType>(t: T) => z.array(t).min(1);

const passiveHealthCheck = z.strictObject({
  Interval: duration.optional(),
  MaxFailures: z.number().int().min(1),
  EnforcingConsecutive5xx: z.number().int().min(0).max(100).optional(),
  MaxEjectionPercent: z.number().int().min(0).max(100).optional(),
  BaseEjectionTime: duration.optional(),
});
const limits = z.strictObject({
  MaxConnections: z.number().int().optional(),
  MaxPendingRequests: z.number().int().optional(),
  MaxConcurrentRequests: z.number().int().optional(),
});

export const proxyDefaults = z.strictObject({
  Kind: z.literal("proxy-defaults"),
  Name: z.literal("global"),
  Config: z.record(z.string(), z.string()).optional(),
  AccessLogs: z
    .strictObject({
      Enabled: z.boolean(),
      Type: z.enum(["stdout", "stderr", "file"]).optional(),
      // a JSON object of Envoy format strings, as a string; exclusive with TextFormat
      JSONFormat: z
        .string()
        .refine((t) => {
          try {
            return typeof JSON.parse(t) === "object";
          } catch {
            return false;
          }
        }, "JSONFormat must be a JSON object")
        .optional(),
    })
    .optional(),
  EnvoyExtensions: strictArray(
    z.union([
      z.strictObject({
        Name: z.literal("builtin/lua"),
        Required: z.boolean().optional(),
        Arguments: z.strictObject({ ProxyType: z.literal("connect-proxy"), Listener: z.enum(["inbound", "outbound"]), Script: z.string().min(1) }),
      }),
      z.strictObject({
        Name: z.literal("builtin/property-override"),
        Required: z.boolean().optional(),
        Arguments: z.strictObject({
          ProxyType: z.literal("connect-proxy").optional(),
          Debug: z.boolean().optional(),
          Patches: strictArray(
            z.strictObject({
              ResourceFilter: z.strictObject({
                ResourceType: z.enum(["cluster", "cluster-load-assignment", "listener", "route"]),
                TrafficDirection: z.enum(["inbound", "outbound"]),
                Services: strictArray(z.strictObject({ Name: z.string() })).optional(),
              }),
              Op: z.enum(["add", "remove"]),
              // A JSON Pointer into the Envoy resource; members of repeated and map fields are not addressable.
              Path: z.string().regex(/^(\/[a-z_0-9]+)+$/),
              Value: z.unknown().optional(),
            }),
          ),
        }),
      }),
    ]),
  ).optional(),
});

const headerModifiers = z.strictObject({
  Add: z.record(z.string(), z.string()).optional(),
  Set: z.record(z.string(), z.string()).optional(),
  Remove: z.array(z.string().regex(/^[a-z0-9-]+$/)).optional(),
});

export const meshEntry = z.strictObject({
  Kind: z.literal("mesh"),
  Name: z.literal("mesh"),
  AllowEnablingPermissiveMutualTLS: z.boolean().optional(),
  TransparentProxy: z.strictObject({ MeshDestinationsOnly: z.boolean() }).optional(),
  TLS: z
    .strictObject({
      Incoming: z.strictObject({ TLSMinVersion: z.enum(["TLS_AUTO", "TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3"]).optional() }).optional(),
      Outgoing: z.strictObject({ TLSMinVersion: z.enum(["TLS_AUTO", "TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3"]).optional() }).optional(),
    })
    .optional(),
  HTTP: z.strictObject({ SanitizeXForwardedClientCert: z.boolean() }).optional(),
});

export const serviceDefaults = z.strictObject({
  Kind: z.literal("service-defaults"),
  Name: z.string(),
  Protocol: z.enum(["tcp", "http", "http2", "grpc"]),
  UpstreamConfig: z
    .strictObject({
      Overrides: strictArray(z.strictObject({ Name: z.string(), PassiveHealthCheck: passiveHealthCheck.optional(), Limits: limits.optional() })),
    })
    .optional(),
});

const hashPolicy = z.union([
  z.strictObject({ SourceIP: z.literal(true), Terminal: z.boolean().optional() }),
  z.strictObject({
    Field: z.enum(["header", "cookie", "query_parameter"]),
    FieldValue: z.string().min(1),
    CookieConfig: z.strictObject({ Session: z.boolean().optional(), TTL: duration.optional(), Path: z.string().optional() }).optional(),
    Terminal: z.boolean().optional(),
  }),
]);

export const serviceResolver = z
  .strictObject({
    Kind: z.literal("service-resolver"),
    Name: z.string(),
    ConnectTimeout: duration.optional(),
    DefaultSubset: z.string().optional(),
    Subsets: z.record(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/), z.strictObject({ Filter: z.string(), OnlyPassing: z.boolean() })).optional(),
    Failover: z.record(z.string(), z.union([z.strictObject({ ServiceSubset: z.string() }), z.strictObject({ Service: z.string() })])).optional(),
    LoadBalancer: z
      .strictObject({
        Policy: z.enum(["random", "round_robin", "least_request", "ring_hash", "maglev"]),
        LeastRequestConfig: z.strictObject({ ChoiceCount: z.number().int().min(2) }).optional(),
        RingHashConfig: z.strictObject({ MinimumRingSize: z.number().int().optional(), MaximumRingSize: z.number().int().optional() }).optional(),
        HashPolicies: z.array(hashPolicy).optional(),
      })
      .refine((lb) => !lb.HashPolicies || ["ring_hash", "maglev"].includes(lb.Policy), "HashPolicies need ring_hash or maglev")
      .refine((lb) => !lb.LeastRequestConfig || lb.Policy === "least_request", "LeastRequestConfig needs least_request")
      .optional(),
  })
  .refine((r) => !r.DefaultSubset || (r.Subsets && r.DefaultSubset in r.Subsets), "DefaultSubset must name a subset");

export const serviceSplitter = z
  .strictObject({
    Kind: z.literal("service-splitter"),
    Name: z.string(),
    Splits: strictArray(z.strictObject({ Weight: z.number().min(0).max(100), ServiceSubset: z.string().optional(), Service: z.string().optional() })),
  })
  .refine((s) => Math.round(s.Splits.reduce((a, b) => a + b.Weight, 0) * 100) === 10000, "split weights must sum to 100");

export const serviceRouter = z.strictObject({
  Kind: z.literal("service-router"),
  Name: z.string(),
  Routes: strictArray(
    z.strictObject({
      Match: z.strictObject({ HTTP: z.strictObject({ PathPrefix: z.string().startsWith("/") }) }),
      Destination: z.strictObject({
        Service: z.string().optional(),
        RequestTimeout: duration.optional(),
        NumRetries: z.number().int().min(0).optional(),
        RetryOn: z
          .array(
            z.enum([
              "5xx",
              "gateway-error",
              "reset",
              "connect-failure",
              "envoy-ratelimited",
              "retriable-4xx",
              "refused-stream",
              "cancelled",
              "deadline-exceeded",
              "internal",
              "resource-exhausted",
              "unavailable",
            ]),
          )
          .optional(),
        RetryOnStatusCodes: z.array(z.number().int()).optional(),
        RequestHeaders: headerModifiers.optional(),
        ResponseHeaders: headerModifiers.optional(),
      }),
    }),
  ),
});

const jwtRequirement = z.strictObject({
  Providers: strictArray(
    z.strictObject({ Name: z.string(), VerifyClaims: z.array(z.strictObject({ Path: z.array(z.string()).min(1), Value: z.string() })).optional() }),
  ),
});
const header = z.strictObject({
  Name: z.string(),
  Present: z.boolean().optional(),
  Exact: z.string().optional(),
  Prefix: z.string().optional(),
  Suffix: z.string().optional(),
  Regex: z.string().optional(),
  Invert: z.boolean().optional(),
});
const permission = z.strictObject({
  Action: z.enum(["allow", "deny"]),
  HTTP: z
    .strictObject({
      PathExact: z.string().optional(),
      PathPrefix: z.string().optional(),
      PathRegex: z.string().optional(),
      Methods: z.array(z.string()).optional(),
      Header: z.array(header).optional(),
    })
    .refine((h) => [h.PathExact, h.PathPrefix, h.PathRegex].filter((x) => x !== undefined).length <= 1, "at most one path matcher")
    .refine((h) => Object.keys(h).length > 0, "HTTP must match something"),
  JWT: jwtRequirement.optional(),
});
export const serviceIntentions = z.strictObject({
  Kind: z.literal("service-intentions"),
  Name: z.string(),
  Sources: strictArray(
    z.union([
      z.strictObject({ Name: z.string(), Action: z.enum(["allow", "deny"]) }),
      z.strictObject({ Name: z.string(), Permissions: strictArray(permission) }),
    ]),
  ),
});

export const jwtProvider = z.strictObject({
  Kind: z.literal("jwt-provider"),
  Name: z.string(),
  Issuer: z.string().url(),
  JSONWebKeySet: z.strictObject({
    Remote: z.strictObject({
      URI: z.string().url(),
      RequestTimeoutMs: z.number().int().optional(),
      // CacheDuration exists in 1.16 but reaches Envoy in the wrong unit: the compiler must not emit it.
      FetchAsynchronously: z.boolean().optional(),
      RetryPolicy: z.strictObject({ NumRetries: z.number().int() }).optional(),
      JWKSCluster: z
        .strictObject({ DiscoveryType: z.enum(["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"]), ConnectTimeout: duration.optional() })
        .optional(),
    }),
  }),
  Audiences: z.array(z.string()).optional(),
  Locations: z
    .array(z.strictObject({ Header: z.strictObject({ Name: z.string(), ValuePrefix: z.string().optional(), Forward: z.boolean().optional() }) }))
    .optional(),
  ClockSkewSeconds: z.number().int().optional(),
});

export const ingressGateway = z.strictObject({
  Kind: z.literal("ingress-gateway"),
  Name: z.string(),
  Listeners: strictArray(
    z
      .strictObject({
        Port: z.number().int(),
        Protocol: z.enum(["tcp", "http", "http2", "grpc"]),
        Services: strictArray(
          z.strictObject({
            Name: z.string(),
            Hosts: z.array(z.string()).optional(),
            RequestHeaders: headerModifiers.optional(),
            ResponseHeaders: headerModifiers.optional(),
          }),
        ),
      })
      .refine((l) => l.Protocol !== "tcp" || l.Services.every((s) => !s.Hosts), "tcp listeners cannot set Hosts")
      .refine((l) => !l.Services.some((s) => s.Hosts?.includes("*")) || l.Services.length === 1, "a wildcard host must be the listener's only service"),
  ),
});

/** Schema by `Kind`. */
export const CONFIG_ENTRY_SCHEMAS: Record<string, z.ZodType> = {
  "proxy-defaults": proxyDefaults,
  mesh: meshEntry,
  "service-defaults": serviceDefaults,
  "service-resolver": serviceResolver,
  "service-splitter": serviceSplitter,
  "service-router": serviceRouter,
  "service-intentions": serviceIntentions,
  "jwt-provider": jwtProvider,
  "ingress-gateway": ingressGateway,
};

/** Agent config file keys (snake_case) from the Consul 1.16 agent configuration reference. */
export const agentConfig = z.strictObject({
  datacenter: z.string(),
  // optional: the servers share one file and take their names from `-node`
  node_name: z.string().optional(),
  data_dir: z.string(),
  server: z.boolean(),
  bootstrap_expect: z.number().int().optional(),
  retry_join: z.array(z.string()).optional(),
  bind_addr: z.string(),
  client_addr: z.string(),
  ports: z.strictObject({ http: z.number().int(), https: z.number().int().optional(), grpc: z.number().int(), grpc_tls: z.number().int().optional() }),
  connect: z.strictObject({ enabled: z.boolean() }).optional(),
  ui_config: z.strictObject({ enabled: z.boolean() }).optional(),
  performance: z.strictObject({ raft_multiplier: z.number().int().min(1).max(10) }).optional(),
  log_level: z.enum(["TRACE", "DEBUG", "INFO", "WARN", "ERR"]),
  leave_on_terminate: z.boolean().optional(),
  disable_update_check: z.boolean().optional(),
  config_entries: z.strictObject({ bootstrap: z.array(z.record(z.string(), z.unknown())) }).optional(),
  acl: z.strictObject({
    enabled: z.boolean(),
    default_policy: z.enum(["allow", "deny"]),
    down_policy: z.enum(["allow", "deny", "extend-cache", "async-cache"]).optional(),
    enable_token_persistence: z.boolean().optional(),
    tokens: z.strictObject({ initial_management: z.string().optional(), agent: z.string().optional(), default: z.string().optional() }).optional(),
  }),
  encrypt: z.string(),
  encrypt_verify_incoming: z.boolean(),
  encrypt_verify_outgoing: z.boolean(),
  http_config: z.strictObject({ block_endpoints: z.array(z.string().startsWith("/v1/")).optional() }).optional(),
  tls: z.strictObject({
    defaults: z.strictObject({
      ca_file: z.string(),
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
      verify_incoming: z.boolean().optional(),
      verify_outgoing: z.boolean().optional(),
    }),
    internal_rpc: z.strictObject({ verify_incoming: z.boolean().optional(), verify_server_hostname: z.boolean().optional() }).optional(),
    https: z.strictObject({ verify_incoming: z.boolean().optional() }).optional(),
    grpc: z.strictObject({ verify_incoming: z.boolean().optional() }).optional(),
  }),
  auto_encrypt: z.union([z.strictObject({ allow_tls: z.boolean() }), z.strictObject({ tls: z.boolean() })]),
  telemetry: z.strictObject({ prometheus_retention_time: duration, disable_hostname: z.boolean() }).optional(),
  services: z.array(z.unknown()).optional(),
});

/** Service definition keys from the Consul 1.16 service definition reference. */
export const serviceDefinition = z.strictObject({
  id: z.string(),
  name: z.string(),
  port: z.number().int(),
  tags: z.array(z.string()),
  meta: z.record(z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/), z.string().max(512)),
  weights: z.strictObject({ passing: z.number().int().min(1), warning: z.number().int().min(1) }),
  token: z.string(),
  checks: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      http: z.string().url().optional(),
      method: z.string().optional(),
      tcp: z.string().optional(),
      interval: duration,
      timeout: duration,
    }),
  ),
  connect: z.strictObject({
    sidecar_service: z.strictObject({
      port: z.number().int(),
      weights: z.strictObject({ passing: z.number().int().min(1), warning: z.number().int().min(1) }),
      checks: z.array(
        z.union([
          z.strictObject({
            name: z.string(),
            tcp: z.string(),
            interval: z.string(),
            timeout: z.string(),
            status: z.enum(["passing", "warning", "critical"]),
          }),
          z.strictObject({ name: z.string(), alias_service: z.string() }),
        ]),
      ),
      proxy: z.strictObject({
        config: z.record(z.string(), z.string()).optional(),
        local_service_address: z.string(),
        local_service_port: z.number().int(),
        upstreams: z.array(z.strictObject({ destination_name: z.string(), local_bind_address: z.string(), local_bind_port: z.number().int() })),
        expose: z.strictObject({
          paths: z.array(
            z.strictObject({
              path: z.string().startsWith("/"),
              local_path_port: z.number().int(),
              listener_port: z.number().int(),
              protocol: z.enum(["http", "http2"]),
            }),
          ),
        }),
      }),
    }),
  }),
});

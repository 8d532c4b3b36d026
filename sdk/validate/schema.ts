import { z } from "zod";
import { HTTP_METHODS } from "../model/access";
import { RETRY_CONDITIONS } from "../model/resilience";

// Shape only: types, enums, integer ranges, unknown keys. Meaning (names, durations,
// references, combinations) is checked by the rules, so one bad field never hides others.
const port = z.number().int().min(1).max(65535);
const duration = z.string();
const stringMap = z.record(z.string(), z.string());

const headerMatch = z.strictObject({
  name: z.string().min(1),
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  contains: z.string().optional(),
  regex: z.string().optional(),
  ignoreCase: z.boolean().optional(),
  invert: z.boolean().optional(),
});

const headerEdits = z.strictObject({
  add: stringMap.optional(),
  set: stringMap.optional(),
  remove: z.array(z.string().min(1)).optional(),
});

const retries = z.strictObject({
  attempts: z.number().int().min(0).max(25),
  on: z.array(z.enum(RETRY_CONDITIONS as [string, ...string[]])).optional(),
  onStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
  perTryTimeout: duration.optional(),
});

// Match and action of a route, shared by in-mesh and ingress routes.
const routeFields = {
  pathPrefix: z.string().optional(),
  pathExact: z.string().optional(),
  pathRegex: z.string().optional(),
  headers: z.array(headerMatch).optional(),
  queryParams: z.array(z.strictObject({ name: z.string().min(1), exact: z.string().optional(), regex: z.string().optional() })).optional(),
  methods: z.array(z.enum(HTTP_METHODS as [string, ...string[]])).optional(),
  subset: z.string().optional(),
  prefixRewrite: z.string().optional(),
  requestTimeout: duration.optional(),
  retries: retries.optional(),
  requestHeaders: headerEdits.optional(),
  responseHeaders: headerEdits.optional(),
};

const split = z.strictObject({
  subset: z.string(),
  weight: z.number().min(0),
  requestHeaders: headerEdits.optional(),
  responseHeaders: headerEdits.optional(),
});

const hashPolicy = z.strictObject({
  sourceIp: z.literal(true).optional(),
  header: z.string().optional(),
  cookie: z.string().optional(),
  queryParameter: z.string().optional(),
  ttl: duration.optional(),
  path: z.string().optional(),
  session: z.boolean().optional(),
  terminal: z.boolean().optional(),
});

// One object for every policy, so "hashPolicies on round_robin" is a rule with a hint rather
// than an opaque union mismatch.
const loadBalancing = z.strictObject({
  policy: z.enum(["round_robin", "random", "least_request", "weighted", "ring_hash", "maglev"]),
  choiceCount: z.number().int().min(2).max(100).optional(),
  splits: z.array(split).optional(),
  hashPolicies: z.array(hashPolicy).optional(),
  minimumRingSize: z.number().int().min(1).optional(),
  maximumRingSize: z.number().int().min(1).optional(),
});

const outlierDetection = z.strictObject({
  consecutive5xx: z.number().int().min(1),
  interval: duration.optional(),
  baseEjectionTime: duration.optional(),
  maxEjectionPercent: z.number().int().min(0).max(100).optional(),
  enforcingPercent: z.number().int().min(0).max(100).optional(),
});

const connectionLimits = z.strictObject({
  maxConnections: z.number().int().min(1).optional(),
  maxPendingRequests: z.number().int().min(1).optional(),
  maxConcurrentRequests: z.number().int().min(1).optional(),
});

const resilience = z.strictObject({
  requestTimeout: duration.optional(),
  retries: retries.optional(),
  outlierDetection: outlierDetection.optional(),
  connectionLimits: connectionLimits.optional(),
  connectTimeout: duration.optional(),
});

const instance = z.strictObject({
  weight: z.number().int().min(1).max(65535).optional(),
  tags: z.array(z.string()).optional(),
  subset: z.string().optional(),
  meta: stringMap.optional(),
  version: z.string().optional(),
  env: stringMap.optional(),
});

const appSettings = {
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  secretEnv: z.record(z.string(), z.strictObject({ secret: z.string(), source: z.enum(["generate", "supplied"]).optional() })).optional(),
  files: z.array(z.strictObject({ path: z.string(), content: z.string(), mode: z.number().int().min(0).max(0o7777).optional() })).optional(),
  user: z.string().optional(),
  resources: z.strictObject({ cpus: z.number().positive().optional(), memoryMiB: z.number().int().positive().optional() }).optional(),
};

// One object for both kinds, so "image and build" or "neither" is a rule with a hint.
const app = z.strictObject({
  image: z.string().optional(),
  build: z
    .strictObject({
      context: z.string(),
      dockerfile: z.string().optional(),
      args: stringMap.optional(),
      target: z.string().optional(),
    })
    .optional(),
  ...appSettings,
});

const healthCheck = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("http"), path: z.string().optional(), interval: duration.optional(), timeout: duration.optional() }),
    z.strictObject({ kind: z.literal("tcp"), interval: duration.optional(), timeout: duration.optional() }),
  ],
  { error: 'healthCheck must be { kind: "http", path?, interval?, timeout? } or { kind: "tcp", interval?, timeout? }' },
);

const accessRule = z.strictObject({
  paths: z.array(z.string()).optional(),
  exactPaths: z.array(z.string()).optional(),
  pathRegex: z.string().optional(),
  methods: z.array(z.enum(HTTP_METHODS as [string, ...string[]])).optional(),
  headers: z.array(headerMatch).optional(),
  scopes: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  claims: stringMap.optional(),
});

/** Shape of one service. */
export const serviceSchema = z.strictObject({
  name: z.string(),
  app: app.optional(),
  port: port.optional(),
  protocol: z.enum(["http", "grpc", "tcp"]).optional(),
  instances: z
    .union([z.number().int().min(0).max(1000), z.array(instance)], { error: "instances must be a whole number (0-1000) or a list of instance props" })
    .optional(),
  healthCheck: healthCheck.optional(),
  upstreams: z
    .array(
      z.strictObject({
        service: z.string(),
        localPort: port.optional(),
        loadBalancing: loadBalancing.optional(),
        resilience: z.strictObject({ outlierDetection: outlierDetection.optional(), connectionLimits: connectionLimits.optional() }).optional(),
      }),
    )
    .optional(),
  meta: stringMap.optional(),
  tags: z.array(z.string()).optional(),
  version: z.string().optional(),
  loadBalancing: loadBalancing.optional(),
  splits: z.array(split).optional(),
  defaultSubset: z.string().optional(),
  onlyPassing: z.boolean().optional(),
  routes: z.array(z.strictObject({ service: z.string().optional(), ...routeFields })).optional(),
  resilience: resilience.optional(),
  failover: z
    .strictObject({
      subset: z.string().optional(),
      service: z.string().optional(),
      targets: z.array(z.strictObject({ service: z.string().optional(), subset: z.string().optional() })).optional(),
    })
    .optional(),
  identity: z
    .strictObject({
      scopes: z.array(z.string()).optional(),
      roles: z.array(z.string()).optional(),
      tokenLifetimeSeconds: z.number().int().min(5).max(86400).optional(),
    })
    .optional(),
  access: z.array(z.strictObject({ caller: z.string(), action: z.enum(["allow", "deny"]), rule: accessRule.optional() })).optional(),
});

/** Shape of one ingress gateway. */
export const ingressSchema = z.strictObject({
  name: z.string(),
  listeners: z.array(
    z.strictObject({
      port,
      protocol: z.enum(["http", "tcp"]).optional(),
      routes: z.array(z.strictObject({ host: z.string().optional(), service: z.string(), ...routeFields })),
    }),
  ),
});

const named = z.union([z.string(), z.strictObject({ name: z.string(), description: z.string().optional() })], {
  error: "expected a name or { name, description }",
});

/** Shape of the mesh-wide settings (services and ingresses are checked one by one). */
export const meshSchema = z.strictObject({
  name: z.string(),
  datacenter: z.string().optional(),
  images: z
    .strictObject({
      consul: z.string().optional(),
      sidecar: z.string().optional(),
      keycloak: z.string().optional(),
      keycloakEmbedded: z.string().optional(),
      postgres: z.string().optional(),
      prometheus: z.string().optional(),
      workload: z.string().optional(),
      zipkin: z.string().optional(),
    })
    .optional(),
  identity: z
    .strictObject({
      realm: z.string().optional(),
      url: z.string().optional(),
      issuer: z.string().optional(),
      scopes: z.array(named).optional(),
      roles: z.array(named).optional(),
      users: z
        .array(
          z.strictObject({
            username: z.string(),
            roles: z.array(z.string()).optional(),
            scopes: z.array(z.string()).optional(),
          }),
        )
        .optional(),
      database: z.enum(["postgres", "embedded"]).optional(),
      accessTokenLifespanSeconds: z.number().int().min(10).optional(),
      unsafePasswordGrantClient: z.boolean().optional(),
      webApps: z
        .array(
          z.strictObject({
            clientId: z.string(),
            service: z.string(),
            origins: z.array(z.string()).optional(),
            redirectUris: z.array(z.string()).optional(),
            scopes: z.array(z.string()).optional(),
            accessTokenLifetimeSeconds: z.number().int().min(10).max(86400).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  telemetry: z
    .strictObject({
      metrics: z.boolean().optional(),
      accessLogs: z.boolean().optional(),
      tracing: z.strictObject({ sampleRate: z.number().min(0).max(1) }).optional(),
      scrapeInterval: duration.optional(),
    })
    .optional(),
  sidecars: z.strictObject({ workers: z.number().int().min(1).max(64).optional() }).optional(),
  consul: z.strictObject({ servers: z.number().int().optional() }).optional(),
  services: z.array(z.unknown()),
  ingresses: z.array(z.unknown()).optional(),
});

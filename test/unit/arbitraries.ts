import fc from "fast-check";
import type { LoadBalancing, MeshSpec, ServiceSpec } from "../../sdk";

const RESERVED = new Set(["consul", "keycloak", "prometheus", "zipkin"]);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/).filter((n) => !RESERVED.has(n));
const duration = fc.tuple(fc.integer({ min: 1, max: 120 }), fc.constantFrom("ms", "s", "m")).map(([n, u]) => `${n}${u}` as `${number}s`);

function loadBalancing(protocol: string, subsets: string[]): fc.Arbitrary<LoadBalancing | undefined> {
  const l4: fc.Arbitrary<LoadBalancing | undefined>[] = [
    fc.constant(undefined),
    fc.constant({ policy: "round_robin" }),
    fc.constant({ policy: "random" }),
    fc.integer({ min: 2, max: 10 }).map((choiceCount) => ({ policy: "least_request", choiceCount })),
    fc.constant({ policy: "weighted" }),
  ];
  if (protocol === "tcp") return fc.oneof(...l4);
  const hashPolicy = fc.oneof(
    fc.constant({ sourceIp: true as const }),
    fc.constant({ header: "x-user-id" }),
    fc.constant({ cookie: "session", ttl: "1h" as const }),
    fc.constant({ queryParameter: "user" }),
  );
  return fc.oneof(
    ...l4,
    fc.array(hashPolicy, { minLength: 1, maxLength: 3 }).map((hashPolicies) => ({ policy: "ring_hash" as const, hashPolicies })),
    fc.array(hashPolicy, { minLength: 1, maxLength: 3 }).map((hashPolicies) => ({ policy: "maglev" as const, hashPolicies })),
    fc.array(fc.integer({ min: 1, max: 100 }), { minLength: subsets.length, maxLength: subsets.length }).map((w) => ({
      policy: "weighted" as const,
      splits: subsets.map((subset, i) => ({ subset, weight: w[i] ?? 1 })),
    })),
  );
}

/** A random mesh that passes validation. */
export const validMeshSpec: fc.Arbitrary<MeshSpec> = fc
  .record({
    names: fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
    meshName: name,
    withIdentity: fc.boolean(),
    tracing: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    metrics: fc.boolean(),
  })
  .chain(({ names, meshName, withIdentity, tracing, metrics }) =>
    fc
      .tuple(
        ...names.map((svc) =>
          fc
            .record({
              protocol: fc.constantFrom("http" as const, "grpc" as const, "tcp" as const),
              instances: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 10 }), canary: fc.boolean() }), { minLength: 1, maxLength: 4 }),
              upstreams: fc.subarray(names.filter((n) => n !== svc)),
              timeout: fc.option(duration, { nil: undefined }),
              retries: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
              outlier: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
              failover: fc.boolean(),
            })
            .chain((s) => {
              const subsets = [...new Set(s.instances.map((i) => (i.canary ? "canary" : "primary")))];
              return loadBalancing(s.protocol, subsets).map((lb): ServiceSpec => {
                const l7 = s.protocol !== "tcp";
                const hasBackup = s.failover && s.instances.length > 1;
                return {
                  name: svc,
                  protocol: s.protocol,
                  instances: s.instances.map((i, n) => ({
                    weight: i.weight,
                    subset: hasBackup && n === s.instances.length - 1 ? "backup" : i.canary ? "canary" : "primary",
                  })),
                  upstreams: s.upstreams.map((service) => ({ service })),
                  ...(lb && !(lb.policy === "weighted" && lb.splits && hasBackup) ? { loadBalancing: lb } : {}),
                  resilience: {
                    ...(l7 && s.timeout ? { requestTimeout: s.timeout } : {}),
                    ...(l7 && s.retries ? { retries: { attempts: s.retries } } : {}),
                    ...(s.outlier ? { outlierDetection: { consecutive5xx: s.outlier } } : {}),
                  },
                  ...(hasBackup ? { failover: { subset: "backup" } } : {}),
                  ...(withIdentity ? { identity: { scopes: ["read"] } } : {}),
                };
              });
            }),
        ),
      )
      .map((services): MeshSpec => {
        // each caller is allowed to call its upstreams, with an L7 rule where the protocol allows it
        const withAccess = services.map((s) => ({
          ...s,
          access: services
            .filter((c) => (c.upstreams ?? []).some((u) => u.service === s.name))
            .map((c) =>
              s.protocol === "tcp"
                ? { caller: c.name, action: "allow" as const }
                : { caller: c.name, action: "allow" as const, rule: { paths: ["/api"], ...(withIdentity ? { scopes: ["read"] } : {}) } },
            ),
        }));
        const first = services[0];
        const httpTargets = services.filter((s) => s.protocol === "http");
        return {
          name: meshName,
          ...(withIdentity ? { identity: { scopes: ["read"], roles: ["admin"], users: [{ username: "alice", roles: ["admin"] }] } } : {}),
          telemetry: { metrics, ...(tracing !== undefined ? { tracing: { sampleRate: tracing } } : {}) },
          services: withAccess,
          ingresses:
            first && httpTargets.length && !names.includes("edge")
              ? [
                  {
                    name: "edge",
                    listeners: [
                      { port: 8080, routes: httpTargets.map((s, i) => ({ host: "mesh.test", pathPrefix: i === 0 ? "/" : `/${s.name}`, service: s.name })) },
                    ],
                  },
                ]
              : [],
        };
      }),
  );

/** Every path (as keys) to a value inside `value`. */
export function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === "object") return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return here;
}

/** A deep copy of `root` with the value at `path` replaced. */
export function replaceAt(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = replacement;
  return copy;
}

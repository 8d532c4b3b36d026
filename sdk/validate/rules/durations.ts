import { parseDuration } from "../../model/duration";
import { at } from "../issues";
import { servicePath, type Rule } from "../context";

/** Every duration field reads as `<positive integer><ms|s|m|h>`. */
export const durationsAreValid: Rule = ({ mesh, services, ingresses, issues }) => {
  const check = (path: string, value: string | undefined) => {
    if (value === undefined || parseDuration(value) !== undefined) return;
    issues.add(path, `"${value}" is not a duration`, 'write a positive whole number with a unit: "250ms", "5s", "1m" or "1h"');
  };
  check("telemetry.scrapeInterval", mesh.telemetry?.scrapeInterval);
  for (const g of ingresses)
    g.listeners.forEach((l, i) =>
      l.routes.forEach((r, j) => check(at(`ingresses.${g.name}`, "listeners", i, "routes", j, "requestTimeout"), r.requestTimeout)),
    );
  for (const s of services) {
    const base = servicePath(s);
    check(at(base, "healthCheck", "interval"), s.healthCheck?.interval);
    check(at(base, "healthCheck", "timeout"), s.healthCheck?.timeout);
    const r = s.resilience;
    check(at(base, "resilience", "requestTimeout"), r?.requestTimeout);
    check(at(base, "resilience", "connectTimeout"), r?.connectTimeout);
    check(at(base, "resilience", "retries", "perTryTimeout"), r?.retries?.perTryTimeout);
    check(at(base, "resilience", "outlierDetection", "interval"), r?.outlierDetection?.interval);
    check(at(base, "resilience", "outlierDetection", "baseEjectionTime"), r?.outlierDetection?.baseEjectionTime);
    const hashTtls = (lbPath: string, lb: typeof s.loadBalancing) => {
      const policies = lb && "hashPolicies" in lb ? (lb.hashPolicies ?? []) : [];
      policies.forEach((h, i) => check(at(lbPath, "hashPolicies", i, "ttl"), "ttl" in h ? h.ttl : undefined));
    };
    hashTtls(at(base, "loadBalancing"), s.loadBalancing);
    (s.routes ?? []).forEach((r, i) => check(at(base, "routes", i, "requestTimeout"), r.requestTimeout));
    (s.upstreams ?? []).forEach((u, i) => {
      check(at(base, "upstreams", i, "resilience", "outlierDetection", "interval"), u.resilience?.outlierDetection?.interval);
      check(at(base, "upstreams", i, "resilience", "outlierDetection", "baseEjectionTime"), u.resilience?.outlierDetection?.baseEjectionTime);
      hashTtls(at(base, "upstreams", i, "loadBalancing"), u.loadBalancing);
    });
  }
};

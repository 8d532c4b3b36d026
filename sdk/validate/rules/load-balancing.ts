import { checkHeaderEdits } from "./routing";
import type { SubsetSplit } from "../../model/load-balancing";
import type { LoadBalancing } from "../../model/load-balancing";
import type { ServiceSpec } from "../../model/spec";
import { canonical } from "../../util/canonical";
import { at } from "../issues";
import { instanceSubsets, protocolOf, servicePath, type Rule, type RuleContext } from "../context";

const HASHING = new Set(["ring_hash", "maglev"]);

/** Each load-balancing setting is internally consistent and fits the service's protocol. */
export const loadBalancingIsConsistent: Rule = (context) => {
  const byName = new Map(context.services.map((s) => [s.name, s]));
  for (const s of context.services) {
    if (s.loadBalancing) checkOne(context, at(servicePath(s), "loadBalancing"), s.loadBalancing, s);
    (s.upstreams ?? []).forEach((u, i) => {
      const target = byName.get(u.service);
      if (u.loadBalancing && target) checkOne(context, at(servicePath(s), "upstreams", i, "loadBalancing"), u.loadBalancing, target);
    });
  }
};

function checkOne({ issues }: RuleContext, path: string, lb: LoadBalancing, target: ServiceSpec): void {
  // Read loosely: a JavaScript caller can put any field on any policy.
  const loose = lb as LoadBalancing & {
    hashPolicies?: unknown[];
    choiceCount?: number;
    splits?: { subset: string; weight: number }[];
    minimumRingSize?: number;
    maximumRingSize?: number;
  };
  const hashPolicies = (loose.hashPolicies ?? []) as Record<string, unknown>[];
  if (hashPolicies.length && !HASHING.has(lb.policy)) {
    hashPolicies.forEach((_, i) =>
      issues.add(
        at(path, "hashPolicies", i),
        `hash policies need a hashing load balancer, but policy is "${lb.policy}"`,
        'set policy to "ring_hash" or "maglev", or remove hashPolicies',
      ),
    );
  }
  if (HASHING.has(lb.policy) && !hashPolicies.length) {
    issues.add(
      at(path, "hashPolicies"),
      `"${lb.policy}" without hash policies hashes nothing and spreads requests randomly`,
      'add e.g. hashPolicies: [{ sourceIp: true }], or use policy "random"',
    );
  }
  if (hashPolicies.length && protocolOf(target) === "tcp") {
    issues.add(
      at(path, "hashPolicies"),
      `hash policies need an L7 protocol, but ${target.name} is tcp`,
      'set protocol "http" or "grpc" on the service, or use a policy without hash policies',
    );
  }
  hashPolicies.forEach((h, i) => {
    const keys = ["sourceIp", "header", "cookie", "queryParameter"].filter((k) => h[k] !== undefined);
    if (keys.length !== 1) {
      issues.add(
        at(path, "hashPolicies", i),
        `a hash policy hashes exactly one thing, found ${keys.length ? keys.join(" and ") : "none"}`,
        "set one of sourceIp, header, cookie or queryParameter",
      );
    }
    if (h["session"] && h["ttl"]) {
      issues.add(at(path, "hashPolicies", i), "cookie ttl and session cannot be combined", "use ttl for a persistent cookie or session for a session cookie");
    }
    if ((h["ttl"] !== undefined || h["session"] !== undefined || h["path"] !== undefined) && h["cookie"] === undefined) {
      issues.add(at(path, "hashPolicies", i), "ttl, session and path only apply to cookie hash policies", "add cookie: '<name>' or remove them");
    }
  });
  if (loose.choiceCount !== undefined && lb.policy !== "least_request") {
    issues.add(
      at(path, "choiceCount"),
      `choiceCount only applies to least_request, but policy is "${lb.policy}"`,
      'set policy to "least_request" or remove choiceCount',
    );
  }
  if ((loose.minimumRingSize !== undefined || loose.maximumRingSize !== undefined) && lb.policy !== "ring_hash") {
    issues.add(path, `ring sizes only apply to ring_hash, but policy is "${lb.policy}"`, "remove minimumRingSize/maximumRingSize");
  }
  if (loose.minimumRingSize !== undefined && loose.maximumRingSize !== undefined && loose.minimumRingSize > loose.maximumRingSize) {
    issues.add(at(path, "minimumRingSize"), "minimumRingSize is larger than maximumRingSize", "swap them");
  }
  if (loose.splits !== undefined) {
    if (lb.policy !== "weighted") {
      issues.add(
        at(path, "splits"),
        `splits inside loadBalancing only apply to policy "weighted", but policy is "${lb.policy}"`,
        `move them to the service's own splits, which combine with any policy`,
      );
    }
    checkSplits(issues, at(path, "splits"), loose.splits, target);
  }
}

/** Subset splits route to declared subsets, once each, with some weight, over L7. */
function checkSplits(issues: RuleContext["issues"], path: string, splits: readonly SubsetSplit[], target: ServiceSpec): void {
  const total = splits.reduce((sum, split) => sum + split.weight, 0);
  if (splits.length && total <= 0) {
    issues.add(path, "split weights sum to zero, so no request could be routed", "give at least one subset a positive weight");
  }
  if (splits.length && protocolOf(target) === "tcp") {
    issues.add(path, `traffic splits need an L7 protocol, but ${target.name} is tcp`, 'set protocol "http" or "grpc" on the service');
  }
  const subsets = new Set(instanceSubsets(target));
  const seen = new Set<string>();
  splits.forEach((split, i) => {
    if (!subsets.has(split.subset)) {
      issues.add(at(path, i, "subset"), `no instance of ${target.name} is in subset "${split.subset}"`, `use one of: ${[...subsets].join(", ")}`);
    }
    if (seen.has(split.subset)) issues.add(at(path, i, "subset"), `subset "${split.subset}" is split twice`, "list each subset once");
    checkHeaderEdits(issues, at(path, i, "requestHeaders"), split.requestHeaders, true);
    checkHeaderEdits(issues, at(path, i, "responseHeaders"), split.responseHeaders, false);
    seen.add(split.subset);
  });
}

/**
 * A service's own splits combine with any load-balancing policy, but not with the older
 * `weighted` policy's splits; its default subset is a declared subset other than the backup.
 */
export const splitsAndDefaultSubsetAreValid: Rule = ({ services, issues }) => {
  for (const s of services) {
    const base = servicePath(s);
    if (s.splits) {
      checkSplits(issues, at(base, "splits"), s.splits, s);
      const inner = (s.loadBalancing as { splits?: unknown } | undefined)?.splits;
      if (inner !== undefined)
        issues.add(at(base, "splits"), "splits are given twice: here and in loadBalancing", "keep the service's own splits and remove loadBalancing.splits");
    }
    if (s.defaultSubset !== undefined) {
      const subsets = instanceSubsets(s);
      if (!subsets.includes(s.defaultSubset))
        issues.add(at(base, "defaultSubset"), `no instance of ${s.name} is in subset "${s.defaultSubset}"`, `use one of: ${[...new Set(subsets)].join(", ")}`);
      else if ((s.failover?.targets ?? (s.failover ? [s.failover] : [])).some((t) => (t.service ?? s.name) === s.name && t.subset === s.defaultSubset))
        issues.add(
          at(base, "defaultSubset"),
          `the default subset "${s.defaultSubset}" is also the failover subset`,
          "fail over to another subset, or pick another default",
        );
    }
  }
};

/**
 * Consul keeps one service-resolver per service, so every caller's load balancing for a
 * service must agree with the others and with the service's own.
 */
export const loadBalancingDoesNotConflict: Rule = ({ services, issues }) => {
  const wanted = new Map<string, { path: string; key: string; who: string }>();
  for (const s of services) {
    if (s.loadBalancing) wanted.set(s.name, { path: at(servicePath(s), "loadBalancing"), key: canonical(s.loadBalancing), who: `${s.name} itself` });
  }
  for (const s of services) {
    (s.upstreams ?? []).forEach((u, i) => {
      if (!u.loadBalancing) return;
      const path = at(servicePath(s), "upstreams", i, "loadBalancing");
      const key = canonical(u.loadBalancing);
      const first = wanted.get(u.service);
      if (!first) wanted.set(u.service, { path, key, who: s.name });
      else if (first.key !== key) {
        issues.add(
          path,
          `load balancing for ${u.service} conflicts with the one set by ${first.who} (${first.path})`,
          `Consul applies one policy per service: declare it once on ${u.service}, or make the settings identical`,
        );
      }
    });
  }
};

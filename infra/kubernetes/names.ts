import type { Issues } from "./errors";

/** Label every object carries (Kubernetes' recommended label). */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "meshwright" } as const;
/** The stack label, as on Docker (`infra/container-args.ts` STACK_LABEL). */
export const STACK_LABEL = "io.meshwright.stack";
/** Label of an instance's pod: the plan service it is an instance of. */
export const SERVICE_LABEL = "io.meshwright.service";
/** The well-known label of a node's name. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
/** The pod label workloads and front doors select on (the pod's name, unique in a stack). */
export const POD_LABEL = "io.meshwright.pod";
/** Prefix of one label per network alias (`io.meshwright.alias/consul: "true"`), which alias Services select. */
export const ALIAS_LABEL_PREFIX = "io.meshwright.alias/";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Checks `name` is a DNS-1123 label of at most `max` characters (what Kubernetes takes for
 * container names, namespaces and most object names); records an issue at `path` if not.
 */
export function checkDnsLabel(issues: Issues, path: string, name: string, max = 63, why = "a Kubernetes name"): void {
  if (!DNS_LABEL.test(name) || name.length > max)
    issues.add(
      path,
      `"${name}" is not usable as ${why}: it must be lowercase letters, digits and '-', start and end with a letter or digit, at most ${max} characters`,
      "rename it in the mesh (service, instance or gateway name)",
    );
}

/** Like {@link checkDnsLabel} for Service names, which must also start with a letter (DNS-1035). */
export function checkServiceName(issues: Issues, path: string, name: string): void {
  if (!DNS_1035_LABEL.test(name) || name.length > 63)
    issues.add(
      path,
      `"${name}" cannot be a Service name, so it would not resolve: it must start with a letter, hold lowercase letters, digits and '-', at most 63 characters`,
      "rename the service, instance or gateway in the mesh so the name starts with a letter",
    );
}

/** Checks a label value (at most 63 characters of letters, digits, `-`, `_`, `.`, alphanumeric at both ends). */
export function checkLabelValue(issues: Issues, path: string, value: string): void {
  if (!LABEL_VALUE.test(value) || value.length > 63)
    issues.add(
      path,
      `"${value}" is not a Kubernetes label value`,
      "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    );
}

/**
 * Names become Docker container names, network aliases, Consul service names and Keycloak
 * client ids, so they must be DNS labels. Instance containers append `-<n>-sidecar`, hence the
 * shorter limit than DNS's 63 characters.
 */
export const MAX_NAME_LENGTH = 40;

const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** True when `name` is a lowercase DNS label short enough for every derived name. */
export function isDnsSafe(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && DNS_LABEL.test(name);
}

/** Container names the plan always uses; services and gateways may not take them. */
export const RESERVED_NAMES = ["consul", "keycloak", "prometheus", "zipkin"] as const;

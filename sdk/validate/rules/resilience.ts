import { parseDuration } from "../../model/duration";
import type { Retries } from "../../model/resilience";
import { at, type IssueList } from "../issues";
import { protocolOf, servicePath, type Rule } from "../context";

/** Retries and request timeouts are HTTP/gRPC route settings; a tcp service has no routes. */
export const l7ResilienceNeedsL7: Rule = ({ services, issues }) => {
  for (const s of services) {
    if (protocolOf(s) !== "tcp") continue;
    const hint = 'set protocol: "http" (or "grpc") if the service speaks it, or drop the setting';
    if (s.resilience?.retries) issues.add(at(servicePath(s), "resilience", "retries"), "retries need an L7 protocol, but the service is tcp", hint);
    if (s.resilience?.requestTimeout)
      issues.add(at(servicePath(s), "resilience", "requestTimeout"), "request timeouts need an L7 protocol, but the service is tcp", hint);
  }
};

/**
 * Retry conditions are listed once, and a retry count of zero with conditions is a mistake.
 * A per-try timeout is shorter than the request timeout (Envoy ignores one that is not), and
 * its timed-out tries are retried.
 */
export const retriesAreMeaningful: Rule = ({ services, issues }) => {
  for (const s of services) {
    const path = at(servicePath(s), "resilience", "retries");
    const retries = s.resilience?.retries;
    checkRetries(issues, path, retries);
    const perTry = parseDuration(retries?.perTryTimeout);
    if (!retries || perTry === undefined) continue;
    const request = parseDuration(s.resilience?.requestTimeout);
    if (request !== undefined && perTry >= request)
      issues.add(
        at(path, "perTryTimeout"),
        `perTryTimeout ${retries.perTryTimeout} is not shorter than requestTimeout ${s.resilience?.requestTimeout}, so Envoy ignores it`,
        "set perTryTimeout below requestTimeout, so a try cut off leaves time for another",
      );
    if (retries.attempts === 0)
      issues.add(
        at(path, "perTryTimeout"),
        "perTryTimeout is set but attempts is 0, so no try follows the one cut off",
        "set attempts to 1 or more, or set requestTimeout instead",
      );
    // The default conditions (5xx, connect-failure) retry it.
    if (retries.on && !retries.on.includes("5xx") && !retries.on.includes("gateway-error"))
      issues.add(
        at(path, "on"),
        "perTryTimeout is set but a try cut off (a 504) is retried only on 5xx or gateway-error, and on has neither",
        'add "5xx" or "gateway-error" to on',
      );
  }
};

/**
 * A retry count of zero with conditions is a mistake (a service's retries, or a route's). A
 * route has no per-try timeout of its own: it is the destination service's (see
 * {@link Retries.perTryTimeout}).
 */
export function checkRetries(issues: IssueList, path: string, retries: Retries | undefined, onRoute = false): void {
  if (retries && retries.attempts === 0 && (retries.on?.length || retries.onStatusCodes?.length))
    issues.add(at(path, "attempts"), "retry conditions are set but attempts is 0", "set attempts to 1 or more, or remove retries");
  if (onRoute && retries?.perTryTimeout !== undefined)
    issues.add(
      at(path, "perTryTimeout"),
      "a route has no per-try timeout of its own: callers' sidecars apply the destination service's to every request they send it",
      "set resilience.retries.perTryTimeout on the destination service instead",
    );
}

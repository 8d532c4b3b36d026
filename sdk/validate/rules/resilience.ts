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

/** Retry conditions are listed once, and a retry count of zero with conditions is a mistake. */
export const retriesAreMeaningful: Rule = ({ services, issues }) => {
  for (const s of services) {
    checkRetries(issues, at(servicePath(s), "resilience", "retries"), s.resilience?.retries);
  }
};

/** A retry count of zero with conditions is a mistake (a service's retries, or a route's). */
export function checkRetries(issues: IssueList, path: string, retries: Retries | undefined): void {
  if (retries && retries.attempts === 0 && (retries.on?.length || retries.onStatusCodes?.length))
    issues.add(at(path, "attempts"), "retry conditions are set but attempts is 0", "set attempts to 1 or more, or remove retries");
}

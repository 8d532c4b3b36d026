/**
 * A small Consul HTTP API client for the dynamic providers. It runs inside the provider
 * plugin, where Pulumi ships it as serialized code: it imports nothing but Node's globals.
 */

/** Where the provider reaches Consul and with which token. */
export interface ConsulEndpoint {
  /** `http://host:port` of the server's HTTP API, reachable from where Pulumi runs. */
  readonly address: string;
  /** ACL token sent as `X-Consul-Token` (the management token). */
  readonly token: string;
}

/** How long to keep trying while Consul is not ready, and how long one request may take. */
export interface RetryPolicy {
  /** Keep retrying transient failures this long. 0: one attempt. */
  readonly withinMs: number;
  /** One request's timeout. */
  readonly timeoutMs: number;
}

/** For writes: the server may still be electing a leader or creating the management token. */
export const WRITE_RETRY: RetryPolicy = { withinMs: 60_000, timeoutMs: 10_000 };
/** For diff and read (preview, refresh): one quick look; an answer that does not come is no answer. */
export const LOOK_ONCE: RetryPolicy = { withinMs: 0, timeoutMs: 5_000 };

/**
 * Consul's answer to a request that failed, or no answer at all (`status` 0). A plain Error
 * with fields, not a subclass: this code runs as Pulumi-serialized closures, and a serialized
 * subclass of Error loses its message.
 */
export interface ConsulApiError extends Error {
  readonly name: "ConsulApiError";
  /** What was being written or read, e.g. `service-intentions/payment-service`. */
  readonly subject: string;
  readonly method: string;
  readonly path: string;
  /** HTTP status; 0 when Consul did not answer. */
  readonly status: number;
  /** Consul's answer (its body), or why there was none. */
  readonly answer: string;
  /** No answer at all: connection refused, reset or timed out. */
  readonly unreachable: boolean;
}

/** A {@link ConsulApiError} whose message names the object, the request and Consul's answer. */
export function consulApiError(subject: string, method: string, path: string, status: number, answer: string): ConsulApiError {
  const message =
    status === 0
      ? `consul ${subject}: ${method} ${path} got no answer: ${answer}`
      : `consul ${subject}: ${method} ${path} answered ${status}: ${answer.trim()}`;
  return Object.assign(new Error(message), { name: "ConsulApiError" as const, subject, method, path, status, answer, unreachable: status === 0 });
}

export function isConsulApiError(e: unknown): e is ConsulApiError {
  return e instanceof Error && e.name === "ConsulApiError";
}

/** A response: status and parsed JSON body (`undefined` for 404). */
export interface ConsulResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One Consul API call. Retries within `retry.withinMs` while Consul is not ready: no answer,
 * "No cluster leader", 429/502/503/504, and 403 "ACL not found" (the management token is
 * created when the first leader is established). A 404 is an answer, not an error.
 */
export async function consulCall(
  endpoint: ConsulEndpoint,
  subject: string,
  method: "GET" | "PUT" | "DELETE",
  path: string,
  body: unknown,
  retry: RetryPolicy,
): Promise<ConsulResponse> {
  const deadline = Date.now() + retry.withinMs;
  for (let attempt = 1; ; attempt++) {
    let failure: ConsulApiError;
    try {
      const res = await fetch(`${endpoint.address.replace(/\/$/, "")}${path}`, {
        method,
        headers: { "X-Consul-Token": endpoint.token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(retry.timeoutMs),
      });
      const text = await res.text();
      if (res.ok) return { status: res.status, body: text ? JSON.parse(text) : undefined };
      if (res.status === 404) return { status: 404, body: undefined };
      failure = consulApiError(subject, method, path, res.status, text || res.statusText);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      failure = consulApiError(subject, method, path, 0, e.cause?.code ?? e.cause?.message ?? e.message);
    }
    if (!transient(failure) || Date.now() + 1_000 > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 3_000)));
  }
}

/**
 * Failures that go away once the server is ready. A plain 500 is not one of them: Consul
 * answers 500 to an entry it refuses too, and that answer should come at once.
 */
function transient(e: ConsulApiError): boolean {
  if (e.status === 0 || e.status === 429 || e.status === 502 || e.status === 503 || e.status === 504) return true;
  if (e.status === 500) return /no cluster leader|leadership|raft|EOF|i\/o timeout|connection refused/i.test(e.answer);
  // "ACL not found" for our own token until the leader has made the management token; but
  // "token does not exist: ACL not found" is the answer to reading a token that is not there.
  return e.status === 403 && /ACL not found/i.test(e.answer) && !/does not exist/i.test(e.answer);
}

import { request } from "node:http";
import type { PlannedIngress } from "../../sdk";
import type { MeshContainer } from "../realize/mesh-container";

/** A request through an ingress gateway. */
export interface IngressRequest {
  /** Path and query. @default "/" */
  readonly path?: string;
  /** The Host header the gateway routes by. */
  readonly host?: string;
  /** @default "GET" */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Listener port (container side). @default the gateway's first listener */
  readonly port?: number;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** What came back. */
export interface IngressResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An ingress gateway, reached from the test process on its published listener ports. */
export class IngressGateway {
  constructor(
    readonly spec: PlannedIngress,
    private readonly container: MeshContainer,
  ) {}

  /** `http://host:port` of a listener from the test process. */
  url(port = this.firstPort()): string {
    return `http://${this.container.getHost()}:${this.container.getMappedPort(port)}`;
  }

  /**
   * Sends a request through the gateway with node:http, which (unlike fetch) sends the Host
   * header it is given, so host-routed listeners can be reached.
   */
  request(req: IngressRequest = {}): Promise<IngressResponse> {
    const port = req.port ?? this.firstPort();
    return new Promise((resolve, reject) => {
      const r = request(
        {
          host: this.container.getHost(),
          port: this.container.getMappedPort(port),
          path: req.path ?? "/",
          method: req.method ?? "GET",
          headers: { ...req.headers, ...(req.host ? { host: req.host } : {}) },
          timeout: req.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      r.on("timeout", () => r.destroy(new Error(`ingress ${this.spec.name}: no answer in ${req.timeoutMs ?? 10_000} ms`)));
      r.on("error", reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  private firstPort(): number {
    const first = this.spec.listeners[0];
    if (!first) throw new Error(`ingress ${this.spec.name} has no listener`);
    return first.port;
  }
}

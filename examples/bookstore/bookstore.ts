import { join } from "node:path";
import { Mesh } from "../../sdk";
import { NGINX_CONF_PATH, nginxConf } from "./storefront/nginx-conf";

/**
 * The bookstore: a mesh of apps meshwright did not write (see README.md beside this file).
 * storefront is Debian's nginx, given its whole config as a read-only file; catalog is a
 * Flask app that gets a client-credentials token from Keycloak through the app contract and
 * calls inventory with it; inventory is meshwright's workload. Both own apps are built from
 * their Dockerfiles by whichever realizer runs the mesh (pulumi up or the harness).
 */
export const bookstore = bookstoreMesh();

/**
 * The bookstore mesh, its apps built from `apps` (a folder holding `catalog/` and
 * `storefront/`: this one's by default; a test passes a copy it may change).
 */
export function bookstoreMesh(apps: string = __dirname): Mesh {
  const bookstore = new Mesh("bookstore", {
    identity: { realm: "bookstore", scopes: ["inventory:read"] },
  });

  const inventory = bookstore.service("inventory", {
    instances: 2,
    resilience: {
      requestTimeout: "2s",
      retries: { attempts: 2, on: ["5xx", "connect-failure", "reset"] },
      outlierDetection: { consecutive5xx: 2, interval: "2s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
    },
  });

  const catalog = bookstore.service("catalog", {
    port: 8000,
    instances: 2,
    app: { build: { context: join(apps, "catalog") }, resources: { memoryMiB: 256 } },
    upstreams: [inventory],
    identity: { scopes: ["inventory:read"] },
  });

  const storefront = bookstore.service("storefront", {
    port: 8080,
    app: {
      build: { context: join(apps, "storefront") },
      files: [{ path: NGINX_CONF_PATH, content: nginxConf("127.0.0.1:8080") }],
      resources: { memoryMiB: 64 },
    },
  });

  inventory.allow(catalog, { paths: ["/stock"], methods: ["GET"], scopes: ["inventory:read"] });

  bookstore.ingress("web", {
    listeners: [
      {
        port: 8080,
        routes: [
          { host: "bookstore.local", service: storefront },
          { host: "api.bookstore.local", service: catalog },
        ],
      },
    ],
  });
  return bookstore;
}

export default bookstore;

import type { StartedMesh } from "../realize/started-mesh";
import type { MappedOrigin } from "./launch";

/**
 * The origins a browser uses to reach a started mesh by its own names, each mapped to the
 * address the test process reaches it on: Keycloak's public URL (`http://keycloak:8080`, so
 * the login page and the tokens' issuer stay the mesh's) and `http://<host>:<port>` of every
 * host routed on an http listener of every ingress gateway. Pass them to
 * `launchMeshBrowser` as `hosts`.
 */
export function meshOrigins(mesh: StartedMesh): MappedOrigin[] {
  const origins: MappedOrigin[] = [];
  const add = (origin: string, reachedAt: string) => {
    const at = new URL(reachedAt);
    origins.push({ origin, host: at.hostname.replace(/^\[|\]$/g, ""), port: Number(at.port) });
  };
  const kc = mesh.plan.keycloak;
  if (kc) add(new URL(kc.url).origin, mesh.keycloak.url());
  for (const g of mesh.plan.ingresses)
    for (const l of g.listeners)
      if (l.protocol === "http")
        for (const host of l.hosts.filter((h) => h !== "*")) add(`http://${host}${l.port === 80 ? "" : `:${l.port}`}`, mesh.ingress(g.name).url(l.port));
  return origins;
}

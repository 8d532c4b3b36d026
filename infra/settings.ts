import type { ImageSet } from "../sdk";
import { IMAGE_OF_ROLE } from "./images";
import type { PublishedPorts } from "./ports";

/** MeshStack settings read from stack config. */
export interface StackSettings {
  readonly ports: Partial<PublishedPorts>;
  readonly images: Partial<ImageSet>;
}

const PORT_KEYS = ["consul", "keycloak", "ingress", "prometheus"] as const satisfies readonly (keyof PublishedPorts)[];
const IMAGE_KEYS = [...new Set(Object.values(IMAGE_OF_ROLE))];

/**
 * Reads stack config keys `<name>Port` (a port number, or `off` to leave it unpublished) and
 * `<kind>Image` (a full image reference), e.g. `pulumi config set keycloakPort 18080`,
 * `pulumi config set workloadImage meshwright/workload:dev`. Unknown values throw with the key.
 */
export function settingsFromConfig(get: (key: string) => string | undefined): StackSettings {
  const ports: Partial<Record<keyof PublishedPorts, number | false>> = {};
  for (const name of PORT_KEYS) {
    const raw = get(`${name}Port`);
    if (raw === undefined) continue;
    if (raw === "off") ports[name] = false;
    else if (/^\d+$/.test(raw) && Number(raw) > 0 && Number(raw) < 65536) ports[name] = Number(raw);
    else throw new Error(`config ${name}Port: expected a port (1-65535) or "off", got ${JSON.stringify(raw)}`);
  }
  const images: Partial<Record<keyof ImageSet, string>> = {};
  for (const kind of IMAGE_KEYS) {
    const raw = get(`${kind}Image`);
    if (raw !== undefined) images[kind] = raw;
  }
  return { ports, images };
}

/**
 * The Pulumi program Pulumi.yaml names: the shop mesh (examples/shop.ts) on local Docker.
 * Stack config: `consulPort`, `keycloakPort`, `ingressPort`, `prometheusPort` (a port or
 * `off`) and `<kind>Image` (consul, sidecar, keycloak, prometheus, workload, zipkin).
 * `npm start` (meshwright up) runs the same program inline (see cli/stack.ts); with Pulumi's own CLI
 * installed, `pulumi up` runs this file.
 */
import { meshProgram } from "./program";

const outputs = meshProgram();

export const consulUrl = outputs?.consulUrl;
export const keycloakUrl = outputs?.keycloakUrl;
export const ingressUrl = outputs?.ingressUrl;
export const prometheusUrl = outputs?.prometheusUrl;
export const keycloakAdmin = outputs?.keycloakAdmin;
export const userPasswords = outputs?.userPasswords;
export const secretValues = outputs?.secretValues;
export const serviceAddresses = outputs?.serviceAddresses;
export const dockerNames = outputs?.dockerNames;

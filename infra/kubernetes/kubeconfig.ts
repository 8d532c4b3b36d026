import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

/** A parsed kubeconfig value. */
type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** How to reach a cluster's API server as a kubeconfig's current context says. */
export interface ApiConnection {
  /** The API server's URL (`clusters[].cluster.server`). */
  readonly server: string;
  /** PEM of the CA that signs the server's certificate; the system's CAs when absent. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Bearer token. */
  readonly token?: string;
  /** Basic authentication. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** `insecure-skip-tls-verify`: the server's certificate is not checked. */
  readonly insecureSkipTlsVerify: boolean;
  /** `tls-server-name`: the name the server's certificate is checked against. */
  readonly tlsServerName?: string;
}

/** A kubeconfig that cannot be used to read the cluster, with why (the message). */
export class KubeconfigUnusable extends Error {
  override readonly name = "KubeconfigUnusable";
}

/**
 * The connection of the kubeconfig's current context. `kubeconfig` is a path (`~/` is the home
 * folder) or the contents (YAML or JSON). Files it
 * names are read relative to its folder (the working folder for contents). Client certificate
 * and key (data or file), CA (data or file), a bearer token (or `tokenFile`) and basic
 * authentication are supported; throws {@link KubeconfigUnusable} saying why for anything else
 * (exec plugins, auth providers, proxies) and for a kubeconfig it cannot read.
 */
export function apiConnection(kubeconfig: string): ApiConnection {
  const { text, folder, where } = kubeconfigText(kubeconfig);
  let doc: YamlValue;
  try {
    doc = parseYaml(text) as YamlValue; // YAML 1.2 reads JSON too
  } catch (error) {
    throw new KubeconfigUnusable(`cannot read ${where}: ${(error as Error).message}`);
  }
  const root = record(doc, where);
  const contextName = root["current-context"];
  if (typeof contextName !== "string" || !contextName) throw new KubeconfigUnusable(`${where} has no current-context`);
  const context = record(named(root, "contexts", contextName, where)["context"], `context ${contextName} of ${where}`);
  const clusterName = scalarText(context["cluster"]);
  const cluster = record(named(root, "clusters", clusterName, where)["cluster"], `cluster ${clusterName} of ${where}`);
  const userName = typeof context["user"] === "string" ? context["user"] : undefined;
  const user = userName ? record(named(root, "users", userName, where)["user"] ?? {}, `user ${userName} of ${where}`) : {};

  const exec = user["exec"];
  if (exec)
    throw new KubeconfigUnusable(
      `user ${userName} of ${where} gets its credentials from a command (exec: ${scalarText(record(exec, "exec")["command"])}), which the check does not run`,
    );
  if (user["auth-provider"])
    throw new KubeconfigUnusable(
      `user ${userName} of ${where} gets its credentials from an auth provider (${scalarText(record(user["auth-provider"], "auth-provider")["name"])}), which the check does not support`,
    );
  if (cluster["proxy-url"])
    throw new KubeconfigUnusable(`cluster ${clusterName} of ${where} is reached through a proxy (proxy-url), which the check does not use`);
  const server = cluster["server"];
  if (typeof server !== "string" || !/^https?:\/\//.test(server)) throw new KubeconfigUnusable(`cluster ${clusterName} of ${where} has no https:// server`);

  const file = (key: string, value: YamlValue | undefined): Buffer | undefined => {
    if (typeof value !== "string" || !value) return undefined;
    const path = isAbsolute(value) ? value : resolve(folder, value);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new KubeconfigUnusable(`${key} ${path} named in ${where} cannot be read: ${(error as Error).message}`);
    }
  };
  const data = (value: YamlValue | undefined): Buffer | undefined => (typeof value === "string" && value ? Buffer.from(value, "base64") : undefined);
  const token = typeof user["token"] === "string" ? user["token"] : file("tokenFile", user["tokenFile"])?.toString().trim();
  const ca = data(cluster["certificate-authority-data"]) ?? file("certificate-authority", cluster["certificate-authority"]);
  const cert = data(user["client-certificate-data"]) ?? file("client-certificate", user["client-certificate"]);
  const key = data(user["client-key-data"]) ?? file("client-key", user["client-key"]);
  const username = user["username"];
  const password = user["password"];
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(token ? { token } : {}),
    ...(typeof username === "string" && typeof password === "string" ? { basic: { username, password } } : {}),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true || cluster["insecure-skip-tls-verify"] === "true",
    ...(typeof cluster["tls-server-name"] === "string" ? { tlsServerName: cluster["tls-server-name"] } : {}),
  };
}

/** The kubeconfig's text, the folder its relative paths start from, and how to name it in a message. */
function kubeconfigText(kubeconfig: string): { text: string; folder: string; where: string } {
  // Contents span lines or are JSON; a path is one line.
  if (kubeconfig.includes("\n") || kubeconfig.trimStart().startsWith("{")) return { text: kubeconfig, folder: process.cwd(), where: "the kubeconfig" };
  const path = kubeconfig.startsWith("~/") ? resolve(homedir(), kubeconfig.slice(2)) : resolve(kubeconfig);
  if (!existsSync(path)) throw new KubeconfigUnusable(`the kubeconfig ${path} does not exist`);
  try {
    return { text: readFileSync(path, "utf8"), folder: dirname(path), where: `kubeconfig ${path}` };
  } catch (error) {
    throw new KubeconfigUnusable(`the kubeconfig ${path} cannot be read: ${(error as Error).message}`);
  }
}

function record(value: YamlValue | undefined, what: string): { [key: string]: YamlValue } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new KubeconfigUnusable(`${what} is not a mapping`);
  return value;
}

/** The entry named `name` of the list `key` (`contexts`, `clusters`, `users`). */
function named(root: { [key: string]: YamlValue }, key: string, name: string, where: string): { [key: string]: YamlValue } {
  const list = root[key];
  const found = Array.isArray(list) ? list.find((e) => e !== null && typeof e === "object" && !Array.isArray(e) && e["name"] === name) : undefined;
  if (!found) throw new KubeconfigUnusable(`${where} has no entry "${name}" in ${key}`);
  return record(found, `${key} entry ${name}`);
}

/** A scalar as text; "" for anything else. */
function scalarText(value: YamlValue | undefined): string {
  return typeof value === "string" ? value : "";
}

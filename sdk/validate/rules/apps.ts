import { CONTRACT_ENV } from "../../compile/app";
import type { ServiceSpec } from "../../model/spec";
import { at } from "../issues";
import { instanceList, servicePath, type Rule } from "../context";

/**
 * An image reference as Docker reads it: `[host[:port]/]path[:tag][@sha256:<64 hex>]`, path
 * components lowercase, separated by `.`, `_`, `__` or dashes.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER = /^(?:[a-z_][a-z0-9_-]*\$?|[0-9]+)(?::(?:[a-z_][a-z0-9_-]*|[0-9]+))?$/;
const BUILD_TARGET = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Env names whose values are credentials by convention. */
const SECRET_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;
/** Values that are credentials whatever their name. */
const SECRET_VALUES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, "a JWT"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password in it"],
];

function apps(services: readonly ServiceSpec[]): { s: ServiceSpec; app: NonNullable<ServiceSpec["app"]>; path: string }[] {
  return services.flatMap((s) => (s.app ? [{ s, app: s.app, path: at(servicePath(s), "app") }] : []));
}

/** An app is an image or a build, and each is well formed. */
export const appImageOrBuildIsValid: Rule = ({ services, issues }) => {
  for (const { app, path } of apps(services)) {
    if ((app.image === undefined) === (app.build === undefined)) {
      issues.add(path, "an app needs exactly one of image or build", 'write app: { image: "team/api:1.2.0" } or app: { build: { context: "apps/api" } }');
      continue;
    }
    if (app.image !== undefined && !IMAGE_REFERENCE.test(app.image)) {
      issues.add(
        at(path, "image"),
        `"${app.image}" is not a valid image reference`,
        "use [registry/]name[:tag][@sha256:digest] with a lowercase name, e.g. team/api:1.2.0",
      );
    }
    const b = app.build;
    if (!b) continue;
    if (!b.context.trim())
      issues.add(at(path, "build", "context"), "the build context is empty", 'give the folder with the Dockerfile, e.g. path.join(__dirname, "api")');
    if (b.dockerfile !== undefined && (!b.dockerfile.trim() || b.dockerfile.startsWith("/") || b.dockerfile.split(/[\\/]/).includes("..")))
      issues.add(
        at(path, "build", "dockerfile"),
        `dockerfile "${b.dockerfile}" is not a path inside the build context`,
        'give it relative to the context, e.g. "Dockerfile" or "docker/api.Dockerfile"',
      );
    if (b.target !== undefined && !BUILD_TARGET.test(b.target))
      issues.add(at(path, "build", "target"), `"${b.target}" is not a valid build stage name`, "use the name of a FROM … AS <stage> of the Dockerfile");
    for (const key of Object.keys(b.args ?? {}))
      if (!ENV_NAME.test(key))
        issues.add(at(path, "build", "args", key), `build arg "${key}" is not a valid name`, "use letters, digits and '_', not starting with a digit");
  }
};

/**
 * Env names are POSIX names, plain and secret env do not overlap, and neither replaces what
 * the app contract promises.
 */
export const appEnvIsValid: Rule = ({ services, issues }) => {
  for (const s of services) {
    const base = servicePath(s);
    const contract = new Set<string>([...CONTRACT_ENV, ...(s.app ? [] : ["ADMIN_ADDR"])]);
    const check = (path: string, key: string) => {
      if (!ENV_NAME.test(key)) issues.add(path, `"${key}" is not a valid environment variable name`, "use letters, digits and '_', not starting with a digit");
      else if (contract.has(key) || /^UPSTREAM_[A-Z0-9_]+_URL$/.test(key))
        issues.add(path, `${key} is set by the mesh (the app contract)`, "rename the variable; the mesh's value is what the app must use (see sdk/README.md)");
    };
    for (const key of Object.keys(s.app?.env ?? {})) check(at(base, "app", "env", key), key);
    for (const key of Object.keys(s.app?.secretEnv ?? {})) {
      check(at(base, "app", "secretEnv", key), key);
      if (s.app?.env && key in s.app.env) issues.add(at(base, "app", "secretEnv", key), `${key} is in both env and secretEnv`, "keep it in secretEnv only");
    }
    instanceList(s).forEach((instance, i) => {
      for (const key of Object.keys(instance.env ?? {})) {
        check(at(base, "instances", i, "env", key), key);
        if (s.app?.secretEnv && key in s.app.secretEnv)
          issues.add(at(base, "instances", i, "env", key), `${key} is a secret of the app and cannot be overridden in plain text`, "remove it here");
      }
    });
  }
};

/** Plain env ends up in the plan and in Pulumi state in clear text: no credentials there. */
export const plainEnvHoldsNoSecrets: Rule = ({ services, issues }) => {
  const scan = (path: string, env: Readonly<Record<string, string>> | undefined) => {
    for (const [key, value] of Object.entries(env ?? {})) {
      const byValue = SECRET_VALUES.find(([re]) => re.test(value));
      if (byValue)
        issues.add(
          at(path, key),
          `the value of ${key} looks like ${byValue[1]}; plain env is stored in clear text`,
          `move it to secretEnv: { ${key}: { secret: "<name>", source: "supplied" } } and supply the value to the realizer`,
        );
      else if (SECRET_KEY.test(key) && value !== "")
        issues.add(
          at(path, key),
          `${key} looks like a credential; plain env is stored in clear text`,
          `move it to secretEnv: { ${key}: { secret: "<name>" } } (a random value is generated, or supply one)`,
        );
    }
  };
  for (const s of services) {
    scan(at(servicePath(s), "app", "env"), s.app?.env);
    instanceList(s).forEach((instance, i) => scan(at(servicePath(s), "instances", i, "env"), instance.env));
  }
};

/** Secret names are well formed, and every service that names one agrees where it comes from. */
export const secretEnvIsConsistent: Rule = ({ services, issues }) => {
  const sources = new Map<string, { source: string; who: string }>();
  for (const { s, app, path } of apps(services)) {
    for (const [key, ref] of Object.entries(app.secretEnv ?? {})) {
      const where = at(path, "secretEnv", key, "secret");
      if (!SECRET_NAME.test(ref.secret)) {
        issues.add(where, `secret name "${ref.secret}" is not accepted`, "use lowercase letters, digits, '.', '_' and '-'");
        continue;
      }
      const source = ref.source ?? "generate";
      const first = sources.get(ref.secret);
      if (!first) sources.set(ref.secret, { source, who: `${s.name} ${key}` });
      else if (first.source !== source)
        issues.add(
          at(path, "secretEnv", key, "source"),
          `secret "${ref.secret}" is "${source}" here but "${first.source}" for ${first.who}`,
          "give every reference to one secret the same source",
        );
    }
  }
};

/** Files have absolute, distinct paths and sane modes; users and limits are well formed. */
export const appSettingsAreValid: Rule = ({ services, issues }) => {
  for (const { app, path } of apps(services)) {
    const seen = new Set<string>();
    (app.files ?? []).forEach((f, i) => {
      const where = at(path, "files", i);
      if (!f.path.startsWith("/") || f.path.endsWith("/") || f.path.split("/").includes(".."))
        issues.add(
          at(where, "path"),
          `"${f.path}" is not an absolute file path`,
          'give the full path of the file inside the container, e.g. "/etc/nginx/nginx.conf"',
        );
      if (seen.has(f.path)) issues.add(at(where, "path"), `"${f.path}" is written twice`, "write each file once");
      seen.add(f.path);
      if (f.mode !== undefined && f.mode > 0o777)
        issues.add(at(where, "mode"), `mode 0${f.mode.toString(8)} has special bits (setuid, setgid, sticky)`, "use permission bits only, e.g. 0o444 or 0o755");
    });
    if (app.user !== undefined && !USER.test(app.user))
      issues.add(at(path, "user"), `"${app.user}" is not a user`, 'use a name, a uid, or uid:gid, e.g. "1000:1000"');
    const r = app.resources;
    if (r?.cpus !== undefined && r.cpus > 64)
      issues.add(at(path, "resources", "cpus"), `${r.cpus} CPUs is more than a container can use here`, "give a limit in cores, e.g. 0.5");
    if (r?.memoryMiB !== undefined && r.memoryMiB < 6)
      issues.add(at(path, "resources", "memoryMiB"), `${r.memoryMiB} MiB is below Docker's minimum of 6 MiB`, "give at least 6, e.g. 256");
    if (app.command !== undefined && app.command.length === 0) issues.add(at(path, "command"), "command is empty", "remove it to keep the image's ENTRYPOINT");
  }
};

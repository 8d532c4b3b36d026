import { accessSync, constants } from "node:fs";
import { capture } from "./shell";

/** The variable that points meshwright at another Chromium (or Chrome) binary. */
export const CHROMIUM_VARIABLE = "MESHWRIGHT_CHROMIUM";

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The Chromium the browser tests drive: `$MESHWRIGHT_CHROMIUM`, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[CHROMIUM_VARIABLE] || DEBIAN_CHROMIUM;
}

/** Where that Chromium comes from, for messages: the variable or Debian's package. */
export function chromiumSource(env: NodeJS.ProcessEnv = process.env): string {
  return env[CHROMIUM_VARIABLE] ? `${CHROMIUM_VARIABLE}=${env[CHROMIUM_VARIABLE]}` : `${DEBIAN_CHROMIUM} (Debian's chromium)`;
}

/** Whether the Chromium at `path` is there and executable. */
export function chromiumPresent(path: string = chromiumPath()): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The version line of the Chromium at `path` (`Chromium 156.0.8078.108 built on Debian …`), or undefined when it does not run. */
export async function chromiumVersion(path: string = chromiumPath()): Promise<string | undefined> {
  if (!chromiumPresent(path)) return undefined;
  const r = await capture(path, ["--version"]);
  return r.code === 0 ? r.stdout.trim() || r.stderr.trim() : undefined;
}

import { COMPONENTS } from "../components";
import type { StepContext } from "../recipe";
import { goModuleBinary } from "./go-build";

const MODULE = "github.com/prometheus/prometheus";

/**
 * Builds Prometheus from the Go module proxy (cached by version). Debian's package was the
 * first choice, but Debian builds it without Consul service discovery, which the mesh's
 * scrape config relies on. The web UI's assets are not embedded; the HTTP API is complete.
 */
export async function prometheusBinary(ctx: StepContext): Promise<string> {
  return goModuleBinary(ctx, {
    component: "prometheus",
    version: COMPONENTS.prometheus,
    mainPackage: `${MODULE}/cmd/prometheus`,
    goMod: [
      "module meshwright.local/prometheus-build",
      "",
      "go 1.23.0",
      "",
      `require ${MODULE} ${COMPONENTS.prometheusModule}`,
      "",
      "// Prometheus' own go.mod pins this (fsnotify/fsnotify#656).",
      "replace github.com/fsnotify/fsnotify v1.8.0 => github.com/fsnotify/fsnotify v1.7.0",
      "",
    ].join("\n"),
    ldflags: `-s -w -X github.com/prometheus/common/version.Version=${COMPONENTS.prometheus}`,
  });
}

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ts from "typescript";
import { formatError, ImageBuildError, MeshwrightError, MissingPeerError } from "../../../toolchain/errors";
import { packagePath, packageRoot } from "../../../toolchain/package-root";
import { PEERS, requirePeers } from "../../../toolchain/peers";

describe("missing peers", () => {
  const nothingInstalled = (id: string): string => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" });
  };

  it("name the package, the entry point that needs it and the install command", () => {
    expect(() => requirePeers("meshwright/harness", nothingInstalled)).toThrow(
      'meshwright/harness needs the package testcontainers, which is not installed\n  fix: npm install --save-dev testcontainers@"^12.0.4"',
    );
    expect(() => requirePeers("meshwright/infra", nothingInstalled)).toThrow(MissingPeerError);
  });

  it("pass when each peer resolves", () => {
    expect(() => requirePeers("meshwright/infra")).not.toThrow();
    expect(() => requirePeers("meshwright/infra/kubernetes")).not.toThrow();
    expect(() => requirePeers("meshwright/harness")).not.toThrow();
    expect(() => requirePeers("meshwright/harness/browser")).not.toThrow();
  });

  it("are the peers package.json declares, with the same ranges", () => {
    const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    const declared = Object.assign({}, ...Object.values(PEERS)) as Record<string, string>;
    expect(declared).toEqual(manifest.peerDependencies);
  });
});

describe("the optional peer @pulumi/kubernetes", () => {
  /** The packages `entry` loads, following its relative imports (types-only ones too). */
  const packagesLoadedBy = (entry: string): Set<string> => {
    const packages = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8")).importedFiles) {
        if (!fileName.startsWith(".")) packages.add(fileName);
        else visit([`${fileName}.ts`, `${fileName}/index.ts`].map((f) => join(dirname(file), f)).find((f) => existsSync(f))!);
      }
    };
    visit(packagePath(entry));
    return packages;
  };

  it("is loaded by meshwright/infra/kubernetes only, not by meshwright/infra", () => {
    expect(packagesLoadedBy("infra/kubernetes/exports.ts")).toContain("@pulumi/kubernetes");
    expect(packagesLoadedBy("infra/exports.ts")).not.toContain("@pulumi/kubernetes");
  });

  it("is optional in package.json", () => {
    const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { peerDependenciesMeta: Record<string, { optional?: boolean }> };
    expect(manifest.peerDependenciesMeta["@pulumi/kubernetes"]).toEqual({ optional: true });
  });
});

describe("the error base the CLIs print", () => {
  it("carries reason, fix, log and cause, and prints them one per line", () => {
    const cause = new Error("exit 1");
    const e = new ImageBuildError("go build failed", "read the log", "/tmp/consul.log", { cause });
    expect(e).toBeInstanceOf(MeshwrightError);
    expect([e.reason, e.fix, e.log, e.logPath, e.cause]).toEqual(["go build failed", "read the log", "/tmp/consul.log", "/tmp/consul.log", cause]);
    expect(formatError(e)).toBe("error: go build failed\n  fix: read the log\n  log: /tmp/consul.log");
  });

  it("prints a bug with its stack, so it can be reported", () => {
    expect(formatError(new TypeError("x is undefined"))).toMatch(/^error: TypeError: x is undefined\n\s+at /);
  });
});

describe("the package root", () => {
  it("is the folder of the package.json named meshwright, whatever file asks", () => {
    expect(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8"))).toMatchObject({ name: "meshwright" });
  });

  it("holds every file the CLI reads at run time, and package.json ships each", () => {
    const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { files: string[] };
    const runtime = [
      "toolchain/ensure-docker.sh",
      "toolchain/images/offline/consul/Dockerfile",
      "toolchain/images/official/consul/Dockerfile",
      "toolchain/engine/docker-provider/main.go",
      "toolchain/reaper/main.go",
      "toolchain/reaper/go.mod",
      "workload/main.go",
      "workload/go.mod",
    ];
    for (const file of runtime) {
      expect(existsSync(packagePath(file))).toBe(true);
      const shipped = manifest.files.some(
        (pattern) => file === pattern || file.startsWith(pattern) || new RegExp(`^${pattern.replace(/\*\*\//g, "(.*/)?").replace(/\*/g, "[^/]*")}$`).test(file),
      );
      expect({ file, shipped }).toEqual({ file, shipped: true });
    }
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { providerDockerfile } from "../../../infra/builds";

describe("the Dockerfile path MeshStack gives the Docker provider", () => {
  const build = (context: string) => ({ name: "storefront", context, dockerfile: "Dockerfile", args: {}, repository: "meshwright-app/shop-storefront" });
  let cache: string;
  const saved = process.env.MESHWRIGHT_CACHE;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), "mw-cache-"));
    process.env.MESHWRIGHT_CACHE = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MESHWRIGHT_CACHE;
    else process.env.MESHWRIGHT_CACHE = saved;
  });

  function context(dockerignore?: string): string {
    const dir = mkdtempSync(join(tmpdir(), "mw-ctx-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM meshwright/base:bookworm\nCOPY html /srv\n");
    if (dockerignore !== undefined) writeFileSync(join(dir, ".dockerignore"), dockerignore);
    return dir;
  }

  it("is the context's own Dockerfile, absolute, when .dockerignore leaves it in", () => {
    const dir = context("*.log\n");
    expect(providerDockerfile(build(dir), dir)).toBe(join(dir, "Dockerfile"));
  });

  it("is a copy outside the context when .dockerignore excludes it (the provider would not send it), the same path while its content is the same", () => {
    const dir = context("*\n!html/\n");
    const given = providerDockerfile(build(dir), dir);
    expect(given.startsWith(cache)).toBe(true);
    expect(readFileSync(given, "utf8")).toBe(readFileSync(join(dir, "Dockerfile"), "utf8"));
    expect(providerDockerfile(build(dir), dir)).toBe(given);
    writeFileSync(join(dir, "Dockerfile"), "FROM meshwright/base:bookworm\n");
    expect(providerDockerfile(build(dir), dir)).not.toBe(given);
  });
});

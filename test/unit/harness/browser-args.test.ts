import { launchMeshBrowser, meshBrowserArgs } from "../../../harness/browser";
import { MissingPrerequisiteError } from "../../../toolchain/errors";
import { command } from "../../../toolchain/invocation";

// The switches launchMeshBrowser gives Chromium; test/e2e/browser-launch.test.ts proves them on the real browser.
describe("the Chromium switches of a mesh browser", () => {
  it("map each origin's host and port to its published address, and make the http ones secure contexts", () => {
    expect(
      meshBrowserArgs([
        { origin: "http://shop.test:8080", host: "127.0.0.1", port: 32768 },
        { origin: "http://keycloak:8080", host: "127.0.0.1", port: 32769 },
        { origin: "https://secure.test", host: "docker", port: 443 },
        { origin: "http://plain.test", host: "::1", port: 8000 },
        { origin: "http://explicit.test:80/", host: "127.0.0.1", port: 8001 },
      ]),
    ).toEqual([
      "--host-resolver-rules=MAP shop.test:8080 127.0.0.1:32768,MAP keycloak:8080 127.0.0.1:32769,MAP secure.test:443 docker:443,MAP plain.test:80 [::1]:8000,MAP explicit.test:80 127.0.0.1:8001",
      "--unsafely-treat-insecure-origin-as-secure=http://shop.test:8080,http://keycloak:8080,http://plain.test,http://explicit.test",
      "--no-proxy-server",
    ]);
  });

  it("refuse what is not an origin, a port that is not one, a host twice, and nothing at all", () => {
    const host = "127.0.0.1";
    expect(() => meshBrowserArgs([])).toThrow(/at least one origin/);
    expect(() => meshBrowserArgs([{ origin: "keycloak:8080", host, port: 1 }])).toThrow(/not an http\(s\) origin/);
    expect(() => meshBrowserArgs([{ origin: "http://keycloak:8080/realms/shop", host, port: 1 }])).toThrow(/not an http\(s\) origin/);
    expect(() => meshBrowserArgs([{ origin: "ws://keycloak:8080", host, port: 1 }])).toThrow(/not an http\(s\) origin/);
    expect(() => meshBrowserArgs([{ origin: "http://keycloak:8080", host, port: 0 }])).toThrow(/is not a port/);
    expect(() => meshBrowserArgs([{ origin: "http://keycloak:8080", host: "a,b", port: 1 }])).toThrow(/is not a host/);
    expect(() =>
      meshBrowserArgs([
        { origin: "http://keycloak:8080", host, port: 1 },
        { origin: "http://keycloak:8080/", host, port: 2 },
      ]),
    ).toThrow(/maps keycloak:8080 twice/);
  });

  it("fail, naming the command that installs Chromium, where there is none", async () => {
    const launching = launchMeshBrowser({
      hosts: [{ origin: "http://keycloak:8080", host: "127.0.0.1", port: 1 }],
      env: { MESHWRIGHT_CHROMIUM: "/nonexistent/chromium" },
    });
    await expect(launching).rejects.toThrow(MissingPrerequisiteError);
    await expect(launching).rejects.toThrow(
      `launchMeshBrowser needs Chromium, and there is none at MESHWRIGHT_CHROMIUM=/nonexistent/chromium\n  fix: point MESHWRIGHT_CHROMIUM at a Chromium or Chrome binary, or unset it and run ${command("setup")}`,
    );
  });
});

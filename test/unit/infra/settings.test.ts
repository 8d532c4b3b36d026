import { dockerHealthcheck, goDuration, waitTimeoutSeconds } from "../../../infra/healthcheck";
import { settingsFromConfig } from "../../../infra/settings";

const from = (config: Record<string, string>) => settingsFromConfig((key) => config[key]);

describe("stack config of the example program", () => {
  it("reads host ports, and `off` to leave one unpublished", () => {
    expect(from({ keycloakPort: "18080", ingressPort: "off" })).toEqual({ ports: { keycloak: 18080, ingress: false }, images: {} });
  });

  it.each(["0", "65536", "80a", "-1", ""])("refuses port %j, naming the key", (raw) => {
    expect(() => from({ consulPort: raw })).toThrow(`config consulPort: expected a port (1-65535) or "off", got ${JSON.stringify(raw)}`);
  });

  it("reads image overrides by kind", () => {
    expect(from({ workloadImage: "meshwright/workload:dev", sidecarImage: "meshwright/sidecar:x" }).images).toEqual({
      workload: "meshwright/workload:dev",
      sidecar: "meshwright/sidecar:x",
    });
  });
});

describe("Docker health check durations", () => {
  // The provider reads durations back from Docker in Go's form; any other spelling of the
  // same value would show as a change on every `pulumi up`.
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [60_000, "1m0s"],
    [90_000, "1m30s"],
    [3_600_000, "1h0m0s"],
    [3_723_000, "1h2m3s"],
  ])("%i ms is %s, as Go's time.Duration prints it", (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });

  const check = { test: ["CMD", "true"], intervalMs: 30_000, startIntervalMs: 500, timeoutMs: 500, retries: 3, startPeriodMs: 30_000 };

  it("translates a plan health check field by field, with a start interval on engines that have one", () => {
    expect(dockerHealthcheck(check, true)).toEqual({
      tests: ["CMD", "true"],
      interval: "30s",
      startInterval: "500ms",
      timeout: "500ms",
      retries: 3,
      startPeriod: "30s",
    });
  });

  it("checks every 2 s throughout on an engine without a start interval (Docker < 25), so pulumi up does not wait 30 s for a first check", () => {
    expect(dockerHealthcheck(check, false)).toEqual({ tests: ["CMD", "true"], interval: "2s", timeout: "500ms", retries: 3, startPeriod: "30s" });
    expect(waitTimeoutSeconds(check, 30, false)).toBe(30 + 6 + 30);
    expect(waitTimeoutSeconds(check, 30, true)).toBe(30 + 90 + 30);
  });
});

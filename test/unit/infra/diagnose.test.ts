import { describeFailing, knownCause, lastHealthOutput } from "../../../infra/diagnose";

describe("causes recognised in a failing container's logs", () => {
  it.each([
    [
      'agent.auto_config: AutoEncrypt.Sign RPC failed: addr=172.28.0.2:8300 error="rpcinsecure: error making call: ACL not found"',
      "its Consul ACL token was refused (the server does not know it)",
    ],
    ['agent: Coordinate update blocked by ACLs: accessorID="anonymous token"', "its Consul ACL token was refused"],
    [
      "agent.client: RPC failed to server: method=Catalog.Register error=\"rpc error making call: Permission denied: token with AccessorID 'x' lacks permission 'service:write' on \\\"api\\\"\"",
      "its Consul ACL token lacks a permission",
    ],
  ])("%s", (line, cause) => {
    expect(knownCause(["==> Starting Consul agent...", line, "agent: Synced node info"])).toBe(`${cause}: ${line}`);
  });

  it("finds nothing in an ordinary log", () => {
    expect(knownCause(["==> Consul agent running!", "agent: Synced node info"])).toBeUndefined();
  });
});

describe("the last health check of a container", () => {
  it("is its exit code and the end of its output", () => {
    expect(
      lastHealthOutput({
        State: {
          Health: {
            Log: [
              { ExitCode: 0, Output: "ok" },
              { ExitCode: 1, Output: "dial tcp 127.0.0.1:8080: connect: connection refused\n" },
            ],
          },
        },
      }),
    ).toBe("exit 1: dial tcp 127.0.0.1:8080: connect: connection refused");
    expect(lastHealthOutput({ State: {} })).toBeUndefined();
  });
});

describe("describeFailing", () => {
  it("names the app a probe checks, with the cause, the probe's health check output and the app's logs", () => {
    expect(
      describeFailing([
        {
          name: "shop-api-1-app",
          state: "unhealthy",
          checkedBy: "shop-api-1-probe",
          lastHealthCheck: "exit 1: HTTP 500",
          cause: undefined,
          lastLogLines: ["panic: no database"],
        },
        { name: "shop-api-1", state: "restarting (Restarting (1) 2 seconds ago)", cause: "its Consul ACL token was refused: x", lastLogLines: ["x"] },
      ]),
    ).toBe(
      [
        "container shop-api-1-app is unhealthy (its health check runs in shop-api-1-probe)",
        "  last health check: exit 1: HTTP 500",
        "  its last log lines:",
        "    panic: no database",
        "container shop-api-1 is restarting (Restarting (1) 2 seconds ago)",
        "  cause: its Consul ACL token was refused: x",
        "  its last log lines:",
        "    x",
      ].join("\n"),
    );
  });
});

import { formatSecurityMatrix, securityMismatches, type SecurityCell } from "../../../harness/probes/security-matrix";

const cells: SecurityCell[] = [
  { id: "app.kv-read", from: "app", target: "agent", attempt: "GET /v1/kv/x", expected: "403 key:read", actual: "403 key:read" },
  { id: "deny.upper-case", from: "app", target: "ledger", attempt: "GET /VALUE", expected: "403 RBAC", actual: "200" },
];

describe("security matrix", () => {
  it("names exactly the cells whose outcome differs", () => {
    expect(securityMismatches(cells).map((c) => c.id)).toEqual(["deny.upper-case"]);
  });

  it("prints every cell in aligned columns and marks the mismatches", () => {
    expect(formatSecurityMatrix(cells).split("\n")).toEqual([
      "id               from  target  attempt       expected      actual",
      "app.kv-read      app   agent   GET /v1/kv/x  403 key:read  403 key:read",
      "deny.upper-case  app   ledger  GET /VALUE    403 RBAC      200           ✗",
    ]);
  });
});

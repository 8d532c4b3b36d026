import type { ConfigEntry } from "../../sdk";

/** Intentions as a plan writes them: an L7 source and an L4 one. */
export const intentions: ConfigEntry = {
  Kind: "service-intentions",
  Name: "pay",
  Sources: [
    { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/pay" } }] },
    { Name: "web", Action: "allow" },
  ],
};

/** The same intentions as Consul returns them: its own fields and defaults, sources in another order. */
export const intentionsAsConsulHoldsThem: Record<string, unknown> = {
  Kind: "service-intentions",
  Name: "pay",
  CreateIndex: 10,
  ModifyIndex: 12,
  Sources: [
    { Name: "web", Action: "allow", Precedence: 9, Type: "consul" },
    { Name: "ui", Permissions: [{ Action: "allow", HTTP: { PathPrefix: "/pay", Methods: null } }], Precedence: 9, Type: "consul" },
  ],
};

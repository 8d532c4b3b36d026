/** What the Pulumi e2e tests share: a MeshStack inline program, its resource count, free ports. */
import { createServer } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { MeshStack, type MeshStackArgs } from "../../infra/mesh-stack";
import type { MeshPlan } from "../../sdk";

/** A port nothing listens on right now, to publish Consul and Keycloak on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** An inline program of one MeshStack, with the outputs the harness attaches by. */
export function program(args: MeshStackArgs, name: string) {
  return async () => {
    try {
      const s = new MeshStack(name, args);
      return { consulUrl: s.consulUrl, keycloakUrl: s.keycloakUrl, dockerNames: s.dockerNames, secretValues: s.secretValues, keycloakAdmin: s.keycloakAdmin };
    } catch (error) {
      // As meshProgram does: thrown, it would also resurface as an unhandled rejection.
      void pulumi.log.error((error as Error).message);
      return {};
    }
  };
}

/** Resources MeshStack registers for a plan, besides the stack itself. */
export function resourceCount(p: MeshPlan): number {
  return (
    1 /* component */ +
    1 /* network */ +
    1 /* secrets */ +
    p.builds.length +
    p.containers.length +
    p.containers.reduce((n, c) => n + (c.volumes?.length ?? 0), 0) +
    p.consul.configEntries.length +
    p.consul.acl.policies.length +
    p.consul.acl.tokens.length
  );
}

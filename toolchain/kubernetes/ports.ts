import { createServer } from "node:net";
import { capture } from "../shell";
import { CLUSTER_PORTS } from "./network";

/** A port the cluster needs that something else listens on. */
export interface TakenPort {
  readonly port: number;
  /** The cluster process that needs it. */
  readonly owner: string;
  /** What listens there (`nginx (pid 812)`), when `ss` could tell. */
  readonly holder?: string;
}

/** The cluster's ports that cannot be bound on 127.0.0.1 now, each with what holds it where `ss` can tell. */
export async function takenPorts(ports: readonly { port: number; owner: string }[] = CLUSTER_PORTS): Promise<TakenPort[]> {
  const taken = (await Promise.all(ports.map(async (p) => ((await canBind(p.port)) ? undefined : p)))).filter((p) => p !== undefined);
  if (!taken.length) return [];
  const ss = await capture("ss", ["-Hltnp"]);
  const holders = ss.code === 0 ? listeners(ss.stdout) : new Map<number, string>();
  return taken.map((p) => ({ ...p, ...(holders.has(p.port) ? { holder: holders.get(p.port)! } : {}) }));
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Listening TCP ports and their process, from `ss -Hltnp` (`users:(("name",pid=N,fd=M))`). Pure. */
export function listeners(ssOutput: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of ssOutput.split("\n")) {
    const cols = line.trim().split(/\s+/);
    const port = Number(/:(\d+)$/.exec(cols[3] ?? "")?.[1]);
    const user = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    if (port && user && !out.has(port)) out.set(port, `${user[1]} (pid ${user[2]})`);
  }
  return out;
}

/** The one-line cause of a port conflict. Pure. */
export function portConflictReason(taken: readonly TakenPort[]): string {
  const list = taken.map((t) => `${t.port} (${t.owner}${t.holder ? `; held by ${t.holder}` : ""})`).join(", ");
  return `the cluster cannot start: port${taken.length > 1 ? "s" : ""} ${list} ${taken.length > 1 ? "are" : "is"} already in use on 127.0.0.1`;
}

/** What to do about it. Pure. */
export function portConflictFix(taken: readonly TakenPort[], downCommand: string): string {
  const ports = taken.map((t) => t.port).join(",");
  return `stop what listens there (ss -ltnp | grep -E ':(${ports.replace(/,/g, "|")})\\b' shows it); if it is an earlier cluster of meshwright's, run ${downCommand}`;
}

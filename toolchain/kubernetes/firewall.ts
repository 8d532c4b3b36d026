import { capture } from "../shell";
import { CLUSTER_NETWORK as N } from "./network";

/** The comment on every rule meshwright adds to a built-in chain, so anyone reading `iptables -S` knows whose it is. */
export const RULE_COMMENT = "meshwright cluster (meshwright cluster down removes it)";

/** One chain of meshwright's: its table, the built-in chain that jumps to it, and its rules. */
export interface OwnChain {
  readonly table: "filter" | "nat";
  readonly name: string;
  /** Built-in chain whose first rule jumps here. */
  readonly from: string;
  /** Rules of the chain, as `iptables -A <name>` arguments. */
  readonly rules: readonly (readonly string[])[];
}

/**
 * meshwright's own chains. Docker sets FORWARD's policy to DROP, which would drop every
 * packet from and to pods; MESHWRIGHT-CLUSTER-FWD lets pods talk (to each other across the
 * bridge too: br_netfilter sends bridged frames through FORWARD) and lets replies back in.
 * MESHWRIGHT-CLUSTER-NAT masquerades what leaves the pod range (DNS upstream, the host's
 * network). MESHWRIGHT-CLUSTER-API sends pods' calls to the `kubernetes` Service to the API
 * server on loopback, which has no endpoints of its own (`--endpoint-reconciler-type=none`);
 * DNAT to 127.0.0.1 needs `route_localnet` on the bridge, set by {@link ensureBridge}. Pure.
 */
export function ownChains(): OwnChain[] {
  return [
    {
      table: "filter",
      name: "MESHWRIGHT-CLUSTER-FWD",
      from: "FORWARD",
      rules: [
        ["-i", N.bridge, "-j", "ACCEPT"],
        ["-o", N.bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
      ],
    },
    {
      table: "nat",
      name: "MESHWRIGHT-CLUSTER-NAT",
      from: "POSTROUTING",
      rules: [["-s", N.podCidr, "!", "-d", N.podCidr, "-j", "MASQUERADE"]],
    },
    {
      table: "nat",
      name: "MESHWRIGHT-CLUSTER-API",
      from: "PREROUTING",
      rules: [["-s", N.podCidr, "-d", `${N.apiServiceIp}/32`, "-p", "tcp", "--dport", "443", "-j", "DNAT", "--to-destination", "127.0.0.1:6443"]],
    },
  ];
}

/** The jump rule from a built-in chain to one of ours (without the `-I`/`-D` and chain name). Pure. */
export function jumpRule(c: OwnChain): string[] {
  return ["-m", "comment", "--comment", RULE_COMMENT, "-j", c.name];
}

/** The commands (as iptables arguments) that add every chain, from scratch. Pure. */
export function addCommands(chains: readonly OwnChain[] = ownChains()): string[][] {
  return chains.flatMap((c) => [
    ["-t", c.table, "-N", c.name],
    ...c.rules.map((r) => ["-t", c.table, "-A", c.name, ...r]),
    ["-t", c.table, "-I", c.from, "1", ...jumpRule(c)],
  ]);
}

/** Adds meshwright's chains (removing any earlier copy first, so rules are never doubled). */
export async function addOwnChains(log: (line: string) => void): Promise<void> {
  await removeOwnChains();
  for (const args of addCommands()) {
    const r = await capture("iptables", ["-w", ...args]);
    if (r.code !== 0) throw new Error(`iptables ${args.join(" ")}: ${r.stderr.trim()}`);
    log(`iptables ${args.join(" ")}`);
  }
}

/** Removes meshwright's chains and their jumps; quiet about what is not there. */
export async function removeOwnChains(): Promise<string[]> {
  const removed: string[] = [];
  for (const c of ownChains()) {
    while ((await capture("iptables", ["-w", "-t", c.table, "-D", c.from, ...jumpRule(c)])).code === 0);
    const flushed = await capture("iptables", ["-w", "-t", c.table, "-F", c.name]);
    if (flushed.code === 0 && (await capture("iptables", ["-w", "-t", c.table, "-X", c.name])).code === 0) removed.push(`${c.table}/${c.name}`);
  }
  return removed;
}

/**
 * kube-proxy's and the kubelet's chains (`KUBE-*`) in every table of iptables and ip6tables
 * (kube-proxy runs dual-stack where the host has IPv6), and the jumps to them from built-in
 * chains: the jumps first, then each chain flushed, then deleted (chains refer to each other,
 * so all are flushed before any is deleted).
 */
export async function removeKubeChains(): Promise<string[]> {
  const removed: string[] = [];
  for (const cmd of IPTABLES)
    for (const table of TABLES) {
      const dump = await capture(cmd, ["-w", "-t", table, "-S"]);
      if (dump.code !== 0) continue;
      const { jumps, chains } = kubeRules(dump.stdout);
      for (const rule of jumps) await capture(cmd, ["-w", "-t", table, ...splitRule(rule.replace(/^-A /, "-D "))]);
      for (const chain of chains) await capture(cmd, ["-w", "-t", table, "-F", chain]);
      for (const chain of chains) if ((await capture(cmd, ["-w", "-t", table, "-X", chain])).code === 0) removed.push(`${cmd} ${table}/${chain}`);
    }
  return removed;
}

const IPTABLES = ["iptables", "ip6tables"] as const;
const TABLES = ["filter", "nat", "mangle"] as const;

/** From `iptables -S`: rules of built-in chains that jump to a `KUBE-*` chain, and the `KUBE-*` chains. Pure. */
export function kubeRules(dump: string): { jumps: string[]; chains: string[] } {
  const lines = dump.split("\n");
  const chains = lines.map((l) => /^-N (KUBE-\S+)$/.exec(l)?.[1]).filter((c): c is string => !!c);
  const jumps = lines.filter((l) => /^-A (?!KUBE-)\S+ .*-j KUBE-\S+/.test(l));
  return { jumps, chains };
}

/** Splits an `iptables -S` rule into arguments, keeping quoted comments whole. Pure. */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!));
}

/** The chains of meshwright's (and kube-proxy's) still in the host's tables. */
export async function leftoverChains(): Promise<string[]> {
  const left: string[] = [];
  for (const cmd of IPTABLES)
    for (const table of TABLES) {
      const dump = await capture(cmd, ["-w", "-t", table, "-S"]);
      for (const m of dump.stdout.matchAll(/^-N ((?:MESHWRIGHT-CLUSTER|KUBE-)\S*)$/gm)) left.push(`${cmd} ${table}/${m[1]}`);
    }
  return left;
}

import { readFileSync } from "node:fs";
import { capture } from "../shell";

/**
 * Mount points at or below any of `roots` in a mountinfo text, deepest first (so a mount is
 * never unmounted before one inside it), octal escapes (`\040` for a space) decoded. Pure.
 */
export function mountsUnder(mountinfo: string, roots: readonly string[]): string[] {
  const points = mountinfo
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => roots.some((r) => p === r || p.startsWith(`${r}/`)));
  return [...new Set(points)].sort((a, b) => b.split("/").length - a.split("/").length || b.length - a.length);
}

/** Unmounts everything at or below `roots` (lazily where busy); returns what stays mounted. */
export async function unmountAll(roots: readonly string[]): Promise<string[]> {
  // A path mounted twice (the kubelet bind-mounts its root onto itself) needs one umount per layer.
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(readFileSync("/proc/self/mountinfo", "utf8"), roots);
    if (!points.length) return [];
    for (const p of points) if ((await capture("umount", [p])).code !== 0) await capture("umount", ["-l", p]);
  }
  return mountsUnder(readFileSync("/proc/self/mountinfo", "utf8"), roots);
}

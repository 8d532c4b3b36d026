import { roundRobinVerdict, shunVerdict } from "../../../harness/stats";

const three = ["a", "b", "c"];

/** Instances picked uniformly at random from a seeded generator (mulberry32), so runs repeat. */
function randomPicks(seed: number, n: number): string[] {
  let t = seed >>> 0;
  const next = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => three[Math.floor(next() * 3)]!);
}

describe("round robin verdict (repeats of the previous instance)", () => {
  it("accepts requests taken in turn, even with a few repeats where Envoy's workers interleave", () => {
    const cycle = Array.from({ length: 200 }, (_, i) => three[i % 3]!);
    expect(roundRobinVerdict(cycle, three)).toMatchObject({ pass: true, repeats: 0, pairs: 199 });
    cycle[50] = cycle[49]!;
    cycle[120] = cycle[119]!;
    expect(roundRobinVerdict(cycle, three).pass).toBe(true);
  });

  it("rejects random picking, whose repeats are about one in k", () => {
    const v = roundRobinVerdict(randomPicks(42, 200), three);
    expect(v.pass).toBe(false);
    expect(v.summary).toMatch(/random picking would repeat about 66 \(p=.*not distinguishable from random/);
  });

  it("calls random picking round robin no more often than alpha says", () => {
    const runs = 4000;
    const alpha = 0.01;
    const falsePasses = Array.from({ length: runs }, (_, seed) => roundRobinVerdict(randomPicks(seed + 1, 60), three, alpha).pass).filter(Boolean).length;
    // The rate is at most alpha by construction; allow three standard errors of sampling noise.
    expect(falsePasses / runs).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs));
    expect(falsePasses).toBeGreaterThan(0); // the verdict is not simply refusing everything
  });

  it("fails when an instance never answered or one answered that was not declared", () => {
    expect(roundRobinVerdict(["a", "b", "a", "b"], three).summary).toContain("never answering: c");
    expect(roundRobinVerdict(["a", "b", "c", "d"], three).summary).toContain("not declared: d");
  });
});

describe("shun verdict (least request avoids a slow instance)", () => {
  it("finds a slowed instance's 74 of 600 far below its fair 200 (seen on least_request)", () => {
    const v = shunVerdict({ a: 74, b: 284, c: 242 }, "a", three);
    expect(v.pass).toBe(true);
    expect(v.pValue).toBeLessThan(1e-20);
  });

  it("does not call a fair share shunned (round robin with the same slowed instance: 199 of 600)", () => {
    expect(shunVerdict({ a: 199, b: 200, c: 201 }, "a", three).pass).toBe(false);
  });

  it("does not call more than a fair share shunned", () => {
    expect(shunVerdict({ a: 300, b: 150, c: 150 }, "a", three).pass).toBe(false);
  });
});

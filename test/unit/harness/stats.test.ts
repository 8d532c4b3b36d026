import fc from "fast-check";
import {
  balanceSampleSize,
  chiSquarePower,
  chiSquareQuantile,
  chiSquareSampleSize,
  chiSquareTest,
  sampleRateVerdict,
  weightsVerdict,
} from "../../../harness/stats";

describe("chi-square goodness of fit", () => {
  // Critical values from any chi-square table.
  it.each([
    [0.95, 1, 3.841],
    [0.95, 2, 5.991],
    [0.99, 2, 9.21],
    [0.999, 3, 16.266],
    [0.95, 10, 18.307],
  ])("the %s quantile with %i degrees of freedom is %s", (p, df, value) => {
    expect(chiSquareQuantile(p, df)).toBeCloseTo(value, 2);
  });

  it("computes Pearson's statistic and p-value for a textbook die", () => {
    // 60 rolls: 5, 8, 9, 8, 10, 20 against a fair die → χ² = 13.4, df 5, p ≈ 0.0199.
    const r = chiSquareTest([5, 8, 9, 8, 10, 20], [1, 1, 1, 1, 1, 1]);
    expect(r.statistic).toBeCloseTo(13.4, 5);
    expect(r.df).toBe(5);
    expect(r.pValue).toBeCloseTo(0.0199, 3);
  });

  it("gives p = 1 when counts are exactly proportional to the weights", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (weights, scale) => {
        const r = chiSquareTest(
          weights.map((w) => w * scale),
          weights,
        );
        expect(r.statistic).toBeCloseTo(0, 9);
        expect(r.pValue).toBeCloseTo(1, 9);
      }),
    );
  });

  it("always yields a p-value in [0, 1]", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 10 })), { minLength: 2, maxLength: 8 }).filter((xs) => xs.some(([o]) => o > 0)),
        (xs) => {
          const p = chiSquareTest(
            xs.map(([o]) => o),
            xs.map(([, w]) => w),
          ).pValue;
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("refuses mismatched or empty inputs", () => {
    expect(() => chiSquareTest([1, 2], [1])).toThrow(RangeError);
    expect(() => chiSquareTest([0, 0], [1, 1])).toThrow(RangeError);
  });
});

describe("sample size from confidence and effect size", () => {
  it("matches Cohen's table: w = 0.3, df = 1, α = 0.05, power 0.8 needs about 88", () => {
    expect(chiSquareSampleSize({ categories: 2, effectSize: 0.3, alpha: 0.05, power: 0.8 })).toBeGreaterThanOrEqual(85);
    expect(chiSquareSampleSize({ categories: 2, effectSize: 0.3, alpha: 0.05, power: 0.8 })).toBeLessThanOrEqual(92);
  });

  it("needs more samples for smaller effects and stricter confidence", () => {
    expect(balanceSampleSize(3, { effectSize: 0.1 })).toBeGreaterThan(balanceSampleSize(3, { effectSize: 0.2 }));
    expect(balanceSampleSize(3, { alpha: 0.0001 })).toBeGreaterThan(balanceSampleSize(3, { alpha: 0.01 }));
  });

  it("reaches the power it was asked for", () => {
    const n = chiSquareSampleSize({ categories: 4, effectSize: 0.2, alpha: 0.001, power: 0.95 });
    expect(chiSquarePower(n, 0.2, 3, 0.001)).toBeGreaterThanOrEqual(0.95);
    expect(chiSquarePower(n - 1, 0.2, 3, 0.001)).toBeLessThan(0.95);
  });
});

describe("weights verdict", () => {
  it("passes counts that follow the declared weights and says so", () => {
    const v = weightsVerdict({ a: 505, b: 310, c: 95 }, { a: 5, b: 3, c: 1 });
    expect(v.pass).toBe(true);
    expect(v.summary).toMatch(/^consistent with the declared weights at 99.9% confidence/);
  });

  it("fails an even spread against 5:3:1 weights, naming observed and expected counts", () => {
    const v = weightsVerdict({ a: 300, b: 300, c: 300 }, { a: 5, b: 3, c: 1 });
    expect(v.pass).toBe(false);
    expect(v.summary).toContain("a 300/500");
  });

  it("fails when an instance that should get nothing answered", () => {
    expect(weightsVerdict({ a: 10, b: 10, intruder: 1 }, { a: 1, b: 1 }).pass).toBe(false);
  });
});

describe("stickiness verdict", () => {
  const { stickinessVerdict } = jest.requireActual<typeof import("../../../harness/stats")>("../../../harness/stats");
  const keys = (owners: string[]) => Object.fromEntries(owners.map((o, i) => [`user-${i}`, { [o]: 20 }]));

  it("passes when every key has one owner and owners are spread", () => {
    expect(stickinessVerdict(keys(["a", "b", "c", "a", "b", "c", "a", "b", "c"]), ["a", "b", "c"]).pass).toBe(true);
  });

  it("fails when a key is answered by two instances, naming it", () => {
    const v = stickinessVerdict({ ...keys(["a", "b", "c"]), "user-x": { a: 10, b: 10 } }, ["a", "b", "c"]);
    expect(v.pass).toBe(false);
    expect(v.unstable).toEqual(["user-x"]);
  });

  it("fails when every key lands on the same instance", () => {
    expect(stickinessVerdict(keys(Array(60).fill("a")), ["a", "b", "c"]).pass).toBe(false);
  });
});

describe("sample-rate verdict (exact two-sided binomial test)", () => {
  it("accepts a count near the declared rate and rejects one far from it", () => {
    expect(sampleRateVerdict(100, 400, 0.25).pass).toBe(true);
    expect(sampleRateVerdict(80, 400, 0.25).pass).toBe(true);
    // The control the tracing e2e runs: the same 25% share judged against 50%.
    expect(sampleRateVerdict(100, 400, 0.5).pass).toBe(false);
    expect(sampleRateVerdict(400, 400, 0.25).pass).toBe(false);
  });

  it("matches a textbook value: 7 heads in 10 fair tosses, p = 0.34375", () => {
    expect(sampleRateVerdict(7, 10, 0.5).pValue).toBeCloseTo(0.34375, 9);
  });

  it("passes a rate of 1 only when every request was sampled", () => {
    expect(sampleRateVerdict(50, 50, 1).pass).toBe(true);
    expect(sampleRateVerdict(49, 50, 1).pass).toBe(false);
  });

  it("rejects at most alpha of samples drawn at the declared rate", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (n, p) => {
        const v = sampleRateVerdict(Math.round(n * p), n, p);
        expect(v.pass).toBe(true);
      }),
    );
  });
});

import fc from "fast-check";
import { percentages } from "../../sdk";

describe("split weights become Consul percentages", () => {
  it("always sum to exactly 100 with at most two decimals", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 20 }), (weights) => {
        const pct = percentages(weights);
        expect(Math.round(pct.reduce((a, b) => a + b, 0) * 100)).toBe(10000);
        pct.forEach((p) => expect(Math.round(p * 100)).toBeCloseTo(p * 100, 6));
      }),
    );
  });

  it("keep proportions: 2:1 is 66.67/33.33 and 1:1:1 gives the spare hundredth to the first", () => {
    expect(percentages([2, 1])).toEqual([66.67, 33.33]);
    expect(percentages([1, 1, 1])).toEqual([33.34, 33.33, 33.33]);
  });
});

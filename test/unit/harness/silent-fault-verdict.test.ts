import { silentFaultVerdict } from "../../../harness/stats";

// The chaos test's mesh: 4 in flight, a 1 s route timeout, ejection after 2 failures for 3 s.
const chaos = { concurrency: 4, requestTimeoutMs: 1000, consecutive5xx: 2, baseEjectionTimeMs: 3000 };

describe("silent fault verdict (failures a hung, paused or cut-off instance may cost)", () => {
  it("allows one wave of c + consecutive5xx − 1 failures while the instance cannot come back", () => {
    expect(silentFaultVerdict(4, 3999, chaos)).toMatchObject({ pass: true, admissions: 1, perAdmission: 5, maxFailed: 5 });
  });

  it("allows one more wave for every timeout plus base ejection time the load goes on", () => {
    // CI's flake: 9 failures over 6.7 s of a load that ran on; two waves of 4 and a straggler.
    expect(silentFaultVerdict(9, 8000, chaos)).toMatchObject({ pass: true, admissions: 3, maxFailed: 15 });
    expect(silentFaultVerdict(9, 7999, chaos)).toMatchObject({ pass: true, admissions: 2, maxFailed: 10 });
  });

  it("fails the mesh without outlier detection, where every caller keeps landing on the dead instance", () => {
    // Round robin over 3, each caller stuck T on every third pick: about c failures per T.
    const v = silentFaultVerdict(40, 10_000, chaos);
    expect(v).toMatchObject({ pass: false, admissions: 3, maxFailed: 15 });
    expect(v.summary).toBe("40 failed in 10.0 s of load after the fault; the settings allow 15: 3 admissions (one per 4000 ms of timeout plus ejection) × 5 (4 in flight + 1 before the ejection)");
  });

  it("treats a window that closed before the fault as the first admission only", () => {
    expect(silentFaultVerdict(0, -50, chaos)).toMatchObject({ pass: true, admissions: 1, maxFailed: 5 });
  });
});

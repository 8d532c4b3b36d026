import { silentFaultVerdict } from "../../../harness/stats";

// The chaos test's mesh: 4 in flight, a 1 s route timeout, ejection after 2 failures for 3 s.
const chaos = { concurrency: 4, requestTimeoutMs: 1000, consecutive5xx: 2, baseEjectionTimeMs: 3000 };

describe("silent fault verdict (failures a hung, paused or cut-off instance may cost)", () => {
  it("allows one wave of k + 2c − 1 failures while the instance cannot be back yet", () => {
    // Seen on an idle machine: 4 failures at 0.9 s and one caller that landed on it again, at 1.9 s.
    expect(silentFaultVerdict(5, 3999, chaos)).toMatchObject({ pass: true, admissions: 1, perAdmission: 9, maxFailed: 9 });
  });

  it("allows another wave after each timeout plus ejection, the ejections growing by B each time", () => {
    // Admissions at 0, 1 + 3 = 4 s, then 4 + 1 + 6 = 11 s, then 11 + 1 + 9 = 21 s.
    expect(silentFaultVerdict(9, 4000, chaos)).toMatchObject({ pass: true, admissions: 2, maxFailed: 18 });
    expect(silentFaultVerdict(9, 10_999, chaos)).toMatchObject({ admissions: 2 });
    expect(silentFaultVerdict(9, 11_000, chaos)).toMatchObject({ admissions: 3, maxFailed: 27 });
    expect(silentFaultVerdict(9, 21_000, chaos)).toMatchObject({ admissions: 4 });
  });

  it("fails a mesh without outlier detection, where every caller keeps landing on the dead instance", () => {
    // Round robin over 3, each caller stuck T on every third pick: about c failures per T.
    const v = silentFaultVerdict(40, 10_000, chaos);
    expect(v).toMatchObject({ pass: false, admissions: 2, maxFailed: 18 });
    expect(v.summary).toBe(
      "40 failed in 10.0 s of load after the fault; the settings allow 18: 2 admissions of the dead instance in that time × 9 (2 to eject it + 3 still waiting on it + 4 freed before the balancer hears)",
    );
    expect(silentFaultVerdict(12, 3000, chaos).pass).toBe(false);
  });

  it("treats a window that closed before the fault as the first admission only", () => {
    expect(silentFaultVerdict(0, -50, chaos)).toMatchObject({ pass: true, admissions: 1, maxFailed: 9 });
  });
});

export { chiSquareTest, chiSquarePower, chiSquareSampleSize, chiSquareQuantile, type ChiSquareResult } from "./chi-square";
export { weightsVerdict, balanceSampleSize, type BalanceVerdict, type VerdictOptions } from "./balance-verdict";
export { stickinessVerdict, type StickinessVerdict } from "./stickiness-verdict";
export { roundRobinVerdict, type RoundRobinVerdict } from "./round-robin-verdict";
export { shunVerdict, type ShunVerdict } from "./shun-verdict";
export { silentFaultVerdict, type SilentFaultSettings, type SilentFaultVerdict } from "./silent-fault-verdict";
export { sampleRateVerdict, type SampleRateVerdict } from "./sample-rate-verdict";

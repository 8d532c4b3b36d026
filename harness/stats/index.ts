export { chiSquareTest, chiSquarePower, chiSquareSampleSize, chiSquareQuantile, type ChiSquareResult } from "./chi-square";
export { weightsVerdict, balanceSampleSize, type BalanceVerdict, type VerdictOptions } from "./balance-verdict";
export { stickinessVerdict, type StickinessVerdict } from "./stickiness-verdict";

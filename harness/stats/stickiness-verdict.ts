import { chiSquareTest } from "./chi-square";

/** A verdict on hash-based affinity: each key sticks to one instance, keys spread over instances. */
export interface StickinessVerdict {
  readonly pass: boolean;
  /** Keys answered by more than one instance (affinity broken). */
  readonly unstable: readonly string[];
  /** Instance → number of keys it owns. */
  readonly keysPerInstance: Readonly<Record<string, number>>;
  /** p-value of the keys' spread against uniform over the instances. */
  readonly spreadPValue: number;
  readonly summary: string;
}

/**
 * `answers` maps each hash key (a header or cookie value) to the instances that answered its
 * requests, with counts. Sticky when every key has exactly one instance; spread when the keys'
 * owners are consistent with uniform over `instances` at level `alpha`.
 */
export function stickinessVerdict(
  answers: Readonly<Record<string, Readonly<Record<string, number>>>>,
  instances: readonly string[],
  alpha = 0.001,
): StickinessVerdict {
  const unstable = Object.entries(answers)
    .filter(([, by]) => Object.keys(by).length !== 1)
    .map(([k]) => k);
  const keysPerInstance: Record<string, number> = Object.fromEntries(instances.map((i) => [i, 0]));
  for (const by of Object.values(answers)) for (const i of Object.keys(by)) keysPerInstance[i] = (keysPerInstance[i] ?? 0) + 1;
  const spread = chiSquareTest(
    instances.map((i) => keysPerInstance[i] ?? 0),
    instances.map(() => 1),
  );
  const pass = unstable.length === 0 && spread.pValue >= alpha;
  const summary = unstable.length
    ? `${unstable.length} of ${Object.keys(answers).length} keys were answered by more than one instance (e.g. ${unstable[0]}: ${JSON.stringify(answers[unstable[0]!])})`
    : `every key stuck to one instance; keys per instance ${JSON.stringify(keysPerInstance)} ${spread.pValue >= alpha ? "are" : "are not"} consistent with an even spread (p=${spread.pValue.toPrecision(3)})`;
  return { pass, unstable, keysPerInstance, spreadPValue: spread.pValue, summary };
}

/** Anything that can be stopped. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * Starts several things in parallel. If any fails, the ones that did start are stopped
 * before the first error is rethrown, so a failed start leaves nothing running.
 */
export async function startAll<T extends readonly Stoppable[]>(...starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === "fulfilled" ? s.value.stop().catch(() => undefined) : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<Stoppable>).value) as unknown as T;
}

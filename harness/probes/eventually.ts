/** Options for {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this long. @default 60000 */
  timeoutMs?: number;
  /** Wait this long between tries. @default 500 */
  intervalMs?: number;
  /** Names what is awaited, for the timeout message. */
  what: string;
}

/**
 * Retries `probe` until it returns a value without throwing; on timeout, fails with
 * what was awaited and the last reason it was not there yet. Replaces sleeps.
 */
export async function eventually<T>(probe: () => Promise<T>, opts: EventuallyOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${opts.what}: ${last instanceof Error ? last.message : String(last)}`, {
        cause: last,
      });
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}

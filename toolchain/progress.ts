import type { StepContext } from "./images/recipe";

/** Formats milliseconds as `1m05s` / `4.2s`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * A step context that prints each step's start and duration, and a heartbeat every
 * 30 s so a long Go build or Keycloak build never looks hung in CI logs.
 */
export function printingContext(image: string, log: string, out: (line: string) => void = console.log): StepContext {
  return {
    log,
    async step(title, work) {
      const started = Date.now();
      out(`  ${image}: ${title} …`);
      const beat = setInterval(() => out(`  ${image}: … still on "${title}" (${duration(Date.now() - started)})`), 30_000);
      try {
        const result = await work();
        out(`  ${image}: ${title} done in ${duration(Date.now() - started)}`);
        return result;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

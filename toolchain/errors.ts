/**
 * A build step that failed for a reason outside meshwright (no network, a registry
 * refusing, no disk, no Docker). Carries a one-line cause and the command that fixes it.
 */
export class ImageBuildError extends Error {
  override readonly name = "ImageBuildError";
  constructor(
    /** One line: what went wrong. */
    readonly reason: string,
    /** The command (or action) that fixes it. */
    readonly fix: string,
    /** Where the full output of the failed step is. */
    readonly logPath?: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}\n  fix: ${fix}${logPath ? `\n  log: ${logPath}` : ""}`, options);
  }
}

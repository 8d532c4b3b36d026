/** What a {@link MeshwrightError} carries besides its reason. */
export interface ErrorDetails {
  /** The command (or action) that fixes it. */
  readonly fix?: string;
  /** Where the full output of the failed step is. */
  readonly log?: string;
  /** The error underneath, kept for debugging. */
  readonly cause?: unknown;
}

/**
 * The base of every error a meshwright command reports: a one-line reason, the command that
 * fixes it, where the full log is, and the error underneath. Its message is what the CLIs
 * print, so the same error reads the same from `meshwright up`, `meshwright images` and a test.
 */
export class MeshwrightError extends Error {
  override readonly name: string = "MeshwrightError";
  /** One line: what went wrong. */
  readonly reason: string;
  /** The command (or action) that fixes it. */
  readonly fix: string | undefined;
  /** Where the full output of the failed step is. */
  readonly log: string | undefined;

  constructor(reason: string, details: ErrorDetails = {}) {
    super(
      `${reason}${details.fix ? `\n  fix: ${details.fix}` : ""}${details.log ? `\n  log: ${details.log}` : ""}`,
      "cause" in details ? { cause: details.cause } : undefined,
    );
    this.reason = reason;
    this.fix = details.fix;
    this.log = details.log;
  }
}

/**
 * A build step that failed for a reason outside meshwright (no network, a registry
 * refusing, no disk, no Docker). Carries a one-line cause and the command that fixes it.
 */
export class ImageBuildError extends MeshwrightError {
  override readonly name: string = "ImageBuildError";
  constructor(
    reason: string,
    fix: string,
    /** Where the full output of the failed step is. */
    readonly logPath?: string,
    options?: { cause?: unknown },
  ) {
    super(reason, { fix, ...(logPath ? { log: logPath } : {}), ...(options && "cause" in options ? { cause: options.cause } : {}) });
  }
}

/** A prerequisite (a program, a peer package, a local image) is not there. */
export class MissingPrerequisiteError extends MeshwrightError {
  override readonly name: string = "MissingPrerequisiteError";
}

/**
 * An optional peer dependency is not installed: names the package, the entry point that needs
 * it, and the install command.
 */
export class MissingPeerError extends MissingPrerequisiteError {
  override readonly name: string = "MissingPeerError";
  constructor(
    /** The package that is missing, e.g. `testcontainers`. */
    readonly peer: string,
    /** The entry point that needs it, e.g. `meshwright/harness`. */
    readonly entry: string,
    /** The version range meshwright supports, e.g. `^12.0.4`. */
    readonly range: string,
    cause?: unknown,
  ) {
    super(`${entry} needs the package ${peer}, which is not installed`, {
      fix: `npm install --save-dev ${peer}@"${range}"`,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/**
 * The text a CLI prints for an error: a meshwright error as its reason, fix and log; any
 * error with a message meant for users (validation, a failed update) as that message; a
 * bug with its stack, so it can be reported.
 */
export function formatError(error: unknown): string {
  if (error instanceof MeshwrightError) return `error: ${error.message}`;
  if (error instanceof Error && USER_FACING.has(error.name)) return `error: ${error.message}`;
  if (error instanceof Error) return `error: ${error.stack ?? error.message}`;
  return `error: ${String(error)}`;
}

/** Errors of other layers whose message is already written for the user. */
const USER_FACING = new Set([
  "MeshValidationError",
  "StackUpdateError",
  "EngineMissingError",
  "MissingImageError",
  "BuildContextError",
  "SecretsNotSuppliedError",
]);

/**
 * The one error vocabulary of mother.
 *
 * - {@link MotherError}: something the user can fix (a bad file, a bad option, an output that cannot be
 *   written). Message style `<file>: <problem> (<value>, limit <limit>); help: <hint>`. The CLI prints
 *   `message` on one line and exits 1. Messages are not written where they are thrown: each is a named
 *   function in `src/messages.ts` that takes the offending values and returns the error.
 * - {@link BugError}: an internal invariant broke. It never reaches a user as if their input were wrong:
 *   the CLI prints it as a bug, with a note on how to report it. Thrown by {@link assert} and {@link bug}.
 */

/** What kind of user mistake an error reports (lets callers and tests tell them apart without parsing text). */
export type ErrorCode =
  /** A file or folder given as input is unreadable, malformed or unsupported. */
  | "input"
  /** A command-line option or its value is wrong. */
  | "option"
  /** An output location cannot be written, or would overwrite something the user owns. */
  | "output"
  /** The machine lacks something (a compiler, a browser, a server). */
  | "environment";

/** Optional detail of a {@link MotherError}: the offending value, the limit it broke, and a hint. */
export interface ErrorDetail {
  readonly value?: unknown;
  readonly limit?: unknown;
  readonly help?: string;
}

/** A problem the user can fix; `message` is the one line the CLI prints. */
export class MotherError extends Error {
  override readonly name = "MotherError";
  constructor(
    /** The file or path at fault (or the option name for a bad flag). */
    readonly file: string,
    /** What is wrong, in a few words. */
    readonly problem: string,
    /** Optional detail: the offending value, the limit it broke, a hint. */
    readonly detail?: ErrorDetail,
    /** What kind of mistake this is. */
    readonly code: ErrorCode = "input",
  ) {
    super(formatMessage(file, problem, detail));
  }
}

/** An internal invariant that does not hold: a bug in mother, never a problem with the user's input. */
export class BugError extends Error {
  override readonly name = "BugError";
  constructor(what: string) {
    super(`bug: ${what}`);
  }
}

/** Throws a {@link BugError} unless `condition` holds; `what` names the invariant. */
export function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new BugError(what);
}

/** Throws a {@link BugError} for a state that cannot happen. */
export function bug(what: string): never {
  throw new BugError(what);
}

function formatMessage(file: string, problem: string, detail?: ErrorDetail): string {
  let message = `${file}: ${problem}`;
  const parts: string[] = [];
  if (detail?.value !== undefined) parts.push(String(detail.value));
  if (detail?.limit !== undefined) parts.push(`limit ${String(detail.limit)}`);
  if (parts.length > 0) message += ` (${parts.join(", ")})`;
  if (detail?.help) message += `; help: ${detail.help}`;
  return message;
}

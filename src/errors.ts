/**
 * One error class and one message style for everything the user can get wrong:
 * `<file>: <problem> (<value>, limit <limit>)`, plus a `help:` hint where the fix is known.
 * The CLI prints `message` on one line and exits non-zero.
 */
export class MotherError extends Error {
  override readonly name = "MotherError";
  constructor(
    /** The file or path at fault (or the option name for a bad flag). */
    readonly file: string,
    /** What is wrong, in a few words. */
    readonly problem: string,
    /** Optional detail: the offending value, and the limit it broke. */
    readonly detail?: { value?: unknown; limit?: unknown; help?: string },
  ) {
    super(formatMessage(file, problem, detail));
  }
}

function formatMessage(file: string, problem: string, detail?: { value?: unknown; limit?: unknown; help?: string }): string {
  let message = `${file}: ${problem}`;
  const parts: string[] = [];
  if (detail?.value !== undefined) parts.push(String(detail.value));
  if (detail?.limit !== undefined) parts.push(`limit ${String(detail.limit)}`);
  if (parts.length > 0) message += ` (${parts.join(", ")})`;
  if (detail?.help) message += `; help: ${detail.help}`;
  return message;
}

/**
 * `mother recover`'s flags: how each is spelled, whether it takes a value, and which values it
 * accepts. One list for two readers: recover-options.ts declares commander's table from it (with
 * the descriptions and defaults), and recover-words.ts reads a command line with it before the
 * program loads, where commander is not loaded yet (jit-tier.ts, main.ts). So this file imports
 * only a list of names, and a value the command would refuse (`--stage sideways`) is refused
 * before a relaunch.
 */
import { GRAPH_FORMATS } from "../recover/graph-formats.ts";

/** One flag: its value's name in the help (none: a switch), a short form, and the values it accepts. */
export interface RecoverFlag {
  /** `<name>` in the help; absent for a switch. */
  readonly value?: string;
  /** The short form (`-q`). */
  readonly short?: string;
  /** The values accepted, when they are a fixed list (commander's choices). */
  readonly choices?: readonly string[];
  /** The value as the command takes it, or why it is refused (`{ refused }`), when it is checked by its form (a number). */
  readonly read?: (value: string) => number | string | { readonly refused: string };
}

/** A whole number ≥ `least` (and ≤ `most`, if given), or why not; `also` names another accepted value for the message (e.g. 'auto'). */
export function readWholeNumber(value: string, least: number, also?: string, most?: number): number | { readonly refused: string } {
  const n = Number(value);
  const expected = most !== undefined ? `a whole number from ${least} to ${most}` : least === 1 ? "a positive whole number" : `a whole number ≥ ${least}`;
  return Number.isInteger(n) && n >= least && (most === undefined || n <= most) ? n : { refused: `expected ${expected}${also ? ` or ${also}` : ""}` };
}

/**
 * The most --workers: each is a thread with its own JavaScript VM (~3 MB and tens of milliseconds to
 * start). `--workers 1000` on a 4-model set started 1,000 of them: 15 s and 3.1 GB for what one thread
 * does in a second (docs/robustness.md). A recovery never starts more than it has layer jobs either.
 */
export const MAX_WORKERS = 256;

/**
 * The largest --lambda: λ = c · mean(D) is added to the tree's edge costs, and a c near the largest
 * double overflows them (c = 1e308 ended in "mother: bug: … edge weight must be a number … NaN").
 * At 10^6 the prior already weighs a million times the mean distance.
 */
export const MAX_LAMBDA = 1e6;

/** A number from 0 to MAX_LAMBDA (the direction prior's weight), or why not. */
function readLambda(value: string): number | { readonly refused: string } {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && n <= MAX_LAMBDA ? n : { refused: `expected a number from 0 to ${MAX_LAMBDA}` };
}

/** `mother recover`'s flags, in the order of its help. */
export const RECOVER_FLAGS = {
  "--stage": { value: "<stage>", choices: ["specialization", "generalization", "auto"] },
  "--stages": { value: "<file>" },
  "--chain": { value: "<rule>", choices: ["specialization", "init-distance", "chains"] },
  "--sibling-angles": { value: "<mode>", choices: ["auto", "on", "off", "parent"] },
  "--sibling-geometry": { value: "<kind>", choices: ["euclidean", "scale-free", "correlation"] },
  "--sibling-adapters": { value: "<mode>", choices: ["rule", "skip"] },
  "--pair-direction": { value: "<mode>", choices: ["auto", "on", "off"] },
  "--pair-rule": { value: "<form>", choices: ["tanh", "adaptive", "tanh-hetero", "entropy", "cumulant", "heteroscedasticity"] },
  "--pair-decay": { value: "<mode>", choices: ["on", "off", "exact"] },
  "--pair-ancestor": { value: "<mode>", choices: ["on", "off", "floor", "agree"] },
  "--pair-inherit": { value: "<mode>", choices: ["off", "forbid", "spare", "on"] },
  "--long-edge": { value: "<mode>", choices: ["off", "root"] },
  "--pair-offside": { value: "<side>", choices: ["off", "under", "over"] },
  "--pair-penalty": { value: "<mode>", choices: ["full", "confidence"] },
  "--pair-root": { value: "<mode>", choices: ["tie", "lambda"] },
  "--pair-lambda": { value: "<x>", read: readLambda },
  "--pair-veto": { value: "<mode>", choices: ["off", "on"] },
  "--root-tie": { value: "<rule>", choices: ["score", "solver"] },
  "--trees": { value: "<n>", read: (v: string) => (v === "auto" ? "auto" : readWholeNumber(v, 1, "'auto'")) },
  "--distance": { value: "<name>", choices: ["ft", "lora", "auto"] },
  "--no-merges": {},
  "--ft-distance": { value: "<kind>", choices: ["geometric", "max", "mean", "euclidean", "auto"] },
  "--lambda": { value: "<c>", read: readLambda },
  "--score": { value: "<name>", choices: ["auto", "kurtosis", "mean", "variance", "skewness", "entropy"] },
  "--format": { value: "<format>", choices: GRAPH_FORMATS },
  "--out": { value: "<file>" },
  "--stats": { value: "<file>" },
  "--workers": { value: "<n>", read: (v: string) => readWholeNumber(v, 0, undefined, MAX_WORKERS) },
  "--cache": { value: "<dir>" },
  "--no-cache": {},
  "--verify-cache": {},
  "--index": { value: "<dir>" },
  "--quiet": { short: "-q" },
} as const satisfies Record<string, RecoverFlag>;

/** A flag of `mother recover` (long form). */
export type RecoverFlagName = keyof typeof RECOVER_FLAGS;

/** Whether `value` is one `flag` accepts, as commander would judge it (choices, or the form its reader checks). */
export function acceptsValue(flag: RecoverFlag, value: string): boolean {
  if (flag.choices && !flag.choices.includes(value)) return false;
  const read = flag.read?.(value);
  return typeof read !== "object";
}

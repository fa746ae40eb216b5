/**
 * The paths of a `mother recover` command line, read without commander: what jit-tier.ts sizes
 * before relaunching and main.ts before starting the layer threads, in a run's first milliseconds.
 * Loading commander and declaring the option table (recover-options.ts, with the modules its
 * defaults come from) took ~0.02 s, half of what the relaunching process spent before it relaunched
 * (docs/gguf.md "The start of a run").
 *
 * The flags are recover-options.ts's, kept equal to its table by test/cli/recover-words.test.ts,
 * and words are read as commander reads them (Command.parseOptions): a value option takes the
 * next word whatever it looks like, or its `--flag=value` form; `-q` may start a group of short
 * switches (`-qq`); `--` makes every later word a path, and so does a negative number. Anything
 * else that starts with a dash (`--help`, a mistake) reads as undefined: nothing is sized, and
 * the command says what is wrong. A value commander then refuses (`--workers -1`) is not checked
 * here: the relaunched command reports it.
 */

/** `mother recover`'s options that take a value (recover-options.ts). */
export const RECOVER_VALUE_FLAGS: ReadonlySet<string> = new Set([
  "--stage",
  "--stages",
  "--chain",
  "--sibling-angles",
  "--sibling-geometry",
  "--sibling-adapters",
  "--pair-direction",
  "--pair-rule",
  "--pair-decay",
  "--pair-ancestor",
  "--pair-penalty",
  "--root-tie",
  "--trees",
  "--distance",
  "--ft-distance",
  "--lambda",
  "--score",
  "--format",
  "--out",
  "--stats",
  "--workers",
  "--cache",
  "--index",
]);

/** `mother recover`'s options that take none. */
export const RECOVER_SWITCHES: ReadonlySet<string> = new Set(["--no-merges", "--no-cache", "--verify-cache", "--quiet", "-q"]);

/** A command line's paths, and whether it gives --index or --workers. */
export interface RecoverWords {
  readonly paths: string[];
  readonly index: boolean;
  readonly workers: boolean;
}

/** Commander's test for a negative number, which it reads as an operand (no option here is a dash and a digit). */
const NEGATIVE_NUMBER = /^-(\d+|\d*\.\d+)([eE][+-]?\d+)?$/;

/** Reads `words` (what follows `mother recover`) as the file comment says; undefined for a word it does not know. */
export function readRecoverWords(words: readonly string[]): RecoverWords | undefined {
  const paths: string[] = [];
  const given = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") {
      paths.push(...words.slice(i + 1));
      break;
    }
    if (word.length < 2 || word[0] !== "-" || NEGATIVE_NUMBER.test(word)) {
      paths.push(word);
    } else if (RECOVER_VALUE_FLAGS.has(word)) {
      if (i + 1 >= words.length) return undefined; // commander: "option requires an argument"
      given.add(word);
      i++;
    } else if (RECOVER_SWITCHES.has(word) || /^-q+$/.test(word)) {
      given.add(word);
    } else {
      const equals = word.indexOf("=");
      const flag = word.slice(0, equals);
      if (!word.startsWith("--") || equals < 3 || !RECOVER_VALUE_FLAGS.has(flag)) return undefined;
      given.add(flag);
    }
  }
  return { paths, index: given.has("--index"), workers: given.has("--workers") };
}

/**
 * The paths of a `mother recover` command line, read without commander: what jit-tier.ts sizes
 * before relaunching and main.ts before starting the layer threads, in a run's first milliseconds.
 * Loading commander and declaring the option table (recover-options.ts, with the modules its
 * defaults come from) took ~0.02 s, half of what the relaunching process spent before it relaunched
 * (docs/gguf.md "The start of a run").
 *
 * The flags are recover-flags.ts's, which commander's table (recover-options.ts) is declared from,
 * and words are read as commander reads them (Command.parseOptions): a value option takes the
 * next word whatever it looks like, or its `--flag=value` form; `-q` may start a group of short
 * switches (`-qq`); `--` makes every later word a path, and so does a negative number. Anything
 * else that starts with a dash (`--help`, a mistake), and a value its option refuses (`--stage
 * sideways`, `--workers -1`), reads as undefined: nothing is sized or relaunched, and the command
 * says what is wrong.
 */
import { acceptsValue, RECOVER_FLAGS, type RecoverFlag } from "./recover-flags.ts";

/** `mother recover`'s options that take a value (recover-flags.ts). */
export const RECOVER_VALUE_FLAGS: ReadonlyMap<string, RecoverFlag> = new Map(
  Object.entries(RECOVER_FLAGS as Record<string, RecoverFlag>).filter(([, flag]) => flag.value !== undefined),
);

/** `mother recover`'s options that take none, long and short. */
export const RECOVER_SWITCHES: ReadonlySet<string> = new Set(
  Object.entries(RECOVER_FLAGS as Record<string, RecoverFlag>).flatMap(([name, flag]) =>
    flag.value === undefined ? [name, ...(flag.short ? [flag.short] : [])] : [],
  ),
);

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
      if (!acceptsValue(RECOVER_VALUE_FLAGS.get(word)!, words[i + 1]!)) return undefined;
      given.add(word);
      i++;
    } else if (RECOVER_SWITCHES.has(word) || /^-q+$/.test(word)) {
      given.add(word);
    } else {
      const equals = word.indexOf("=");
      const flag = RECOVER_VALUE_FLAGS.get(word.slice(0, equals));
      if (!word.startsWith("--") || equals < 3 || !flag || !acceptsValue(flag, word.slice(equals + 1))) return undefined;
      given.add(word.slice(0, equals));
    }
  }
  return { paths, index: given.has("--index"), workers: given.has("--workers") };
}

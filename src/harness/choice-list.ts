/** The experiments' list options (`--kinds int8,fp16`, `--recipes a,c`, `--sets vthr`), parsed one way. */
import { InvalidArgumentError } from "commander";

/**
 * A comma-separated list of named choices, in the order given and without repeats. `find` maps a
 * word to its choice (undefined: unknown); `what` names one choice in messages ("copy kind");
 * `choices` are the valid words, listed when a word is not one of them.
 */
export function choiceList<T>(value: string, what: string, choices: readonly string[], find: (word: string) => T | undefined): T[] {
  const chosen: T[] = [];
  for (const word of value.split(",").map((s) => s.trim())) {
    if (word === "") continue;
    const choice = find(word);
    if (choice === undefined) throw new InvalidArgumentError(`unknown ${what} '${word}' (choose from ${choices.join(", ")})`);
    if (!chosen.includes(choice)) chosen.push(choice);
  }
  if (chosen.length === 0) throw new InvalidArgumentError(`expected at least one ${what}`);
  return chosen;
}

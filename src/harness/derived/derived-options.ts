/** Command-line choices of experiments/derived-copies.ts beyond the copy kinds (derived-kinds.ts). */
import { InvalidArgumentError } from "commander";
import type { SourceChoice } from "./pick-sources.ts";

/** The two families of source models. */
export const SET_FAMILIES = ["foreign", "vthr"] as const;
export type SetFamily = (typeof SET_FAMILIES)[number];

/** `--sets foreign,vthr`: families in the order given, without repeats. */
export function parseSetFamilies(value: string): SetFamily[] {
  const chosen: SetFamily[] = [];
  for (const word of value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    if (!SET_FAMILIES.includes(word as SetFamily)) throw new InvalidArgumentError(`unknown set family '${word}' (choose from ${SET_FAMILIES.join(", ")})`);
    if (!chosen.includes(word as SetFamily)) chosen.push(word as SetFamily);
  }
  if (chosen.length === 0) throw new InvalidArgumentError("expected at least one set family");
  return chosen;
}

/** `--sources sample|all`. */
export function parseSourceChoice(value: string): SourceChoice {
  if (value !== "sample" && value !== "all") throw new InvalidArgumentError(`unknown source choice '${value}' (choose from sample, all)`);
  return value;
}

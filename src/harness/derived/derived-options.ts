/** Command-line choices of experiments/derived-copies.ts beyond the copy kinds (derived-kinds.ts). */
import { choiceList } from "../choice-list.ts";
import { InvalidArgumentError } from "commander";
import type { SourceChoice } from "./pick-sources.ts";

/** The two families of source models. */
export const SET_FAMILIES = ["foreign", "vthr"] as const;
export type SetFamily = (typeof SET_FAMILIES)[number];

/** `--sets foreign,vthr`: families in the order given, without repeats. */
export function parseSetFamilies(value: string): SetFamily[] {
  return choiceList(value, "set family", SET_FAMILIES, (word) => SET_FAMILIES.find((family) => family === word));
}

/** `--sources sample|all`. */
export function parseSourceChoice(value: string): SourceChoice {
  if (value !== "sample" && value !== "all") throw new InvalidArgumentError(`unknown source choice '${value}' (choose from sample, all)`);
  return value;
}

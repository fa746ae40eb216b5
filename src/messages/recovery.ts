/** Messages of recovery (src/recover/) beyond the first ones in src/messages.ts: options and weights that cannot be recovered. */
import { MotherError } from "../errors.ts";

/** `--trees N` below the number of architectures or above the number of models. */
export function cannotMakeTrees(trees: number, groups: number, models: number): MotherError {
  const reason = trees < groups ? `the models span ${groups} architectures, so at least ${groups} trees` : `only ${models} models`;
  return new MotherError("--trees", `cannot make ${trees} trees: ${reason}`, { value: trees }, "option");
}

/** A compared tensor holding NaN or ±Inf. */
export function nonFiniteWeight(file: string, tensor: string): MotherError {
  return new MotherError(file, `tensor ${tensor} holds a non-finite weight`, { help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint" });
}

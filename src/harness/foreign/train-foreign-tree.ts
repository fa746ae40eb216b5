/** Training the foreign trees: PyTorch (train_tree.py) in a child process, one thread, cached by folder. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ForeignRecipe } from "./foreign-recipes.ts";
import { foreignTrainingFailed, torchMissing } from "../../messages.ts";

/** Fails with one line naming `python` unless it can import torch and numpy. */
export function checkTorch(python: string): void {
  let ok = false;
  try {
    ok = existsSync(python) && Bun.spawnSync([python, "-c", "import torch, numpy"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  } catch {
    ok = false;
  }
  if (!ok) throw torchMissing(python);
}

/**
 * Trains one recipe's tree into `folder` with `trainer` (train_tree.py) on one torch and BLAS
 * thread, unless its truth.json is already there (then says it is cached).
 */
export async function trainForeignTree(run: {
  readonly python: string;
  readonly trainer: string;
  readonly recipe: ForeignRecipe;
  readonly folder: string;
  readonly quick: boolean;
}): Promise<void> {
  const { python, trainer, recipe, folder, quick } = run;
  if (existsSync(join(folder, "truth.json"))) {
    process.stderr.write(`[foreign-trees] ${recipe.name}: cached (${folder})\n`);
    return;
  }
  process.stderr.write(`[foreign-trees] ${recipe.name}: training with PyTorch (${recipe.about})\n`);
  const args = [python, trainer, "--out", folder, "--recipe", recipe.name, "--threads", "1", ...(quick ? ["--quick"] : [])];
  // One BLAS/OpenMP thread too: torch.set_num_threads does not reach numpy's BLAS.
  const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const proc = Bun.spawn(args, { stdout: "inherit", stderr: "inherit", env });
  const code = await proc.exited;
  if (code !== 0 || !existsSync(join(folder, "truth.json"))) {
    throw foreignTrainingFailed(trainer, recipe.name, code);
  }
}

/**
 * Messages of the experiment harness (src/harness/): what a person running an experiment can get
 * wrong or lack — an unknown name on its command line, a missing PyTorch, a checkpoint it cannot copy.
 */
import { MotherError } from "../errors.ts";

/** An experiment option naming something the harness does not know (`kind`: "recipe", "layer set", …). */
export function unknownName(kind: string, name: string, known: readonly string[]): MotherError {
  return new MotherError(kind, `unknown name '${name}'`, { help: `known: ${known.join(", ")}` }, "option");
}

/** A Python that cannot import torch and numpy, which train the foreign trees. */
export function torchMissing(python: string): MotherError {
  return new MotherError(
    python,
    "cannot import torch and numpy, which train the foreign trees",
    { help: "install Debian's python3-torch, or pass --python PATH" },
    "environment",
  );
}

/** The PyTorch trainer exited without writing its tree. */
export function foreignTrainingFailed(trainer: string, recipe: string, exitCode: number): MotherError {
  return new MotherError(trainer, `training recipe ${recipe} failed`, { value: `exit code ${exitCode}`, help: "see the trainer's lines above" }, "environment");
}

/** A checkpoint with non-float tensors, which a derived copy would silently drop. */
export function derivedCopyNonFloat(file: string, skipped: number): MotherError {
  return new MotherError(file, "holds non-float tensors, which a derived copy would lose", {
    value: skipped,
    help: "derived copies are made of float-only checkpoints",
  });
}

/** Seed siblings copy the FT split's recipe, so the run's splits must include ft. */
export function seedSiblingsNeedFtSplit(): MotherError {
  return new MotherError(
    "seed siblings",
    "copy the FT split's recipe, so the plan must include the ft split",
    { help: "run with the default splits" },
    "option",
  );
}

/** A sub-tree size outside 1 … the tree's model count. */
export function subtreeSizeOutOfRange(size: number, models: number): MotherError {
  return new MotherError("sub-tree size", "must be a whole number between 1 and the tree's model count", { value: size, limit: models }, "option");
}

/** `--root` of the SD-like family names no VTHR root. */
export function sdFamilyUnknownRoot(name: string, roots: readonly string[]): MotherError {
  return new MotherError("sd family", "no VTHR root of that name", { value: name, help: `VTHR roots: ${roots.join(", ")}` }, "option");
}

/** The SD-like family continues pre-training, so its root must be a masked-patch (generative) one. */
export function sdFamilyRootNotGenerative(name: string, objective: string): MotherError {
  return new MotherError("sd family", "the root must be a masked-patch (generative) root", { value: `${name}: ${objective}` }, "option");
}

/** `mother recover`, run as a user would on a family's folder, failed (`lastLine`: its last line of standard error). */
export function recoverCommandFailed(folder: string, exitCode: number, lastLine: string): MotherError {
  return new MotherError(folder, `mother recover exited with ${exitCode}`, { value: lastLine });
}

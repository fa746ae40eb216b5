/**
 * A family analogue end to end, after planning (shared by experiments/llama-family.ts and
 * experiments/sd-family.ts):
 *
 *   1. train     every member into the artefact cache, parents first (cached ones are skipped)
 *   2. release   a folder of id-named model folders, as users download a family
 *   3. recover   with the product's library path, once per recovery setting; score each
 *   4. explain   ℓ_FT matrix and scores; diagnose every true edge under the first setting;
 *                the two global orientations --stage auto chooses between
 *   5. CLI       `bun run mother recover <release>` with the first setting's flags
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelSource, TruthGraph } from "../../types.ts";
import type { Artifact, ArtifactStore } from "../artifact-store.ts";
import type { Progress } from "../../ui/progress.ts";
import { trainPlanned, type TrainSummary } from "../train-planned.ts";
import { discoverModels } from "../../io/discover-models.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { familyMatrices, type FamilyMatrices } from "./family-matrices.ts";
import { familyTruth, type FamilyMember } from "./family-member.ts";
import { orientationCosts, type OrientationCost } from "./orientation-costs.ts";
import { recoverFamily, type FamilyRecovery, type RecoveryVariant } from "./recover-family.ts";
import { releaseFolder } from "./release-folder.ts";
import { cliFlags, edgeSet, recoverWithCli } from "./recover-with-cli.ts";
import { diagnoseTrueEdges, type TrueEdgeDiagnosis } from "./true-edge-diagnosis.ts";
import { bug } from "../../errors.ts";
import { torchJob, trainTorchFamily } from "./torch-lm-family.ts";

export interface RunFamilyOptions {
  /** Names the release folder's artefact, e.g. "llama-family". */
  readonly family: string;
  readonly members: readonly FamilyMember[];
  readonly recoveries: readonly RecoveryVariant[];
  readonly dtype: "F32" | "BF16";
  readonly store: ArtifactStore;
  readonly progress: Progress;
  readonly workers: number;
  /** Python with PyTorch, for members trained by torch (default Debian's /usr/bin/python3). */
  readonly python?: string;
}

/** What a family run leaves for the report. */
export interface FamilyRun {
  readonly truth: TruthGraph;
  readonly artifacts: ReadonlyMap<string, Artifact>;
  /** `<cache>/release/<key>`: one folder per model id. */
  readonly releasePath: string;
  readonly models: readonly ModelSource[];
  readonly training: ReadonlyMap<string, TrainSummary>;
  readonly recoveries: readonly FamilyRecovery[];
  readonly matrices: FamilyMatrices;
  readonly diagnosis: readonly TrueEdgeDiagnosis[];
  readonly orientations: readonly OrientationCost[];
  readonly cli: { readonly command: string; readonly edges: readonly string[]; readonly matchesLibrary: boolean };
}

/** Trains (or finds in the cache) every member with its trainer: ours, or PyTorch for members marked `torch`. */
export async function trainFamily(
  options: Pick<RunFamilyOptions, "family" | "members" | "dtype" | "store" | "progress" | "workers" | "python">,
): Promise<Map<string, Artifact>> {
  if (!options.members.some((m) => m.torch)) {
    return trainPlanned(options.members, {
      store: options.store,
      progress: options.progress,
      workers: options.workers,
      label: `train ${options.family}`,
      dtype: options.dtype,
    });
  }
  const jobs = options.members.map((m) => ({
    id: m.id,
    ...(m.parent !== undefined ? { parent: m.parent } : {}),
    job: torchJob(m.config, m.torch ?? bug(`${m.id}: a family is trained by one trainer`), options.dtype),
  }));
  return trainTorchFamily(jobs, { store: options.store, python: options.python ?? "/usr/bin/python3" });
}

/** Runs steps 1–5. */
export async function runFamily(options: RunFamilyOptions): Promise<FamilyRun> {
  const truth = familyTruth(options.members);
  const [first] = options.recoveries;
  if (!first) bug("run-family: give at least one recovery setting");

  // 1. train
  const artifacts = await trainFamily(options);
  const training = new Map<string, TrainSummary>();
  for (const [id, artifact] of artifacts) training.set(id, JSON.parse(await readFile(join(artifact.path, "result.json"), "utf8")) as TrainSummary);

  // 2. release folder, opened the way the CLI opens it (ids = folder names)
  const releasePath = await releaseFolder(options.store, options.family, artifacts);
  const models = await discoverModels([releasePath]);

  // 3. recover
  const recoveries = await recoverFamily(models, truth, options.recoveries);

  // 4. explain
  const matrices = await familyMatrices(models, first.overrides);
  const diagnosis = diagnoseTrueEdges(truth, recoveries[0]!.graph, matrices);
  const orientations = orientationCosts(matrices, truth, first.overrides.lambda ?? DEFAULT_RECOVER_OPTIONS.lambda);

  // 5. the CLI on the same folder
  const cli = await recoverWithCli(releasePath, cliFlags(first.overrides));
  const edges = edgeSet(cli.graph);
  const matchesLibrary = JSON.stringify(edges) === JSON.stringify(edgeSet(recoveries[0]!.graph));
  return {
    truth,
    artifacts,
    releasePath,
    models,
    training,
    recoveries,
    matrices,
    diagnosis,
    orientations,
    cli: { command: cli.command, edges, matchesLibrary },
  };
}

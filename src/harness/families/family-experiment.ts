/**
 * The whole of a family experiment (experiments/llama-family.ts, experiments/sd-family.ts),
 * so each script is only its settings and its words:
 *
 *   1. plan      the family's members from the settings
 *   2–5.         train, release, recover (library and CLI), diagnose — runFamily
 *   6. report    truth and recovered JSON under <reports>/data/<family>, the page, the terminal table
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactStore } from "../artifact-store.ts";
import { lineProgress, terminalProgress } from "../../ui/progress.ts";
import { writeFileAtomic } from "../../io/write-file-atomic.ts";
import { publishReport, type CommonCliOptions } from "../experiment-cli.ts";
import { formatGraph } from "../../recover/format.ts";
import type { RecoveryVariant } from "./recover-family.ts";
import type { FamilyMember } from "./family-member.ts";
import { familyReportPage, type PaperFamilyClaim } from "./family-report.ts";
import { runFamily } from "./run-family.ts";

/** What a family experiment needs of its settings. */
export interface FamilySettingsBase {
  readonly seed: number;
  readonly workers: number;
  readonly dtype: "F32" | "BF16";
  readonly recoveries: readonly RecoveryVariant[];
}

export interface FamilyExperiment<Settings extends FamilySettingsBase> {
  /** Names the data folder and the release artefact, e.g. "llama-family". */
  readonly family: string;
  readonly slug: string;
  readonly title: string;
  readonly paper: PaperFamilyClaim;
  readonly plan: (settings: Settings) => readonly FamilyMember[];
  /** The page's paragraph (the quick form's caveat is appended). */
  readonly describe: (settings: Settings) => string;
}

/** Runs one family experiment with already resolved settings. */
export async function runFamilyExperiment<Settings extends FamilySettingsBase>(
  experiment: FamilyExperiment<Settings>,
  settings: Settings,
  options: CommonCliOptions,
): Promise<void> {
  const started = performance.now();
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });

  // 1. plan
  const members = experiment.plan(settings);

  // 2–5. train, release, recover, CLI
  const run = await runFamily({
    family: experiment.family,
    members,
    recoveries: settings.recoveries,
    dtype: settings.dtype,
    store,
    progress,
    workers: settings.workers,
  });

  // 6. report
  const dataDir = join(options.reports, "data", experiment.family);
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "truth.json"), `${JSON.stringify(run.truth, null, 2)}\n`);
  await writeFileAtomic(join(dataDir, "recovered.json"), formatGraph(run.recoveries[0]!.graph, "json"));
  const quickNote = options.quick ? " This is the --quick form: the models barely train, so its numbers mean nothing." : "";
  const page = familyReportPage({
    slug: experiment.slug,
    title: experiment.title,
    description: experiment.describe(settings) + quickNote,
    paper: experiment.paper,
    members,
    truth: run.truth,
    recoveries: run.recoveries,
    matrices: run.matrices,
    diagnosis: run.diagnosis,
    orientations: run.orientations,
    training: run.training,
    dtype: settings.dtype,
    cli: run.cli,
  });
  await publishReport(options.reports, page, run.releasePath, started, "models");
}

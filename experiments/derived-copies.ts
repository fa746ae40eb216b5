#!/usr/bin/env bun
/**
 * Robustness to quantised and pruned copies (SPEC §2 "Beyond the paper"): people re-upload
 * models as int8/4-bit/fp16/pruned copies. A copy's parent is its source; adding copies
 * should not move any other model. Measured on models that already exist (nothing trains):
 *
 *   1. find      the cached PyTorch-trained trees of experiments/foreign-trees.ts and the
 *                VTHR FT split of experiments/vthr.ts (a missing cache is skipped, said so)
 *   2. derive    per set and copy kind, copies of a few sources per tree (root, an inner
 *                model, two leaves; `--sources all`: every model), cached under
 *                <cache>/derived-copies/v<version>/<preset>/<set>/<kind>/<copy id>/ (reused
 *                while the source file is unchanged)
 *   3. recover   each set alone, then with each kind's copies added, and with all kinds at
 *                once, with the defaults (as `bun run mother recover DIR` does)
 *   4. score     copy placement (under its source? flipped above it?), the fate of the
 *                original edges (strictly, and with each copy read as its source), trees found
 *                by --trees auto, the score's move copy vs source; and, recovery aside, whether
 *                storage evidence recognises each copy and its nearest original is its source
 *   5. report    reports/derived-copies.html (+ data/derived-copies/results.json) and the terminal
 *
 * Recovery is quick (small ViTs); wrap a full run in `flock /tmp/mother-heavy.lock` yourself.
 *
 * Usage: bun run experiments/derived-copies.ts [--quick] [--kinds int8,int4,fp16,prune30]
 *        [--sources sample|all] [--sets foreign,vthr] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { deriveCopies } from "../src/harness/derived/derive-copies.ts";
import { ALL_KINDS, derivedCopiesPage } from "../src/harness/derived/derived-copies-page.ts";
import { DERIVED_KINDS, parseDerivedKinds, type DerivedKind } from "../src/harness/derived/derived-kinds.ts";
import { parseSetFamilies, parseSourceChoice, SET_FAMILIES, type SetFamily } from "../src/harness/derived/derived-options.ts";
import { findSourceSets } from "../src/harness/derived/find-source-sets.ts";
import { pickSources, type SourceChoice } from "../src/harness/derived/pick-sources.ts";
import { recogniseCopies, type Recognition } from "../src/harness/derived/recognise-copies.ts";
import { countPlacements, recoverWithCopies, type AugmentedRun } from "../src/harness/derived/recover-with-copies.ts";
import { DERIVED_COPY_VERSION } from "../src/harness/derived/write-derived-copy.ts";

interface Options extends CommonCliOptions {
  readonly kinds?: DerivedKind[];
  readonly sources: SourceChoice;
  readonly sets?: SetFamily[];
}

const program = experimentCommand(
  "derived-copies",
  "Does recovery place quantised / fp16 / pruned copies under the model they were made from, without disturbing the rest of the tree?",
  {
    quick: "the quick foreign trees and quick VTHR split (if cached): an end-to-end smoke test",
    cache: "cache folder: reads <cache>/foreign-trees/ and the VTHR models, writes <cache>/derived-copies/",
  },
)
  .option("--kinds <list>", `comma-separated copy kinds (default all: ${DERIVED_KINDS.map((k) => k.name).join(", ")})`, parseDerivedKinds)
  .option(
    "--sources <which>",
    "which models get copies: sample (per tree the root, an inner model, two leaves) or all",
    parseSourceChoice,
    "sample" as SourceChoice,
  )
  .option("--sets <list>", `source model families (default all: ${SET_FAMILIES.join(", ")})`, parseSetFamilies);

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const preset = options.quick ? "quick" : "full";
  const kinds = options.kinds ?? DERIVED_KINDS.map((k) => k.name);
  const families = options.sets ?? [...SET_FAMILIES];

  // 1. find
  const { sets, skipped } = await findSourceSets(families, options.cache, options.quick === true);
  for (const line of skipped) process.stderr.write(`[derived-copies] skipped ${line}\n`);
  if (sets.length === 0) {
    process.stderr.write("[derived-copies] no cached source models: nothing to measure\n");
    process.exitCode = 1;
    return;
  }

  // 2. derive, 3. recover, 4. score (and recognise from storage alone)
  const runs: AugmentedRun[] = [];
  const recognitions: Recognition[] = [];
  const copyRoot = join(options.cache, "derived-copies", `v${DERIVED_COPY_VERSION}`, preset);
  for (const set of sets) {
    const sources = pickSources(set.truth, options.sources);
    const { copiesOf, written } = await deriveCopies(set, sources, kinds, copyRoot);
    process.stderr.write(`[derived-copies] ${set.name}: ${sources.length} sources × ${kinds.length} kinds (${written} copies written, the rest reused)\n`);

    recognitions.push(await recogniseCopies(set, kinds, copiesOf));

    const baseline = await recoverWithCopies(set, [], undefined, "none");
    runs.push(baseline);
    for (const kind of kinds) runs.push(await recoverWithCopies(set, copiesOf.get(kind) ?? [], baseline, kind));
    if (kinds.length > 1)
      runs.push(
        await recoverWithCopies(
          set,
          kinds.flatMap((k) => copiesOf.get(k) ?? []),
          baseline,
          ALL_KINDS,
        ),
      );
    process.stderr.write(
      `[derived-copies] ${set.name}: ${runs
        .filter((r) => r.set === set.name && r.kind !== "none")
        .map((r) => `${r.kind} ${countPlacements(r, "under source")}/${r.copies} under source`)
        .join(", ")}\n`,
    );
  }

  // 5. report
  const dataDir = join(options.reports, "data", "derived-copies");
  await writeFileAtomic(
    join(dataDir, "results.json"),
    `${JSON.stringify({ version: DERIVED_COPY_VERSION, preset, sources: options.sources, skipped, runs, recognitions }, null, 1)}\n`,
  );
  await publishReport(options.reports, derivedCopiesPage(runs, recognitions, kinds, options.sources, skipped), dataDir, started);
}

if (import.meta.main) await runExperiment(program, main);

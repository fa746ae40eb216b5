#!/usr/bin/env bun
/**
 * Every direction rule of the registry (src/direction/registry.ts) on the VTHR splits: how many
 * true edges each rule's statistic orders the way the rule expects (no tree built), read from
 * the layer statistics and truths experiments/vthr.ts saved.
 *
 *   1. read    <data>/<split>-layer-stats.arrow and <split>-truth.json for FT, LoRA-F, LoRA-V
 *   2. score   each registry rule on each split's true edges (src/harness/direction/rule-agreement.ts)
 *   3. print   rules × splits on the terminal
 *
 * Usage: bun run experiments/direction-rules.ts [--data DIR]   (DIR defaults to reports/data/vthr)
 */
import { Command } from "commander";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DIRECTION_RULES } from "../src/direction/registry.ts";
import { ruleAgreement } from "../src/harness/direction/rule-agreement.ts";
import { printTable } from "../src/report/print-table.ts";
import { readStatsTable, statsFromArrow } from "../src/stats/stats-table.ts";
import type { TruthGraph } from "../src/types.ts";

/** The splits experiments/vthr.ts saves, by file prefix. */
const SPLITS = ["ft", "lora-f", "lora-v"] as const;

const program = new Command("direction-rules")
  .description("Score every direction rule of the registry on the VTHR splits' true edges (from experiments/vthr.ts's saved statistics)")
  .option("--data <dir>", "experiments/vthr.ts's data folder", "reports/data/vthr")
  .showHelpAfterError();
program.parse();
const { data } = program.opts<{ data: string }>();

const splits = await Promise.all(
  SPLITS.map(async (split) => ({
    split,
    rows: statsFromArrow(await readStatsTable(join(data, `${split}-layer-stats.arrow`))),
    truth: JSON.parse(await readFile(join(data, `${split}-truth.json`), "utf8")) as TruthGraph,
  })),
);
printTable(
  `Direction rules on the VTHR splits' true edges (agreeing / counted; no tree built), from ${data}`,
  ["rule", ...SPLITS, "what it measures"],
  DIRECTION_RULES.map((rule) => [
    rule.name,
    ...splits.map(({ rows, truth }) => {
      const { agree, total } = ruleAgreement(rule, rows, truth);
      return total === 0 ? "–" : `${agree}/${total} (${(agree / total).toFixed(2)})`;
    }),
    rule.summary,
  ]),
);

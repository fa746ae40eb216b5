/**
 * What every experiment script shares on the command line: strict value parsers for
 * commander, the common options (--quick, --seed, --workers, --reports, --cache), a runner
 * that prints a MotherError on one line and exits non-zero, and the closing publish step.
 */
import { Command, InvalidArgumentError } from "commander";
import { join } from "node:path";
import { printReportPage, writeReportPage, type ReportPage } from "../report/index.ts";
import { formatDuration } from "../ui/format-units.ts";
import { SPLITS, type SplitName } from "./vthr/vthr-settings.ts";
import { MotherError } from "../errors.ts";

/** Options every experiment script takes. */
export interface CommonCliOptions {
  readonly quick?: boolean;
  readonly seed?: number;
  readonly workers?: number;
  readonly reports: string;
  readonly cache: string;
}

/** A whole number ≥ 0. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

/** A whole number ≥ `least` (e.g. at least one sample, at least two siblings). */
export function atLeast(least: number): (value: string) => number {
  return (value) => {
    const n = wholeNumber(value);
    if (n < least) throw new InvalidArgumentError(`expected a whole number ≥ ${least}`);
    return n;
  };
}

/**
 * The settings of a run: the preset (`quick` or the defaults) with every command-line value
 * that was given laid over it; options left out (undefined) keep the preset's value.
 */
export function settingsOf<T extends object>(preset: T, given: { readonly [K in keyof T]?: T[K] | undefined }): T {
  const chosen = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { ...preset, ...chosen };
}

/** One VTHR split name. */
export function splitName(value: string): SplitName {
  if (!SPLITS.includes(value as SplitName)) throw new InvalidArgumentError(`unknown split '${value}' (choose from ${SPLITS.join(", ")})`);
  return value as SplitName;
}

/** A comma-separated list of finite numbers ≥ 0, e.g. "0,0.1,0.3". */
export function numberList(value: string): number[] {
  const numbers = value.split(",").map((s) => Number(s.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isFinite(n) || n < 0)) throw new InvalidArgumentError("expected comma-separated numbers ≥ 0");
  return numbers;
}

/** How the common options read for one script; `seed`/`workers` absent leave the option out. */
export interface CommandOptions {
  readonly quick?: string;
  readonly seed?: string;
  readonly workers?: boolean;
  readonly cache?: string;
}

/** A command with the common options; the script adds its own. */
export function experimentCommand(
  name: string,
  description: string,
  options: CommandOptions = { seed: "seed of the random samples this experiment draws" },
): Command {
  const command = new Command(name)
    .description(description)
    .option("--quick", options.quick ?? "the quick VTHR trees and small sample counts: an end-to-end smoke test");
  if (options.seed) command.option("--seed <n>", options.seed, wholeNumber);
  if (options.workers) command.option("--workers <n>", "parallel training workers (one ORT thread each)", atLeast(1));
  return command
    .option("--reports <dir>", "where report pages go", "reports")
    .option("--cache <dir>", options.cache ?? "artefact cache (the VTHR models of experiments/vthr.ts)", ".cache")
    .showHelpAfterError();
}

/** Parses argv and runs `main`; a MotherError becomes one line on stderr and exit code 1. */
export async function runExperiment<T extends CommonCliOptions>(program: Command, main: (options: T) => Promise<void>): Promise<void> {
  try {
    program.parse();
    await main(program.opts<T>());
  } catch (error) {
    if (error instanceof MotherError) {
      process.stderr.write(`${program.name()}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** The last step of every experiment: write the page, print it, say where it and its data are and how long the run took. */
export async function publishReport(reports: string, page: ReportPage, dataDir: string, startedAt: number, dataLabel = "data"): Promise<void> {
  await writeReportPage(reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(reports, `${page.slug}.html`)}   ${dataLabel}: ${dataDir}   wall time ${formatDuration(performance.now() - startedAt)}`);
}

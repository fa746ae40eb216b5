/**
 * `mother recover` picks JavaScriptCore's JIT tiers by the set's shape, relaunching itself with
 * the tier off before the recovery's modules are loaded. The command line is read with the command's own flags
 * (recover-words.ts, kept equal to its option table by a test, without loading commander), so an option's value
 * (`--cache DIR`, `--out FILE`) is never sized as a set. The relaunching process spends ~0.01 s on a large
 * set before it relaunches, ~0.025 s on a few big GGUF models (their headers glanced for a language model);
 * ~0.04 s each before the command line was read without commander (docs/gguf.md "The start of a run"):
 *
 * - A large set (or an index) runs with the top tier (FTL) off. Such a recovery is a second or
 *   more of many short-lived hot loops spread over three JavaScript VMs (the main thread and two
 *   worker threads, each compiling the same code again); FTL's compiler threads spent ~0.5 s of
 *   CPU on set-1000 (a quarter of all its CPU) optimising code that mostly ran out before it paid
 *   off. Measured side by side (docs/scale.md): set-1000 1.86–1.95 → 1.61–1.63 s of CPU and
 *   0.98–1.04 → 0.86–0.90 s of wall, set-10000 unchanged within noise, graphs identical. Again in
 *   session 13 (docs/gguf.md "The start of a run"): without relaunching, FTL off 0.78 s against 0.86 s with
 *   every tier (CPU 1.27 against 1.49 s); the relaunch costs ~0.015–0.025 s.
 * - A few big models (set-glance.ts fewBigModels: at most 32 entries holding 256 MB or more, a
 *   handful of GGUF or safetensors checkpoints) run with the optimising tiers (DFG, and FTL above it) off:
 *   their pass is native kernels a layer at a time, and the little JavaScript around them ran
 *   out before DFG's compiles (~0.12 s of CPU on the 3 GiB GGUF sets, on the two cores the
 *   workers need) paid off (docs/gguf.md). Again in session 13, with the faster kernels: without relaunching,
 *   DFG off 0.94 s against 0.99 s with every tier on 4 × 799 MB Q8_0, 1.20 against 1.29 s on Q4_K; the relaunch
 *   costs ~0.03 s there (the headers' glance below is most of the first process's ~0.024 s). Not when one of them is a language model
 *   (set-languages.ts, from the headers): the pair rule orients those, and its read is plain
 *   JavaScript that DFG makes ~3× faster (11 models of 25 MB: 20.8 s without DFG, 6.3 s with).
 *
 * JSC reads its options from BUN_JSC_* variables once, when the process starts, so the command
 * relaunches itself with the variable set. Other sets run as before, in one process with every
 * tier on. A variable already set, either way, is left as the user set it: `BUN_JSC_useFTLJIT=1`
 * keeps FTL, `BUN_JSC_useDFGJIT=1` keeps DFG.
 *
 * Bun calls its BUN_JSC_* variables "not a stable API", and a process given one its JSC does not
 * know stops at start. So a Bun build is first asked once whether it accepts the option (a child
 * `bun -e 0`, ~0.03 s), and the answer is kept beside the kernel builds, named by the build's
 * revision: a Bun without the option runs every command as before, every tier on, instead of failing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { bytesUnder, entriesOf, fewBigModels, looksLarge } from "../io/set-glance.ts";
import { KERNEL_CACHE_FOLDER } from "../kernels/kernel-cache.ts";
import { mark, relaunchTimeline } from "../ui/timeline.ts";
import { readRecoverWords } from "./recover-words.ts";

/** The JSC option (as Bun reads it from the environment) that turns the FTL tier off. */
export const FTL_OPTION = "BUN_JSC_useFTLJIT";

/** The JSC option that turns the DFG tier off (and FTL, which builds on it). */
export const DFG_OPTION = "BUN_JSC_useDFGJIT";

/** Paths → whether their models include a language model (set-languages.ts, loaded only when asked: a few big models). */
export type LanguageGlance = (paths: readonly string[]) => boolean;

const glanceLanguages: LanguageGlance = (paths) => (require("../io/set-languages.ts") as typeof import("../io/set-languages.ts")).glancesLanguageModel(paths);

/** From this many models a set is recovered through fingerprints (FINGERPRINT_FIRST_MODELS, recover-at-scale.ts; not imported: loading it is what the relaunch avoids). */
export const LARGE_SET_MODELS = 300;

/** How a child process ended (Bun.spawnSync's fields). */
export interface Ended {
  readonly exitCode: number | null;
  /** The signal that killed it, by name or number. */
  readonly signalCode?: string | number | null;
}

/** Runs `command` with `env` until it ends, its standard streams the parent's (or ignored). */
export type RunSync = (command: string[], env: Record<string, string | undefined>, streams?: "inherit" | "ignore") => Ended;

const runSync: RunSync = (command, env, streams = "inherit") => Bun.spawnSync(command, { env, stdio: [streams, streams, streams] });

/**
 * Runs `command` in place of this process (execve, same process id): nothing stays behind to wait
 * for it and then exit itself (~5–20 ms after the command ended, on a busy machine), and its exit
 * status and signals are its own. Where execve fails, it runs as a child (runSync).
 */
const runInstead: RunSync = (command, env, streams) => {
  try {
    process.execve?.(command[0]!, command, Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)));
  } catch {
    // No execve here (another platform or runtime): the command runs as a child, as it did before.
  }
  return runSync(command, env, streams);
};

/**
 * Whether this Bun build accepts `option` (FTL_OPTION or DFG_OPTION) set to 0: the answer kept in `folder` under the build's
 * revision, else asked of a child `bun -e 0` given the option (and kept, if the folder can be
 * written; a folder that cannot only costs asking again). A child that could not start or was killed
 * answers nothing: false this time, nothing kept.
 */
export function bunAcceptsOption(
  run: RunSync = runSync,
  folder: string = KERNEL_CACHE_FOLDER,
  revision: string = Bun.revision,
  option: string = FTL_OPTION,
): boolean {
  const answer = join(folder, `jsc-${option}-${revision}`);
  try {
    return readFileSync(answer, "utf8") === "accepted";
  } catch {
    // Not asked yet on this build.
  }
  let ended: Ended;
  try {
    ended = run([process.execPath, "-e", "0"], { PATH: process.env.PATH, [option]: "0" }, "ignore");
  } catch {
    return false; // no child (out of processes, of memory): every tier on this time, asked again next time
  }
  // A child killed by a signal (a timeout, the out-of-memory killer) gave no answer: not kept, or one bad moment
  // would turn the relaunch off for this Bun build for good. A refusal is an exit (code 1: "invalid JSC environment variable").
  if (ended.exitCode === null) return false;
  const accepted = ended.exitCode === 0;
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(answer, accepted ? "accepted" : "refused");
  } catch {
    // A read-only install asks again next time.
  }
  return accepted;
}

/**
 * The option `mother recover` turns off for the set its arguments name (see the file comment):
 * FTL_OPTION for a large set or an index, DFG_OPTION for a few big models none of which is a
 * language model (`languages` says whether one is), else undefined. `words` (what follows the
 * command) are read as the command reads them (readRecoverWords): only its paths are sized,
 * and a command line it does not know relaunches nothing (the command says what is wrong). `entries`
 * counts a path's entries, `bytes` sums the sizes under paths (it may stop once it has `enough`).
 */
export function jitTierOption(
  words: readonly string[],
  entries: (path: string) => number = entriesOf,
  bytes: (paths: readonly string[], enough: number) => number = bytesUnder,
  languages: LanguageGlance = glanceLanguages,
): string | undefined {
  const read = readRecoverWords(words);
  if (read === undefined) return undefined;
  const { paths } = read;
  if (read.index || looksLarge(paths, LARGE_SET_MODELS, entries)) return FTL_OPTION;
  if (fewBigModels(paths, entries, bytes) && !languages(paths)) return DFG_OPTION;
  return undefined;
}

/**
 * For `mother recover` on a set jitTierOption gives an option for, when the user set neither
 * option: runs the same command line again with that option 0 — in place of this process by
 * default (runInstead: never returns then) — and returns the exit code to leave with (128 + the
 * signal's number when a child was killed); undefined otherwise (this process runs the command
 * itself). `accepts` says whether this Bun knows the option (bunAcceptsOption, asked of a child).
 */
export function relaunchWithJitTier(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  run: RunSync = runInstead,
  entries: (path: string) => number = entriesOf,
  accepts: (option: string) => boolean = (option) => bunAcceptsOption(runSync, undefined, undefined, option),
  bytes: (paths: readonly string[], enough: number) => number = bytesUnder,
  languages: LanguageGlance = glanceLanguages,
): number | undefined {
  if (argv[2] !== "recover" || env[FTL_OPTION] !== undefined || env[DFG_OPTION] !== undefined) return undefined;
  const option = jitTierOption(argv.slice(3), entries, bytes, languages);
  if (option === undefined || !accepts(option)) return undefined;
  mark(`relaunching with ${option}=0`);
  const ended = run([process.execPath, ...argv.slice(1)], { ...env, [option]: "0", ...relaunchTimeline() });
  if (ended.exitCode !== null) return ended.exitCode;
  const signal = typeof ended.signalCode === "string" ? constants.signals[ended.signalCode as keyof typeof constants.signals] : ended.signalCode;
  return 128 + (signal ?? 0);
}

/**
 * Whether `mother recover` should start the layer pass's threads before loading the program
 * (src/cli/main.ts, src/recover/layer-workers.ts): a few big models among its paths (read as
 * jitTierOption reads them), not from an index, and no --workers given (recover() then takes them).
 */
export function startsLayerWorkers(
  argv: readonly string[],
  entries: (path: string) => number = entriesOf,
  bytes: (paths: readonly string[], enough: number) => number = bytesUnder,
): boolean {
  if (argv[2] !== "recover") return false;
  const read = readRecoverWords(argv.slice(3));
  if (read === undefined || read.index || read.workers) return false;
  return fewBigModels(read.paths, entries, bytes);
}

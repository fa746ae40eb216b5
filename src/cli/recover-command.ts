/** `mother recover`: paths → recovered Model Graph in the chosen format. */
import { readFile } from "node:fs/promises";
import type { ScoreName, Stage } from "../types.ts";
import { recoverAtScale, type ScaleEffects } from "../index/recover-at-scale.ts";
import { defaultLayerCacheFolder } from "../recover/layer-cache.ts";
import type { DistanceName, FtDistance, RecoverOptions } from "../recover/options.ts";
import { formatGraph } from "../recover/format.ts";
import type { GraphFormat } from "../recover/graph-formats.ts";
import { FileWriteError, writeFilesAtomic, type WriteEffects } from "../io/write-file-atomic.ts";
import { checkOutputFolder, checkOutputPath } from "../io/check-output-path.ts";
import { lineProgress, type Progress, type ProgressTask, silentProgress, terminalProgress } from "../ui/progress.ts";
import {
  outputWriteFailed,
  outputsCollide,
  recoverNeedsInput,
  stagesFileBadStage,
  stagesFileNotObject,
  stagesFileUnreadable,
  standardOutputFailed,
} from "../messages.ts";
import { mark } from "../ui/timeline.ts";

/** Options as commander parses them (see program.ts for the flags). */
export interface RecoverCommandOptions {
  stage: Stage | "auto";
  stages?: string;
  /** How --stage auto orients a chain or a pair (absent: the library default). */
  chain?: RecoverOptions["chain"];
  /** The sibling-angle placement rule (absent: the library default). */
  siblingAngles?: RecoverOptions["siblingAngles"];
  siblingGeometry?: RecoverOptions["siblingGeometry"];
  siblingAdapters?: RecoverOptions["siblingAdapters"];
  /** Pairwise direction evidence (absent: the library default). */
  pairDirection?: RecoverOptions["pairDirection"];
  /** The pair rule and the weight-decay evidence (absent: the library defaults). */
  pairRule?: RecoverOptions["pairRule"];
  pairDecay?: RecoverOptions["pairDecay"];
  pairAncestor?: RecoverOptions["pairAncestor"];
  pairRoot?: RecoverOptions["pairRoot"];
  pairLambda?: RecoverOptions["pairLambda"];
  pairVeto?: RecoverOptions["pairVeto"];
  pairInherit?: RecoverOptions["pairInherit"];
  longEdge?: RecoverOptions["longEdge"];
  pairOffside?: RecoverOptions["pairOffside"];
  pairPenalty?: RecoverOptions["pairPenalty"];
  /** Which of equally cheap trees is kept (absent: the library default). */
  rootTie?: RecoverOptions["rootTie"];
  trees: number | "auto";
  distance: DistanceName;
  ftDistance: FtDistance;
  lambda: number;
  score: ScoreName | "auto";
  /** False for --no-merges (commander sets true otherwise; absent means true). */
  merges?: boolean;
  format: GraphFormat;
  out?: string;
  stats?: string;
  workers?: number;
  /** A folder, false for --no-cache, undefined for the default folder. */
  cache?: string | false;
  /** --verify-cache: key the layer cache by content checksums. */
  verifyCache?: boolean;
  quiet?: boolean;
  /** An index folder (`mother index`): recover from its fingerprints, after adding `paths` to it. */
  index?: string;
}

/** The fields of `fields` that are set: an option left out keeps the library's default, where a key holding undefined would override it. */
export function setFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

const MEGABYTE = 1024 * 1024;
/** Below this many selected bytes the read takes well under a second: no progress line. */
const PROGRESS_MIN_BYTES = 64 * MEGABYTE;

/** Runs `mother recover`; `write` is the file system the outputs go through (tests pass a full disk). */
export async function runRecoverCommand(paths: string[], options: RecoverCommandOptions, write?: WriteEffects): Promise<void> {
  // Before any work: minutes of recovery must not end in a stack trace, or in JSON over a model.
  const outputs = { "--out": options.out, "--stats": options.stats };
  const realPaths = new Map<string, string>();
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const real = await checkOutputPath(path, flag, paths);
    if ([...realPaths.values()].includes(real)) throw outputsCollide(path);
    realPaths.set(flag, real);
  }
  if (paths.length === 0 && !options.index) throw recoverNeedsInput();
  // The folders it writes too: --index when paths are added to it (else only read), and a --cache given by name that is
  // not there yet. A --cache folder that exists is used as it is, read-only too (a shared, filled cache serves its
  // entries; what it cannot keep is one line, as when a cache write fails mid-run), and so is the default one.
  if (options.index !== undefined) await checkOutputFolder(options.index, "--index", paths.length > 0);
  if (typeof options.cache === "string") await checkOutputFolder(options.cache, "--cache", "if-new");
  const stages = options.stages ? await readStagesFile(options.stages) : {};
  const progress = options.quiet ? silentProgress : process.stderr.isTTY ? terminalProgress() : lineProgress();
  const overrides: Partial<RecoverOptions> = {
    stage: options.stage,
    stages,
    ...setFields({
      chain: options.chain,
      siblingAngles: options.siblingAngles,
      siblingGeometry: options.siblingGeometry,
      siblingAdapters: options.siblingAdapters,
      pairDirection: options.pairDirection,
      pairRule: options.pairRule,
      pairDecay: options.pairDecay,
      pairAncestor: options.pairAncestor,
      pairInherit: options.pairInherit,
      longEdge: options.longEdge,
      pairOffside: options.pairOffside,
      pairPenalty: options.pairPenalty,
      pairRoot: options.pairRoot,
      pairLambda: options.pairLambda,
      pairVeto: options.pairVeto,
      rootTie: options.rootTie,
      workers: options.workers,
    }),
    trees: options.trees,
    distance: options.distance,
    ftDistance: options.ftDistance,
    lambda: options.lambda,
    score: options.score,
    merges: options.merges ?? true,
    fullStatistics: options.stats !== undefined,
    ...(options.cache !== false ? { cacheFolder: options.cache ?? defaultLayerCacheFolder() } : {}),
    verifyCache: options.verifyCache === true,
  };
  const effects: ScaleEffects = {
    progress: layerReadProgress(progress),
    fingerprinted: modelProgress(progress, "fingerprint models"),
    log: (message) => {
      if (!options.quiet) process.stderr.write(`${message}\n`);
    },
  };
  // With --index the models are fingerprinted into the index first (issue #15) and recovered from it;
  // the index is loaded only then (its libraries take ~0.06 s to import).
  const result = options.index
    ? await (await import("./index-command.ts")).recoverWithIndex(paths, options.index, overrides, effects, options.quiet ?? false)
    : ((await recoverAtScale(paths, overrides, effects)) ?? (await (await import("../recover/recover.ts")).recover(paths, overrides, effects)));
  mark("graph recovered");
  const text = formatGraph(result.graph, options.format, (note) => {
    if (!options.quiet) process.stderr.write(`${note}\n`);
  });
  // Outputs are written only now that everything succeeded, all or none: no half-written files.
  // Written at their real paths: an output reached through a symlink fills the file it points
  // to and the link stays a link (a rename onto the link would replace it, /dev/stdout included).
  const files: { path: string; shown: string; flag: string; contents: string | Uint8Array }[] = [];
  const output = (flag: string, shown: string, contents: string | Uint8Array) => files.push({ path: realPaths.get(flag) ?? shown, shown, flag, contents });
  if (options.stats) {
    // Loaded only here: apache-arrow takes ~0.1 s to import, a tenth of a large recovery.
    const { statsToArrow, writeStatsTable } = await import("../stats/stats-table.ts");
    const path = options.stats;
    await writeStatsTable(path, statsToArrow(result.layerStats), async (_, contents) => void output("--stats", path, contents));
  }
  if (options.out) output("--out", options.out, text);
  try {
    await writeFilesAtomic(files, write);
  } catch (error) {
    if (!(error instanceof FileWriteError)) throw error;
    const file = files.find((f) => f.path === error.path);
    throw outputWriteFailed(file?.shown ?? error.path, file?.flag ?? "--out", error.reason);
  }
  if (!options.out) await writeStandardOutput(text.endsWith("\n") ? text : `${text}\n`);
  mark("output written");
}

/**
 * Writes the result to standard output, reporting a failed write (a full disk behind `>`,
 * ENOSPC) as one output error instead of a stack trace. A reader that went away (EPIPE:
 * `| head`) took what it wanted: not an error.
 */
async function writeStandardOutput(text: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      process.stdout.once("error", reject);
      process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return;
    throw standardOutputFailed(code ?? String(error));
  }
}

/**
 * The layer pass's byte counts as a "read layers (MB)" task, started at the first report of a
 * pass of `minBytes` or more. Its total follows the pass's: auto's probe can add a layer read
 * (a LoRA set reads the probe layer again) or drop sketch-only layers mid-way, and a total
 * fixed at the start was passed (196/192). Finished when every byte is in.
 */
export function layerReadProgress(progress: Progress, minBytes = PROGRESS_MIN_BYTES): (doneBytes: number, totalBytes: number) => void {
  let task: ProgressTask | undefined;
  let shownTotal = 0;
  let shownDone = 0;
  return (doneBytes, totalBytes) => {
    if (!task && totalBytes < minBytes) return;
    // A total that is not a finite byte count is shown as unknown ("?"), never as NaN.
    const total = Number.isFinite(totalBytes) ? Math.ceil(totalBytes / MEGABYTE) : Number.NaN;
    if (!task) task = progress.start("read layers (MB)", total);
    else if (!Object.is(total, shownTotal)) task.setTotal(total);
    shownTotal = total;
    const megabytes = Math.floor(doneBytes / MEGABYTE);
    if (megabytes > shownDone) task.advance(megabytes - shownDone);
    shownDone = Math.max(shownDone, megabytes);
    if (doneBytes >= totalBytes) task.finish();
  };
}

/** A progress line counting models (large sets are fingerprinted first: recover-at-scale.ts). */
function modelProgress(progress: Progress, label: string): (done: number, total: number) => void {
  let task: ProgressTask | undefined;
  let shown = 0;
  return (done, total) => {
    task ??= progress.start(label, total);
    if (done > shown) task.advance(done - shown);
    shown = Math.max(shown, done);
    if (done >= total) task.finish();
  };
}

/** Reads `--stages FILE.json`: an object mapping model id → generalization|specialization. */
export async function readStagesFile(file: string): Promise<Record<string, Stage>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a JSON file" : code ? `cannot read (${code})` : "is not valid JSON";
    throw stagesFileUnreadable(file, problem);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw stagesFileNotObject(file);
  }
  const stages: Record<string, Stage> = {};
  for (const [id, stage] of Object.entries(parsed)) {
    if (stage !== "generalization" && stage !== "specialization") {
      throw stagesFileBadStage(file, id, stage);
    }
    stages[id] = stage;
  }
  return stages;
}

/**
 * `mother recover <paths>` on a large set (issue #15): from FINGERPRINT_FIRST_MODELS models on,
 * the set is fingerprinted first — one read of each model, alone, as `mother index` does, kept
 * in memory rather than in an index folder — and its trees are found from the fingerprints
 * (nearest neighbours, no n × n comparison), then each tree is recovered exactly from its own
 * files. The layer pass over every pair of the whole set, which the smaller sets take, grows as
 * n^1.8 and ran out of open files at 10,000 models (docs/scale.md). Said in one line on stderr.
 *
 * Safetensors models, GGUF files and PEFT adapter folders alike (an adapter joins its base's
 * tree, place-adapters.ts). Only with `--trees auto` and without `--stats` (whose entropy needs
 * the layer pass); other options take the ordinary path (recover.ts), whatever the set's size.
 */
import { resolve } from "node:path";
import { glancedModels } from "../io/set-glance.ts";
import { locateModels, noteEmptyTensors, openLocatedModels, sortedLocations } from "../io/discover-models.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../recover/options.ts";
import type { RecoverEffects, RecoveryResult } from "../recover/recover.ts";
import type { ModelSource } from "../types.ts";
import type { LocatedFingerprints } from "./fingerprint-batch.ts";
import { allLocated, type KnownModel } from "./recover-tree-job.ts";
import { mark } from "../ui/timeline.ts";

/**
 * From this many models, recovery goes through fingerprints first. Measured on the generated
 * sets of bench/recover-scale.ts (0.33 MB models, trees of 20): see docs/scale.md.
 */
export const FINGERPRINT_FIRST_MODELS = 300;

/**
 * Below this many models the main thread fingerprints and one worker thread recovers the trees;
 * from it on, two worker threads do both. Every JavaScript VM compiles the same code again and
 * warms up on its first trees: at set-1000 the second worker cost ~0.4 s of CPU (its modules, its
 * JIT, its cold fingerprints and trees, its page faults) for ~0.1 s of wall on two idle cores
 * (docs/scale.md). At 10,000 models the trees (~4.5 s of one thread) need both cores.
 */
export const ONE_TREE_THREAD_BELOW = 3000;

/** Side effects of a large recovery: the layer pass's (recover.ts), and the fingerprints' progress in models. */
export interface ScaleEffects extends RecoverEffects {
  readonly fingerprinted?: (done: number, total: number) => void;
}

/**
 * The Model Graph of the models under `paths` through fingerprints, from `from` models on (one
 * tree thread below `oneThreadBelow` models); undefined when the set is smaller or the options
 * need the layer pass (the caller runs recover()).
 */
export async function recoverAtScale(
  paths: readonly string[],
  overrides: Partial<RecoverOptions>,
  effects: ScaleEffects,
  from = FINGERPRINT_FIRST_MODELS,
  oneThreadBelow = ONE_TREE_THREAD_BELOW,
): Promise<RecoveryResult | undefined> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  if (options.trees !== "auto" || options.fullStatistics) return undefined;
  mark("recovery starts");
  // The threads that will fingerprint (with two; with one, this thread does) and then recover the
  // trees start first: their start-up (~0.05–0.3 s with the kernels) overlaps the listing when a
  // glance at the paths promises a large set (else right after it), the loading of the modules
  // below and the reading of the headers, and is paid once. A set that turns out small closes them unused.
  const startThreads = async (models: number) => {
    // Loaded only now: a small recovery never comes here.
    const [{ TreePool }, onThisThread] = await Promise.all([import("./tree-pool.ts"), import("./fingerprint-batch.ts")]);
    const here = models < oneThreadBelow;
    const workers = here ? 1 : Math.min(2, navigator.hardwareConcurrency || 1);
    const started = new TreePool(workers, { ...options, cacheFolder: undefined });
    mark(`${workers} threads started`);
    return { threads: started, fingerprintHere: here, onThisThread };
  };
  const glanced = paths.length >= from ? paths.length : glancedModels(paths);
  const early = glanced >= from ? await startThreads(glanced) : undefined;
  const located = await Promise.all(paths.map(locateModels)).then(
    (lists) => lists.flat(),
    (error: unknown) => {
      early?.threads.close();
      throw error;
    },
  );
  mark(`listed ${located.length} models`);
  if (located.length < from) {
    early?.threads.close();
    return undefined;
  }
  const { threads, fingerprintHere, onThisThread } = early ?? (await startThreads(located.length));
  const { MODELS_PER_MESSAGE } = await import("./fingerprint-pool.ts");
  // The rest of the modules (~0.03 s, the recovery's) load while the first headers are read.
  const rest = Promise.all([import("./recover-from-index.ts"), import("./speculative-trees.ts")]).then(([fromIndex, speculative]) => {
    mark("index modules loaded");
    // Trees guessed from the fingerprints as they come, recovered while the components are found (speculative-trees.ts).
    const guesses = new speculative.SpeculativeTrees(threads);
    // Fingerprints read here queue nothing on the thread: its trees start as soon as they are guessed.
    if (fingerprintHere) guesses.release();
    return { recoverFromFingerprints: fromIndex.recoverFromFingerprints, guesses };
  });
  rest.catch(() => {}); // awaited below
  // Two threads: each batch of models goes to them as soon as its headers are read, so that
  // fingerprinting overlaps the main thread's reading of the rest (~0.7 s of headers at 10,000
  // models); the first two are half as big, each thread starting as early as it can. A set of
  // safetensors models alone goes to them as located, and the threads read the headers too: the
  // main thread then only lists (alone, its header reading set the pace: at set-1000 each
  // thread waited ~0.1 s for batches, and the headers cost ~45 ms of the main thread's CPU).
  // One thread: this thread fingerprints the batches, one after another, each after a turn of the
  // event loop (the tree thread's answers are taken and its next guessed trees handed meanwhile).
  const batches: Promise<LocatedFingerprints>[] = [];
  const pending: KnownModel[] = [];
  let finished = 0;
  let previous: Promise<unknown> = Promise.resolve();
  const fingerprintOnMain = (models: readonly KnownModel[]): Promise<LocatedFingerprints> => {
    const read = previous
      .then(() => new Promise((turn) => setImmediate(turn)))
      .then(() =>
        allLocated(models)
          ? onThisThread.fingerprintLocated(models)
          : onThisThread.fingerprintBatch(models as ModelSource[], false).then((fingerprints) => ({ fingerprints, notes: [], empty: [] })),
      );
    previous = read.catch(() => {});
    return read;
  };
  const send = () => {
    const [at, models] = [batches.length, pending.splice(0)];
    const read = fingerprintHere
      ? fingerprintOnMain(models)
      : allLocated(models)
        ? threads.fingerprintLocated(models)
        : threads.fingerprint(models as ModelSource[]).then((fingerprints) => ({ fingerprints, notes: [], empty: [] }));
    const batch = read.then(async (result) => {
      finished += result.fingerprints.length;
      effects.fingerprinted?.(finished, located.length);
      (await rest).guesses.add(at, result.fingerprints, models);
      return result;
    });
    batch.catch(() => {}); // awaited below, in order; a later batch failing first must not leave it unhandled
    batches.push(batch);
  };
  const add = (models: readonly KnownModel[]) => {
    pending.push(...models);
    if (pending.length >= (batches.length < threads.size && !fingerprintHere ? MODELS_PER_MESSAGE / 2 : MODELS_PER_MESSAGE)) send();
  };
  try {
    effects.log(
      `${located.length} models: their trees are found from fingerprints first (one read of each model), then each tree is recovered ` +
        "from its own files (as `mother index` + `mother recover --index`, with no index kept)",
    );
    const safetensorsOnly = located.every((location) => location.kind === "folder" || location.kind === "file");
    const known = safetensorsOnly ? sortedLocations(located) : await openLocatedModels(located, effects.log, add);
    if (safetensorsOnly) for (const location of known) add([location]);
    if (pending.length > 0) send();
    mark(`${safetensorsOnly ? "models located" : "headers read"}, ${batches.length} batches sent`);
    const { recoverFromFingerprints, guesses } = await rest;
    guesses.release();
    // In order: the error is that of the first model in discovery order that fails, whichever thread failed first.
    const results: LocatedFingerprints[] = [];
    for (const batch of batches) results.push(await batch);
    for (const note of results.flatMap((result) => result.notes)) effects.log(note);
    noteEmptyTensors(
      results.flatMap((result) => result.empty),
      effects.log,
    );
    const fingerprints = results.flatMap((result) => result.fingerprints);
    guesses.finish();
    mark(`fingerprints in, ${guesses.guesses} trees guessed`);
    fingerprints.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const discovered = new Map(known.map((model) => [resolve(model.path), model]));
    guesses.hold(fingerprints.length);
    return await recoverFromFingerprints(fingerprints, undefined, options, effects, discovered, threads, guesses);
  } finally {
    threads.close();
  }
}

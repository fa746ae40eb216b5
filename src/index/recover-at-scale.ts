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
import { locateModels, type ModelLocation, noteEmptyTensors, openLocatedModels, sortedLocations } from "../io/discover-models.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../recover/options.ts";
import type { RecoverEffects, RecoveryResult } from "../recover/recover.ts";
import type { ModelSource } from "../types.ts";
import type { LocatedFingerprints } from "./fingerprint-batch.ts";
import type { KnownModel } from "./recover-tree-job.ts";
import { mark } from "../ui/timeline.ts";

/**
 * From this many models, recovery goes through fingerprints first. Measured on the generated
 * sets of bench/recover-scale.ts (0.33 MB models, trees of 20): see docs/scale.md.
 */
export const FINGERPRINT_FIRST_MODELS = 300;

/**
 * One worker thread recovers the trees (and fingerprints the models of a set whose headers this
 * thread reads: GGUF files, adapters); this thread fingerprints a set of safetensors models and,
 * from this many models on, recovers queued trees too once every tree is submitted. A second
 * worker thread had cost ~0.4 s of CPU at set-1000 (its modules, its own compiles of the same
 * code, its cold first trees, its page faults) and ~0.1 s of wall on two idle cores; the main
 * thread, idle at the end, joins where the trees left repay its warm-up (docs/scale.md).
 */
export const HELP_WITH_TREES_FROM = 3000;

/** Side effects of a large recovery: the layer pass's (recover.ts), and the fingerprints' progress in models. */
export interface ScaleEffects extends RecoverEffects {
  readonly fingerprinted?: (done: number, total: number) => void;
}

/**
 * The Model Graph of the models under `paths` through fingerprints, from `from` models on (this
 * thread recovering trees too from `helpFrom` models); undefined when the set is smaller or the
 * options need the layer pass (the caller runs recover()).
 */
export async function recoverAtScale(
  paths: readonly string[],
  overrides: Partial<RecoverOptions>,
  effects: ScaleEffects,
  from = FINGERPRINT_FIRST_MODELS,
  helpFrom = HELP_WITH_TREES_FROM,
): Promise<RecoveryResult | undefined> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  if (options.trees !== "auto" || options.fullStatistics) return undefined;
  mark("recovery starts");
  // The tree thread starts first: its start-up (~0.05–0.1 s with the kernels) overlaps the
  // listing when a glance at the paths promises a large set (else right after it), the loading of
  // the modules below and the first fingerprints, and is paid once. A set that turns out small closes it unused.
  const startThread = async (models: number) => {
    // Loaded only now: a small recovery never comes here.
    const [{ TreePool }, onThisThread] = await Promise.all([import("./tree-pool.ts"), import("./fingerprint-batch.ts")]);
    const started = new TreePool(1, { ...options, cacheFolder: undefined }, models >= helpFrom);
    mark("tree thread started");
    return { threads: started, onThisThread };
  };
  const glanced = paths.length >= from ? paths.length : glancedModels(paths);
  const early = glanced >= from ? await startThread(glanced) : undefined;
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
  const { threads, onThisThread } = early ?? (await startThread(located.length));
  // A set of safetensors models alone is fingerprinted by this thread, which only lists it; one whose headers this thread reads
  // (GGUF files, adapters) by the tree thread meanwhile (alone, this thread's header reading set the pace).
  const safetensorsOnly = located.every((location) => location.kind === "folder" || location.kind === "file");
  const { MODELS_PER_MESSAGE } = await import("./fingerprint-pool.ts");
  // The rest of the modules (~0.03 s, the recovery's) load while the first headers are read.
  const rest = Promise.all([import("./recover-from-index.ts"), import("./speculative-trees.ts")]).then(([fromIndex, speculative]) => {
    mark("index modules loaded");
    // Trees guessed from the fingerprints as they come, recovered while the components are found (speculative-trees.ts).
    const guesses = new speculative.SpeculativeTrees(threads);
    // Fingerprints read here queue nothing on the thread: its trees start as soon as they are guessed.
    if (safetensorsOnly) guesses.release();
    return { recoverFromFingerprints: fromIndex.recoverFromFingerprints, guesses };
  });
  rest.catch(() => {}); // awaited below
  // A set of safetensors models alone: this thread fingerprints it batch by batch, each batch after a
  // turn of the event loop (the tree thread's answers are taken and its next guessed trees handed
  // meanwhile). Else each batch goes to the tree thread as soon as its headers are read here, so
  // that fingerprinting overlaps the reading of the rest (~0.7 s of headers at 10,000 models).
  const batches: Promise<LocatedFingerprints>[] = [];
  const pending: KnownModel[] = [];
  let finished = 0;
  let previous: Promise<unknown> = Promise.resolve();
  const fingerprintHere = (models: readonly ModelLocation[]): Promise<LocatedFingerprints> => {
    const read = previous.then(() => new Promise((turn) => setImmediate(turn))).then(() => onThisThread.fingerprintLocated(models));
    // Chained on the failure too: once a batch fails (the recovery then rejects), the later ones reject with it unread.
    // The batches after the first wait for the recovery's modules too: the first trees are guessed (and the tree thread
    // starts) once those are loaded, and loading them while this thread fingerprints on held the first tree back.
    previous = batches.length === 0 ? Promise.all([read, rest]) : read;
    return read;
  };
  const send = () => {
    const [at, models] = [batches.length, pending.splice(0)];
    const read = safetensorsOnly
      ? fingerprintHere(models as ModelLocation[])
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
    if (pending.length >= MODELS_PER_MESSAGE) send();
  };
  try {
    effects.log(
      `${located.length} models: their trees are found from fingerprints first (one read of each model), then each tree is recovered ` +
        "from its own files (as `mother index` + `mother recover --index`, with no index kept)",
    );
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

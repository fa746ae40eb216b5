/**
 * The family benchmarks of direction and placement (issue #13 item 4), in one list: the
 * Llama-like family under every recipe of llama-family-recipes.ts (plus more seeds of the
 * default), the SD-like generalization chain in three seeds, and held-out sets 2
 * (held-out-2-recipes.ts: other optimisers, trees and sizes, trained by PyTorch), 3 (new seeds) and 4
 * (held-out-4-recipes.ts: other shapes and recipes; scored once at 10:05 UTC on day 7, still read only when named)
 * and 5 (held-out-5-recipes.ts: other architectures, names and recipes; scored once at 11:56 UTC on day 7, read only when named)
 * and 6 (held-out-6-recipes.ts: hub architectures (MoE, ALiBi, …) and recipes (Muon, QLoRA, …); scored once at 14:25 UTC on day 7, read only when named)
 * and 7 (held-out-7-recipes.ts: fused projections, multi-query, OPT, Cohere, shared experts; SimPO, soups, long context, …; scored once at 16:58 UTC on day 7, read only when named)
 * and 8 (held-out-8-recipes.ts: families built to stress set 7's four classes of miss; scored once at 22:11 UTC on 2026-12-07, read only when named)
 * and 9 (held-out-9-recipes.ts: LoRA ranks, SFT → DPO chains, a schedule per stage, same-data siblings in float32; scored once at 23:44 UTC on 2026-12-07, read only when named)
 * and 10 (held-out-10-recipes.ts: layer freezing, checkpoint averaging, QAT, sliding windows and tune lengths, layer-wise lr decay and distilled students; scored once at 03:56 UTC on 2026-12-08, read only when named). Each
 * benchmark is a plan (what experiments/llama-family.ts, experiments/sd-family.ts and
 * experiments/lm-families.ts --train train, with the same cache keys), so `openFamilyBenchmark`
 * finds the trained models — or trains the missing ones.
 */
import { ArtifactStore, type Artifact } from "../artifact-store.ts";
import { lineProgress } from "../../ui/progress.ts";
import type { Progress } from "../../ui/progress.ts";
import type { TruthGraph } from "../../types.ts";
import { familyTruth, type FamilyMember } from "./family-member.ts";
import { HELD_OUT_2_RECIPES } from "./held-out-2-recipes.ts";
import { HELD_OUT_3_RECIPES } from "./held-out-3-recipes.ts";
import { HELD_OUT_4_RECIPES } from "./held-out-4-recipes.ts";
import { HELD_OUT_5_RECIPES } from "./held-out-5-recipes.ts";
import { HELD_OUT_6_RECIPES } from "./held-out-6-recipes.ts";
import { HELD_OUT_7_RECIPES } from "./held-out-7-recipes.ts";
import { HELD_OUT_8_RECIPES } from "./held-out-8-recipes.ts";
import { HELD_OUT_9_RECIPES } from "./held-out-9-recipes.ts";
import { HELD_OUT_10_RECIPES } from "./held-out-10-recipes.ts";
import { LLAMA_RECIPES } from "./llama-family-recipes.ts";
import { planLlamaFamily } from "./plan-llama-family.ts";
import { planSdFamily } from "./plan-sd-family.ts";
import { releaseFolder } from "./release-folder.ts";
import { trainFamily } from "./run-family.ts";
import { SD_FAMILY_DEFAULTS } from "./sd-family-settings.ts";

/** One family benchmark. */
export interface FamilyBenchmark {
  /** e.g. "llama:torch@2029", "sd@2024", "set2:sgd-star@2041". */
  readonly name: string;
  /** "lm": a language-model family (Llama or GPT-2 names; its truth labels each stage); "chain": the SD-like image chain. */
  readonly kind: "lm" | "chain";
  /** Release-folder family name (the experiment's data folder). */
  readonly family: string;
  /** The command that trains it and writes its report page. */
  readonly command: string;
  readonly members: readonly FamilyMember[];
  readonly dtype: "F32" | "BF16";
  /**
   * 0: the rules on the board were chosen on it. 1: held out, set 1 (new seeds and a new recipe,
   * trained after the rules of session 6 were chosen; every rule since has seen them). 2: held
   * out, set 2 (held-out-2-recipes.ts: defined before any rule was scored on it). 3: held out,
   * set 3 (held-out-3-recipes.ts: new seeds, defined before the placement default was chosen). 4: held
   * out, set 4 (held-out-4-recipes.ts: new shapes and recipes, scored once to judge this session's candidates). 5: held out,
   * set 5 (held-out-5-recipes.ts: new architectures and tensor names, scored once to judge the next candidates). 6: held
   * out, set 6 (held-out-6-recipes.ts: hub architectures and recipes, scored once to judge the candidates after those). 7: held
   * out, set 7 (held-out-7-recipes.ts: more hub architectures and recipes, scored once to judge the next candidates). 8: held
   * out, set 8 (held-out-8-recipes.ts: families stressing set 7's classes of miss, scored once to judge session 14's candidates). 9: held
   * out, set 9 (held-out-9-recipes.ts: other people's recipes sets 0–8 did not vary, scored once to judge session 15's candidates). 10: held
   * out, set 10 (held-out-10-recipes.ts: recipes sets 0–9 did not vary, scored once to judge session 16's candidates).
   */
  readonly heldOutSet: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
}

/**
 * Held-out sets read only when a command names them (`--only set7:`): a set is sealed so nobody sees its scores before its
 * freeze (/work/set7-protocol.md). Sets 4–8 were scored once each (/work/set4-protocol.md … set7-protocol.md; set 8's protocol is in docs/direction.md) and stay
 * read-only-when-named: unsealing them moves the board. Set 9 (session 15; its protocol in docs/direction.md) was scored once too, at 23:44 UTC on 2026-12-07.
 * Set 10 (session 16; its protocol in docs/direction.md) was scored once too, at 03:56 UTC on 2026-12-08.
 */
export const SEALED_SETS: ReadonlySet<FamilyBenchmark["heldOutSet"]> = new Set([4, 5, 6, 7, 8, 9, 10]);

/** Whether `benchmark` belongs to a sealed held-out set. */
export function isSealed(benchmark: Pick<FamilyBenchmark, "heldOutSet">): boolean {
  return SEALED_SETS.has(benchmark.heldOutSet);
}

/**
 * The benchmarks `words` name (`--only`: names or prefixes; undefined: all). A sealed set is read
 * only when a word names it (`set4:`, `set4:qwen-tree@2061`), never by a broader prefix or a full run.
 */
export function benchmarksNamed(words: readonly string[] | undefined): FamilyBenchmark[] {
  return familyBenchmarks().filter((benchmark) => {
    if (words && !words.some((word) => benchmark.name.startsWith(word))) return false;
    return !isSealed(benchmark) || (words ?? []).some((word) => word.startsWith(`set${benchmark.heldOutSet}:`));
  });
}

/** The second seed of the default family (the README's "two seeds"). */
const LLAMA_SECOND_SEED = 2024;
/** Seeds trained after the rules were chosen (held out): three more of the default recipe, one more of PyTorch's. */
const HELD_OUT_SEEDS: Readonly<Record<string, readonly number[]>> = { "llama-2": [2031, 2032, 2033], torch: [2035] };
/** Recipes added after the rules were chosen: every seed of theirs is held out. */
const HELD_OUT_RECIPES: ReadonlySet<string> = new Set(["hf-adamw"]);
/** The SD-like chain's seeds: the default's and two more. */
const SD_SEEDS = [SD_FAMILY_DEFAULTS.seed, 2024, 2025] as const;

/** Every family benchmark: Llama-like, SD-like, then held-out sets 2–10 (sealed ones included: callers check isSealed). */
export function familyBenchmarks(): FamilyBenchmark[] {
  const out: FamilyBenchmark[] = [];
  for (const [recipe, { settings }] of Object.entries(LLAMA_RECIPES)) {
    const chosenOn = HELD_OUT_RECIPES.has(recipe) ? [] : recipe === "llama-2" ? [settings.seed, LLAMA_SECOND_SEED] : [settings.seed];
    const heldOut = HELD_OUT_RECIPES.has(recipe) ? [settings.seed] : (HELD_OUT_SEEDS[recipe] ?? []);
    for (const seed of [...chosenOn, ...heldOut]) {
      const family = recipe === "llama-2" ? "llama-family" : `llama-family-${recipe}`;
      const flags = `${recipe === "llama-2" ? "" : ` --recipe ${recipe}`}${seed === settings.seed ? "" : ` --seed ${seed}`}`;
      out.push({
        name: `llama:${recipe}@${seed}`,
        kind: "lm",
        family,
        command: `bun run experiments/llama-family.ts${flags}`,
        members: planLlamaFamily({ ...settings, seed }),
        dtype: settings.dtype,
        heldOutSet: heldOut.includes(seed) ? 1 : 0,
      });
    }
  }
  for (const seed of SD_SEEDS) {
    out.push({
      name: `sd@${seed}`,
      kind: "chain",
      family: "sd-family",
      command: `bun run experiments/sd-family.ts${seed === SD_FAMILY_DEFAULTS.seed ? "" : ` --seed ${seed}`}`,
      members: planSdFamily({ ...SD_FAMILY_DEFAULTS, seed }),
      dtype: SD_FAMILY_DEFAULTS.dtype,
      heldOutSet: 0,
    });
  }
  for (const [set, recipes] of [
    [2, HELD_OUT_2_RECIPES],
    [3, HELD_OUT_3_RECIPES],
    [4, HELD_OUT_4_RECIPES],
    [5, HELD_OUT_5_RECIPES],
    [6, HELD_OUT_6_RECIPES],
    [7, HELD_OUT_7_RECIPES],
    [8, HELD_OUT_8_RECIPES],
    [9, HELD_OUT_9_RECIPES],
    [10, HELD_OUT_10_RECIPES],
  ] as const) {
    for (const [recipe, { settings }] of Object.entries(recipes)) {
      const name = `set${set}:${recipe}@${settings.seed}`;
      out.push({
        name,
        kind: "lm",
        family: `lm-set${set}-${recipe}`,
        command: `bun run experiments/lm-families.ts --train --only ${name}`,
        members: planLlamaFamily(settings),
        dtype: settings.dtype,
        heldOutSet: set,
      });
    }
  }
  return out;
}

/** A benchmark's release folder (one model folder per id) and truth; trains what the cache lacks. */
export async function openFamilyBenchmark(
  benchmark: FamilyBenchmark,
  options: { readonly store: ArtifactStore; readonly progress: Progress; readonly workers?: number },
): Promise<{ readonly releasePath: string; readonly truth: TruthGraph }> {
  const artifacts = await trainFamily({
    family: benchmark.family,
    members: benchmark.members,
    dtype: benchmark.dtype,
    store: options.store,
    progress: options.progress,
    workers: options.workers ?? 2,
  });
  return { releasePath: await releaseFolder(options.store, benchmark.family, artifacts), truth: familyTruth(benchmark.members) };
}

/**
 * The benchmark's trained models from the cache at `cache`, or undefined when any is missing:
 * nothing is trained (what a leaderboard reads).
 */
export async function cachedFamilyArtifacts(benchmark: FamilyBenchmark, cache: string): Promise<Map<string, Artifact> | undefined> {
  try {
    return await trainFamily({
      family: benchmark.family,
      members: benchmark.members,
      dtype: benchmark.dtype,
      store: new CachedOnlyStore(cache, { log: () => {}, now: () => performance.now() }),
      progress: lineProgress({ write: () => {} }),
      workers: 1,
    });
  } catch (error) {
    if (error instanceof NotCached) return undefined;
    throw error;
  }
}

/** A model the cache lacks. */
class NotCached extends Error {}

/** An artefact store that finds what exists and refuses to produce anything. */
class CachedOnlyStore extends ArtifactStore {
  override async get(...args: Parameters<ArtifactStore["get"]>): ReturnType<ArtifactStore["get"]> {
    const [kind, config, , options] = args;
    if (!(await this.has(kind, config, options))) throw new NotCached(`${kind} not in the cache`);
    return super.get(...args);
  }
}

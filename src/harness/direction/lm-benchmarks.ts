/**
 * The family benchmarks of the direction leaderboard: every Llama-like family (recipes, seeds,
 * the PyTorch-trained and GPT-2-named ones) and every SD-like generalization chain of
 * src/harness/families/family-benchmarks.ts, read from the cache without training
 * (`cachedFamilyArtifacts`). Leave-one-family-out holds out together the families one trainer
 * made: our ONNX-trained Llama-like recipes, the PyTorch-trained Llama, the GPT-2-named one, the
 * SD-like chains, and held-out set 2 (all of it one group).
 */
import { cachedFamilyArtifacts, familyBenchmarks, isSealed, type FamilyBenchmark } from "../families/family-benchmarks.ts";
import { familyTruth } from "../families/family-member.ts";
import { openCached, type DirectionBenchmark } from "./benchmark.ts";

/**
 * The leave-one-family-out group of a family benchmark, e.g. `llama:torch@2029` → `llama-torch`.
 * Held-out set 2 is one group: the learned rule scored on it never saw any of it.
 */
export function familyGroup(benchmark: Pick<FamilyBenchmark, "name" | "kind" | "heldOutSet">): string {
  if (benchmark.heldOutSet === 2) return "held-out-2";
  if (benchmark.heldOutSet === 3) return "held-out-3";
  if (benchmark.heldOutSet === 4) return "held-out-4";
  if (benchmark.heldOutSet === 5) return "held-out-5";
  if (benchmark.heldOutSet === 6) return "held-out-6";
  if (benchmark.heldOutSet === 7) return "held-out-7";
  if (benchmark.heldOutSet === 8) return "held-out-8";
  if (benchmark.heldOutSet === 9) return "held-out-9";
  if (benchmark.heldOutSet === 10) return "held-out-10";
  if (benchmark.kind === "chain") return "sd-like";
  const recipe = benchmark.name.replace(/^llama:/, "").replace(/@\d+$/, "");
  if (recipe === "torch") return "llama-torch";
  if (recipe === "gpt2") return "gpt2-like";
  return "llama-ours";
}

/** One family benchmark of the families' registry as a leaderboard benchmark. */
export function familyDirectionBenchmark(benchmark: FamilyBenchmark): DirectionBenchmark {
  return {
    name: benchmark.name,
    family: familyGroup(benchmark),
    domain: benchmark.kind === "chain" ? "generalization" : "lm",
    produce: benchmark.command,
    load: async (cache) => {
      const artifacts = await cachedFamilyArtifacts(benchmark, cache);
      if (!artifacts) return { missing: "some models are not in the cache" };
      return openCached(
        benchmark.members.map((m) => m.id),
        artifacts,
        familyTruth(benchmark.members),
      );
    },
  };
}

/** Every family benchmark, Llama-like first; sealed held-out sets (family-benchmarks.ts SEALED_SETS) stay off the board until scored. */
export const FAMILY_BENCHMARKS: readonly DirectionBenchmark[] = familyBenchmarks()
  .filter((benchmark) => !isSealed(benchmark))
  .map(familyDirectionBenchmark);

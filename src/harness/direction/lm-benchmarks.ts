/**
 * The family benchmarks of the direction leaderboard: the Llama-like families and the SD-like
 * generalization chains (src/harness/families/). A family planned as `FamilyMember`s is one
 * benchmark through `familyBenchmark`; helper "lmdir" adds its families and seeds to
 * FAMILY_BENCHMARKS (one entry per trained family and seed, each with its producing command).
 */
import { LLAMA_FAMILY_DEFAULTS } from "../families/llama-family-settings.ts";
import { familyTruth, type FamilyMember } from "../families/family-member.ts";
import { planLlamaFamily } from "../families/plan-llama-family.ts";
import { planSdFamily } from "../families/plan-sd-family.ts";
import { SD_FAMILY_DEFAULTS } from "../families/sd-family-settings.ts";
import { cachedArtifacts, openCached, type BenchmarkDomain, type DirectionBenchmark } from "./benchmark.ts";

/** What a family benchmark needs: its members as planned (pure, so cache keys follow), their dtype, and names. */
export interface FamilyBenchmarkSpec {
  readonly name: string;
  readonly family: string;
  readonly domain: BenchmarkDomain;
  readonly produce: string;
  readonly dtype: "F32" | "BF16";
  readonly members: () => readonly FamilyMember[];
}

/** A benchmark of one planned family (one tree; the members' stages are its labels), read from the model cache. */
export function familyBenchmark(spec: FamilyBenchmarkSpec): DirectionBenchmark {
  return {
    name: spec.name,
    family: spec.family,
    domain: spec.domain,
    produce: spec.produce,
    load: async (cache) => {
      const members = spec.members();
      const truth = familyTruth(members);
      const artifacts = cachedArtifacts(members, { cache, dtype: spec.dtype });
      return openCached(
        members.map((m) => m.id),
        artifacts,
        truth,
      );
    },
  };
}

/** Seeds beyond each family's default (the same plans helper work trains with `--seed`). */
const LLAMA_SEEDS = [LLAMA_FAMILY_DEFAULTS.seed, 2024] as const;
const SD_SEEDS = [SD_FAMILY_DEFAULTS.seed, 2024, 2025] as const;

/** Every family benchmark: the Llama-like family and the SD-like chain of the family experiments, in several seeds. */
export const FAMILY_BENCHMARKS: readonly DirectionBenchmark[] = [
  ...LLAMA_SEEDS.map((seed) =>
    familyBenchmark({
      name: seed === LLAMA_FAMILY_DEFAULTS.seed ? "llama-family" : `llama-family-s${seed}`,
      family: "llama-like",
      domain: "lm",
      produce: `bun run experiments/llama-family.ts${seed === LLAMA_FAMILY_DEFAULTS.seed ? "" : ` --seed ${seed}`}`,
      dtype: LLAMA_FAMILY_DEFAULTS.dtype,
      members: () => planLlamaFamily({ ...LLAMA_FAMILY_DEFAULTS, seed }),
    }),
  ),
  ...SD_SEEDS.map((seed) =>
    familyBenchmark({
      name: seed === SD_FAMILY_DEFAULTS.seed ? "sd-family" : `sd-family-s${seed}`,
      family: "sd-like",
      domain: "generalization",
      produce: `bun run experiments/sd-family.ts${seed === SD_FAMILY_DEFAULTS.seed ? "" : ` --seed ${seed}`}`,
      dtype: SD_FAMILY_DEFAULTS.dtype,
      members: () => planSdFamily({ ...SD_FAMILY_DEFAULTS, seed }),
    }),
  ),
];

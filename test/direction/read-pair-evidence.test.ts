import { describe, expect, test } from "bun:test";
import {
  PAIR_SAMPLE_VALUES,
  embeddingTensor,
  pairIndex,
  pairSampleCount,
  readDecayEvidence,
  readPairEvidence,
} from "../../src/direction/read-pair-evidence.ts";
import { pairLayerEvidence } from "../../src/direction/pair-evidence.ts";
import { adaptiveForm, pairZ, readsEntropy, type PairForm } from "../../src/direction/pair-rule.ts";
import { Rng } from "../../src/rng.ts";

describe("pairIndex", () => {
  test("numbers the unordered pairs of k members 0 … k(k−1)/2 − 1 without gaps", () => {
    for (const k of [2, 3, 7]) {
      const seen: number[] = [];
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) seen.push(pairIndex(i, j, k));
      expect(seen).toEqual(Array.from({ length: (k * (k - 1)) / 2 }, (_, at) => at));
    }
  });
});

describe("readPairEvidence", () => {
  test("reads only the rule's layers, once per member, and compares every pair with the lower member as a", async () => {
    const values = (member: number, layer: number) => Float64Array.from({ length: 16 }, (_, i) => Math.sin(i * (member + 1) + layer) + 0.1 * i);
    const job = (layer: number, score: boolean) => ({
      kind: "mlp-in" as const,
      shape: [4, 4],
      roles: { distance: true, score, sketch: false },
      tensors: [layer, layer, layer] as never,
    });
    const reads: string[] = [];
    const pairs = await readPairEvidence([job(0, true), job(1, false), job(2, true)], "score", [5, 6, 7], async (j, member) => {
      const layer = (j.tensors as unknown as number[])[0]!;
      reads.push(`${layer}:${member}`);
      return values(member, layer);
    });
    expect(reads.sort()).toEqual(["0:5", "0:6", "0:7", "2:5", "2:6", "2:7"]);
    expect(pairs.size).toBe(3);
    const layers = pairs.layersOf(0, 2);
    expect(layers).toHaveLength(2);
    expect(layers[1]).toEqual(pairLayerEvidence(values(5, 2), values(7, 2))!);
  });
});

describe("pairSampleCount", () => {
  test("reads a small layer whole, a large one in whole rows up to the cap, and at least one row", () => {
    expect(pairSampleCount([64, 64])).toBe(4096);
    expect(pairSampleCount([4096, 11008])).toBe(Math.floor(PAIR_SAMPLE_VALUES / 11008) * 11008);
    expect(pairSampleCount([2, 1_000_000])).toBe(1_000_000);
  });
});

describe("readDecayEvidence", () => {
  const tensor = (name: string, shape: number[], dtype: "F32" | "BF16" = "F32") => ({ name, shape, dtype, file: name, offset: 0 }) as never;

  test("reads each member's embedding once and gives every pair its sign test, the lower member as a", async () => {
    // Member 0 the parent; member 1 = 0.9 × member 0 on every row (decay), member 2 = 0.8 × member 1.
    const base = Float64Array.from({ length: 8 * 4 }, (_, i) => Math.sin(i * 1.3) + 0.2);
    const rows = [base, base.map((v) => 0.9 * v), base.map((v) => 0.72 * v)];
    const reads: string[] = [];
    const decay = await readDecayEvidence(
      ["e0", "e1", "e2"].map((name) => tensor(name, [8, 4])),
      async (t, count) => {
        const name = (t as unknown as { name: string }).name;
        reads.push(`${name}:${count}`);
        return rows[Number(name[1])]!;
      },
    );
    expect(reads.sort()).toEqual(["e0:32", "e1:32", "e2:32"]);
    expect(decay!.decayOf(0, 1)).toBeCloseTo(Math.sqrt(8), 12);
    expect(decay!.decayOf(0, 2)).toBeCloseTo(Math.sqrt(8), 12);
    expect(decay!.decayOf(1, 2)).toBeCloseTo(Math.sqrt(8), 12);
  });

  test("no evidence when a member has no embedding or the shapes differ", async () => {
    const read = async () => new Float64Array(32);
    expect(await readDecayEvidence([tensor("a", [8, 4]), undefined], read)).toBeUndefined();
    expect(await readDecayEvidence([tensor("a", [8, 4]), tensor("b", [4, 8])], read)).toBeUndefined();
  });
});

describe("embeddingTensor", () => {
  test("finds the 2-D embedding matrix by its name", () => {
    const tensors = [
      { name: "model.layers.0.self_attn.q_proj.weight", shape: [4, 4] },
      { name: "model.embed_tokens.weight", shape: [16, 4] },
    ] as never[];
    expect((embeddingTensor(tensors) as unknown as { name: string }).name).toBe("model.embed_tokens.weight");
    expect(embeddingTensor([tensors[0]!])).toBeUndefined();
  });
});

describe("the entropy ratio only where a rule reads it", () => {
  // Parent Gaussian; one child adds a heavy-tailed update (cubed Gaussian: adaptive reads entropy), one a light-tailed
  // sign-like update (adaptive reads tanh). Every form's pair z is the same from a read that forms the entropy ratio
  // only when readsEntropy says so — so recovery may skip it for the default tanh rule without moving a bit.
  const rng = new Rng(7);
  const n = 4096;
  const parent = Float64Array.from({ length: n }, () => rng.normal());
  const heavy = parent.map((v) => v + 0.3 * rng.normal() ** 3);
  const light = parent.map((v) => v + 0.3 * Math.sign(rng.normal()));
  const forms: PairForm[] = ["tanh", "adaptive", "tanh-hetero", "entropy", "cumulant", "heteroscedasticity"];

  test("the two children lead adaptive to both of its forms", () => {
    expect(adaptiveForm([pairLayerEvidence(parent, heavy)])).toBe("entropy");
    expect(adaptiveForm([pairLayerEvidence(parent, light)])).toBe("tanh");
  });

  for (const form of forms) {
    test(`${form}: the pair z with the entropy ratio formed iff readsEntropy equals the full read's`, async () => {
      const layers = [parent, heavy, light];
      const read = (options?: { entropy: boolean }) =>
        readPairEvidence(
          [{ kind: "mlp-in", shape: [64, 64], roles: { distance: true, score: true, sketch: false }, tensors: [0, 1, 2] as never }],
          "score",
          [0, 1, 2],
          async (_, member) => layers[member]!,
          options,
        );
      const full = await read();
      const lean = await read({ entropy: readsEntropy(form) });
      for (const [i, j] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ] as const)
        expect(pairZ(form, lean.layersOf(i, j))).toBe(pairZ(form, full.layersOf(i, j)));
      if (!readsEntropy(form)) expect(lean.layersOf(0, 1)[0]!.entropy).toBeUndefined();
    });
  }
});

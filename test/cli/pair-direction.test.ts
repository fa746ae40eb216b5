/**
 * `mother recover --pair-direction`: two language models (a 2-D token embedding), m fine-tuned
 * from c by a sparse, spiky update independent of c's weights, so m's kurtosis is higher than
 * c's: the per-model default (a pair is assumed fine-tuned, kurtosis falling from parent to
 * child) roots the pair at m, backwards; the pair rule tests the two models jointly and roots it
 * at c, and says so on standard error. A ViT is left to the per-model rule under auto.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeGaussian, makeUniform } from "../../src/recover/seeded-random.ts";
import { rootWeights, SYNTHETIC_DEFAULTS, withTokenEmbedding, writeModel, type Weights } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-pair-direction-");

const mother = (...args: string[]) => runMother(args);

/** `base` plus, on one weight in ten, a Gaussian spike of 0.05 (c's weights are Laplace of scale 0.02). */
function spiked(base: Weights): Weights {
  const out: Weights = new Map();
  let layer = 0;
  for (const [name, values] of base) {
    const hit = makeUniform(values.length, 500 + layer);
    const spike = makeGaussian(values.length, 700 + layer);
    out.set(
      name,
      values.map((v, i) => (hit[i]! < 0.1 ? v + 0.05 * spike[i]! : v)),
    );
    layer++;
  }
  return out;
}

async function writePair(folder: string, language: boolean): Promise<void> {
  const root = rootWeights(SYNTHETIC_DEFAULTS, 5);
  const c = language ? withTokenEmbedding(root, SYNTHETIC_DEFAULTS) : root;
  await writeModel(join(folder, "c"), c, SYNTHETIC_DEFAULTS);
  await writeModel(join(folder, "m"), spiked(c), SYNTHETIC_DEFAULTS);
}

const edges = (stdout: string) => (JSON.parse(stdout).edges as { parent: string; child: string }[]).map((e) => `${e.parent}>${e.child}`);

beforeAll(async () => {
  await writePair(join(dir, "lm"), true);
  await writePair(join(dir, "vit"), false);
});

describe("mother recover --pair-direction", () => {
  test("auto on language models: the pair rule roots the pair at c, and standard error names it", async () => {
    const run = await mother("recover", join(dir, "lm"), "--no-cache", "--pair-direction", "auto");
    expect(run.code).toBe(0);
    expect(edges(run.stdout)).toEqual(["c>m"]);
    expect(run.stderr).toContain("direction by pair-tanh (evidence per edge from its two models' weights jointly)");
  }, 30_000);

  test("off, or a ViT under auto: the per-model rule, backwards here (the test can fail)", async () => {
    const off = await mother("recover", join(dir, "lm"), "--no-cache", "--pair-direction", "off");
    expect(off.code).toBe(0);
    expect(edges(off.stdout)).toEqual(["m>c"]);
    const vit = await mother("recover", join(dir, "vit"), "--no-cache", "--pair-direction", "auto");
    expect(edges(vit.stdout)).toEqual(["m>c"]);
    expect(vit.stderr).not.toContain("pair-tanh");
    const on = await mother("recover", join(dir, "vit"), "--no-cache", "--pair-direction", "on");
    expect(edges(on.stdout)).toEqual(["c>m"]);
  }, 30_000);
});

/**
 * `mother recover --sibling-angles`: three language models (a 2-D token embedding) where a short
 * fine-tune i drifts a quarter of the way toward its long sibling p: every pairwise distance
 * makes the chain c → i → p, the angle at i between c and p is obtuse, so by default (auto: a
 * language model) i and p are kept apart and both hang under c; `off` gives the chain, `parent`
 * rules out only i → p, and a ViT (no 2-D embedding) is left alone under auto.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { rootWeights, SYNTHETIC_DEFAULTS, withTokenEmbedding, writeModel, type Weights } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-siblings-");

const mother = (...args: string[]) => runMother(args);

/** `base` plus Σ weight · Gaussian(seed) per tensor. */
function moved(base: Weights, steps: readonly (readonly [number, number])[]): Weights {
  const out: Weights = new Map();
  let layer = 0;
  for (const [name, values] of base) {
    const next = Float64Array.from(values);
    for (const [weight, seed] of steps) {
      const noise = makeGaussian(values.length, seed * 7919 + layer);
      for (let i = 0; i < next.length; i++) next[i]! += weight * 0.02 * noise[i]!;
    }
    out.set(name, next);
    layer++;
  }
  return out;
}

async function writeTriple(folder: string, language: boolean): Promise<void> {
  const root = rootWeights(SYNTHETIC_DEFAULTS, 5);
  const c = language ? withTokenEmbedding(root, SYNTHETIC_DEFAULTS) : root;
  await writeModel(join(folder, "c"), c, SYNTHETIC_DEFAULTS);
  await writeModel(
    join(folder, "i"),
    moved(c, [
      [0.25, 1],
      [0.1, 2],
    ]),
    SYNTHETIC_DEFAULTS,
  );
  await writeModel(join(folder, "p"), moved(c, [[1, 1]]), SYNTHETIC_DEFAULTS);
}

const undirected = (stdout: string) =>
  (JSON.parse(stdout).edges as { parent: string; child: string }[]).map((e) => [e.parent, e.child].sort().join("-")).sort();

beforeAll(async () => {
  await writeTriple(join(dir, "lm"), true);
  await writeTriple(join(dir, "vit"), false);
});

describe("mother recover --sibling-angles", () => {
  test("a language model by default: the short sibling is not the long one's parent, and stderr says so", async () => {
    const run = await mother("recover", join(dir, "lm"), "--no-cache");
    expect(run.code).toBe(0);
    expect(undirected(run.stdout)).toEqual(["c-i", "c-p"]);
    expect(run.stderr).toContain("1 model pair(s) kept from being parent and child");
  }, 30_000);

  test("off, or a ViT under auto: the chain every distance gives", async () => {
    const off = await mother("recover", join(dir, "lm"), "--no-cache", "--sibling-angles", "off");
    expect(off.code).toBe(0);
    expect(undirected(off.stdout)).toEqual(["c-i", "i-p"]);
    expect(off.stderr).not.toContain("kept from being parent and child");
    const vit = await mother("recover", join(dir, "vit"), "--no-cache");
    expect(undirected(vit.stdout)).toEqual(["c-i", "i-p"]);
    const on = await mother("recover", join(dir, "vit"), "--no-cache", "--sibling-angles", "on");
    expect(undirected(on.stdout)).toEqual(["c-i", "c-p"]);
  }, 30_000);

  test("parent: the short sibling is not the long one's parent (i → p ruled out, one pair)", async () => {
    const run = await mother("recover", join(dir, "lm"), "--no-cache", "--sibling-angles", "parent");
    expect(run.code).toBe(0);
    const edges = JSON.parse(run.stdout).edges as { parent: string; child: string }[];
    expect(edges.some((e) => e.parent === "i" && e.child === "p")).toBe(false);
    expect(run.stderr).toContain("1 model pair(s) kept from being parent and child");
  }, 30_000);
});

/**
 * `mother recover --chain`: a chain (root → child → grandchild) has no branch, so --stage auto
 * ties; by default (`--chain chains`) the distance from a synthetic init decides a chain of three
 * or more and a pair is a tie (fine-tuning assumed); `--chain specialization` assumes fine-tuning
 * for both; every mode says per tree on standard error and in the JSON's `directions` what decided.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-chain-");
let chain: string;
let pair: string;

const mother = (...args: string[]) => runMother(args);

beforeAll(async () => {
  chain = join(dir, "chain");
  // r → r-c0 → r-c0-g0: every fine-tune adds noise, so the weights' mean square grows down the chain.
  await writeSyntheticTrees(chain, [{ root: "r", children: 1, grandchildren: 1 }], { seed: 11 });
  pair = join(dir, "pair");
  await writeSyntheticTrees(pair, [{ root: "r", children: 1, grandchildren: 0 }], { seed: 11 });
});

describe("mother recover --chain", () => {
  test("by default a chain of three is oriented by the init distance, and a pair is a tie", async () => {
    const run = await mother("recover", chain, "--no-cache");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).directions[0]).toMatchObject({ root: "r", decidedBy: "init-distance" });
    const two = await mother("recover", pair, "--no-cache");
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout).directions[0]).toMatchObject({ decidedBy: "tie", margin: 0 });
    expect(two.stderr).toContain("both orientations fit equally");
  }, 30_000);

  test("--chain specialization: a chain is a tie, said on stderr and recorded as such", async () => {
    const run = await mother("recover", chain, "--no-cache", "--chain", "specialization");
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout);
    expect(graph.directions).toHaveLength(1);
    expect(graph.directions[0]).toMatchObject({ decidedBy: "tie", margin: 0 });
    expect(run.stderr).toContain("both orientations fit equally");
  }, 30_000);

  test("--chain init-distance roots the chain at the model nearest the init, and says so", async () => {
    const run = await mother("recover", chain, "--no-cache", "--chain", "init-distance");
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout);
    expect(graph.directions[0]).toMatchObject({ root: "r", decidedBy: "init-distance", margin: 0 });
    expect(graph.edges.map((e: { parent: string; child: string }) => `${e.parent}>${e.child}`).sort()).toEqual(["r-c0>r-c0-g0", "r>r-c0"]);
    expect(run.stderr).toMatch(
      /tree rooted at r: direction by \S+ \((falls|rises) from parent to child\), margin 0\.00 λ, decided by distance from a synthetic init/,
    );
  }, 30_000);

  test("an unknown --chain value is refused", async () => {
    const run = await mother("recover", chain, "--chain", "magic");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--chain");
  }, 30_000);
});

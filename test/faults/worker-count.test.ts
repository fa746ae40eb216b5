/**
 * `--workers N` is a ceiling, not an order: a recovery starts no more layer threads than it has layer jobs (recover.ts).
 * Before, `--workers 1000` on a 4-model set started 1,000 VMs (15 s, 3.1 GB; docs/robustness.md).
 */
import { beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-faults-worker-count-");
const models = join(dir, "models");
beforeAll(() => writeSyntheticTrees(models, [{ root: "w", children: 2, grandchildren: 1 }], { seed: 29 }));

/** The threads `recover --workers n` started, and its graph. */
async function started(n: number): Promise<{ threads: number; graph: string }> {
  const run = await runMother(["recover", models, "--no-cache", "--workers", String(n)], { preload: join(import.meta.dir, "count-workers.ts") });
  expect(run.code).toBe(0);
  const threads = Number(/workers started: (\d+)/.exec(run.stderr)?.[1]);
  return { threads, graph: run.stdout };
}

test("--workers 100 and 256 start the same threads, as many as the set's layer jobs at most; the graph is the same as in one thread", async () => {
  const [hundred, most, none] = [await started(100), await started(256), await started(0)];
  expect(none.threads).toBe(0);
  expect(hundred.threads).toBeGreaterThan(1);
  expect(hundred.threads).toBeLessThan(100);
  expect(most.threads).toBe(hundred.threads);
  expect(most.graph).toBe(none.graph);
  expect(hundred.graph).toBe(none.graph);
}, 60_000);

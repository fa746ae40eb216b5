/**
 * Test helper (a script, mapped-reads.test.ts): a SIGBUS that is not the layer stream's own goes on
 * to the handler before its guard. It sweeps the first layer of the fault set at MOTHER_TEST_SET
 * through mappings (which installs the guard; prints "swept N" with N the mapped native calls),
 * then reads a page past the end of a file of its own, cut short under a Bun.mmap: Bun's own
 * handler must take that fault, as it does without the guard.
 */
import { truncateSync, writeFileSync } from "node:fs";
import { BlockKernels } from "../../src/kernels/block-kernels.ts";
import { analyseLayer } from "../../src/recover/layer-pass.ts";
import { firstLayerJob } from "./gguf-fault-set.ts";

const [set, scratch] = [process.env.MOTHER_TEST_SET, process.env.MOTHER_TEST_SCRATCH];
if (!set || !scratch) throw new Error("MOTHER_TEST_SET and MOTHER_TEST_SCRATCH are needed");
let mapped = 0;
const real = BlockKernels.prototype.layerStream;
BlockKernels.prototype.layerStream = function (plan, models, ...rest) {
  if (models.some((model) => !model.twin && model.mapped)) mapped++;
  return real.call(this, plan, models, ...rest);
};
await analyseLayer(await firstLayerJob(set));
console.log(`swept ${mapped}`);
writeFileSync(scratch, new Uint8Array(65536));
const bytes = Bun.mmap(scratch, { shared: true });
truncateSync(scratch, 100);
console.log(`read ${bytes[40000]}`); // a page past the end: SIGBUS outside the guard's mappings

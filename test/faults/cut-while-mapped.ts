/**
 * Test helper: a GGUF file cut short while the native layer stream reads it through a mapping
 * (BlockKernels.layerStream, native/layer-stream.c). The file is truncated right before the
 * native call, after sweepRest checked its size, so the call maps a tensor its file no longer
 * holds: a page past the new end raises SIGBUS inside the kernels (the guard's case), and a cut
 * inside the tensor's last page reads as zeros without one (the after-sweep size check's case).
 *
 * In a test: `cutWhileMapped(file, keep)` (returns the undo; `keep(source)` is the bytes of the
 * tensor left). In a CLI process: `bun --preload` this file with MOTHER_TEST_CUT_WHILE_MAPPED=<file>
 * (the tensor cut to half) and MOTHER_TEST_CUT_KEEP=tail (cut by 8 bytes instead). As a worker
 * thread: sent { job, file }, it analyses the layer job with the file cut to half and posts the
 * error's message (the guard on a thread of its own).
 */
import { truncateSync } from "node:fs";
import { BlockKernels } from "../../src/kernels/block-kernels.ts";
import type { StagedSource } from "../../src/io/tensor-stream.ts";
import { analyseLayer, type LayerJob } from "../../src/recover/layer-pass.ts";

/** Cuts `file` to its first mapped tensor's offset + keep(tensor) bytes right before the native call that maps it (once); `cut` counts the cuts. */
export function cutWhileMapped(file: string, keep: (source: StagedSource) => number, cut: { calls: number } = { calls: 0 }): () => void {
  const real = BlockKernels.prototype.layerStream;
  BlockKernels.prototype.layerStream = function (plan, models, ...rest) {
    for (const model of models) {
      if (model.twin || !model.mapped || model.source.file !== file || cut.calls > 0) continue;
      truncateSync(file, model.source.offset + keep(model.source));
      cut.calls++;
    }
    return real.call(this, plan, models, ...rest);
  };
  return () => {
    BlockKernels.prototype.layerStream = real;
  };
}

/** The tensor cut to half its bytes: a page past the file's end is mapped and read (SIGBUS). */
export const half = (source: StagedSource) => Math.floor(source.byteLength / 2);
/** The tensor cut by 8 bytes: the file ends inside the tensor's last page, which reads as zeros past it. */
export const tail = (source: StagedSource) => source.byteLength - 8;

const preloaded = process.env.MOTHER_TEST_CUT_WHILE_MAPPED;
if (preloaded) cutWhileMapped(preloaded, process.env.MOTHER_TEST_CUT_KEEP === "tail" ? tail : half);

if (!Bun.isMainThread) {
  const worker = self as unknown as Worker;
  worker.onmessage = async ({ data }: MessageEvent<{ job: LayerJob; file: string }>) => {
    const undo = cutWhileMapped(data.file, half);
    const outcome = await analyseLayer(data.job).then(
      () => "no error",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    undo();
    worker.postMessage(outcome);
  };
}

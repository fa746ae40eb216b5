/**
 * Test helper: reads inside the native layer stream (BlockKernels.layerStream, native/layer-stream.c)
 * that really fail. The staged tensors of one file are given a descriptor of a folder instead of
 * their file's, and nothing held, so the native loop's first pread on them fails with EISDIR: the
 * C code, its failure record and the TypeScript that names the file all run as on a failing disk.
 *
 * In a test: `failReadsOf(file)` (returns the undo). In a CLI process: `bun --preload` this file
 * with MOTHER_TEST_FAILING_READS=<file>.
 */
import { openSync } from "node:fs";
import { tmpdir } from "node:os";
import { BlockKernels, type StreamedModel } from "../../src/kernels/block-kernels.ts";

/** Makes layerStream's reads of `file` fail (EISDIR) until the returned undo is called; `streamed` counts its calls on that file. */
export function failReadsOf(file: string, streamed: { calls: number } = { calls: 0 }): () => void {
  const folder = openSync(tmpdir(), "r"); // pread on a folder's descriptor fails with EISDIR
  const real = BlockKernels.prototype.layerStream;
  BlockKernels.prototype.layerStream = function (plan, models, ...rest) {
    const failing = models.map((model): StreamedModel => {
      if (model.twin || model.source.file !== file) return model;
      streamed.calls++;
      return { ...model, source: { ...model.source, fd: folder, held: { start: 0, end: 0 } } };
    });
    return real.call(this, plan, failing, ...rest);
  };
  return () => {
    BlockKernels.prototype.layerStream = real;
  };
}

const preloaded = process.env.MOTHER_TEST_FAILING_READS;
if (preloaded) failReadsOf(preloaded);

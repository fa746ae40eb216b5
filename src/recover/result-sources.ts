/**
 * The source files whose code decides a layer's result, for the layer cache's key: everything
 * the layer pass imports, followed through every relative import (read with Bun's transpiler, so
 * type-only imports drop out), plus the kernel sources that are compiled rather than imported.
 * Found, not listed by hand, so that a new reader on the read path (GGUF's dequantizer and row
 * permutation, PEFT's Δ = B·A) changes the key as soon as it is imported — a hand-kept list
 * served stale GGUF results after a dequantizer fix.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/** Where the walk starts: the code that computes a layer result (in a worker or inline). */
const ROOTS = ["recover/layer-pass.ts"];

/** Compiled, not imported: the WebAssembly kernels' AssemblyScript and the native kernels' C. */
const COMPILED = ["kernels/assembly/weight-kernels.ts", "kernels/native/weight-kernels.c"];

/**
 * Imported but unable to change a number: messages and error classes, the atomic writer, and
 * the kernel build machinery (which kernels run is part of the key on its own). Leaving one out
 * here by mistake only makes keys change more often.
 */
const INERT = new Set([
  "errors.ts",
  "messages.ts",
  "io/write-file-atomic.ts",
  "kernels/build-kernels.ts",
  "kernels/build-native.ts",
  "kernels/kernel-cache.ts",
]);

const SRC = join(import.meta.dir, "..");

let found: Promise<string[]> | undefined;

/** The result sources, relative to src/, sorted (found once per process). */
export function resultSources(): Promise<string[]> {
  found ??= walk();
  return found;
}

async function walk(): Promise<string[]> {
  const transpiler = new Bun.Transpiler({ loader: "ts" });
  const seen = new Set<string>();
  const queue = ROOTS.map((root) => join(SRC, root));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { path } of transpiler.scanImports(await readFile(file, "utf8"))) {
      if (path.startsWith(".")) queue.push(join(dirname(file), path));
    }
  }
  const sources = [...seen].map((file) => relative(SRC, file)).filter((source) => !INERT.has(source));
  return [...sources, ...COMPILED].sort();
}

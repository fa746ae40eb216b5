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

/** Where the layer cache's walk starts: the code that computes a layer result (in a worker or inline). */
export const LAYER_PASS_ROOTS: readonly string[] = ["recover/layer-pass.ts"];

/** Compiled, not imported: the WebAssembly kernels' AssemblyScript and the native kernels' C. */
const COMPILED = [
  "kernels/assembly/weight-kernels.ts",
  "kernels/native/arborescence.c",
  "kernels/native/block-moments.c",
  "kernels/native/block-moments-wide.c",
  "kernels/native/gguf-blocks.c",
  "kernels/native/layer-stream.c",
  "kernels/native/low-rank-kernels.c",
  "kernels/native/merge-products.c",
  "kernels/native/merge-screen.c",
  "kernels/native/rank-kernels.c",
  "kernels/native/tree-kernels.c",
  "kernels/native/weight-kernels.c",
];

/**
 * Imported but unable to change a number: messages and error classes (and src/messages/*, which
 * messages.ts re-exports), the atomic writer, and the kernel build machinery (which kernels run
 * is part of the key on its own). The walk does not go on through them. Leaving one out here by
 * mistake only makes keys change more often.
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

/** Whether a source cannot change a result (see INERT). */
function isInert(source: string): boolean {
  return INERT.has(source) || source.startsWith("messages/");
}

const found = new Map<string, Promise<string[]>>();

/**
 * The sources, relative to src/, sorted, whose code decides what `roots` compute (default: a
 * layer's result): found once per process and root list.
 */
export function resultSources(roots: readonly string[] = LAYER_PASS_ROOTS): Promise<string[]> {
  const key = roots.join("\n");
  let sources = found.get(key);
  if (!sources) found.set(key, (sources = walk(roots)));
  return sources;
}

/** A worker's entry, which no import names: a `new URL` of a relative .ts path and `import.meta.url`. */
const WORKER_ENTRY = /new URL\(\s*["'](\.{1,2}\/[^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g;

async function walk(roots: readonly string[]): Promise<string[]> {
  const transpiler = new Bun.Transpiler({ loader: "ts" });
  const seen = new Set<string>();
  const queue = roots.map((root) => join(SRC, root));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (isInert(relative(SRC, file))) continue;
    const code = await readFile(file, "utf8");
    for (const { path } of transpiler.scanImports(code)) {
      if (path.startsWith(".")) queue.push(join(dirname(file), path));
    }
    for (const [, path] of code.matchAll(WORKER_ENTRY)) queue.push(join(dirname(file), path!));
  }
  const sources = [...seen].map((file) => relative(SRC, file)).filter((source) => !isInert(source));
  return [...new Set([...sources, ...COMPILED])].sort();
}

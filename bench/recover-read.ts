/**
 * Recovery speed and memory against the cost of reading the same bytes (SPEC §6):
 *
 *   1. build (once, cached under .cache/bench/) N models of ~S MB each: ViT-style blocks with
 *      attention and MLP weights, stored as --dtype (f32 by default), in --trees T trees (model
 *      m in tree m mod T, each with its own root); children = root + dense noise (--mode ft) or
 *      root + a rank-8 update of query and value (--mode lora, the other layers shared), or
 *      every model all zeros (--mode zeros: identical models, #16's auto-versus-ft case); with
 *      --mode adapter the same rank-8 children as --mode lora are written as PEFT adapter folders
 *      (adapter_config.json + adapter_model.safetensors naming their root), and the merged --mode
 *      lora set is built too: both are recovered side by side, and the ratio adapter / merged is
 *      the cost of forming base + B·A while reading against reading the merged weights;
 *   2. warm the page cache, then time `cat <all files> > /dev/null` (baseline); with --cold
 *      the page cache is dropped before every timed command instead (needs root), so both
 *      read from disk;
 *   3. time `mother recover` on the set in a child process, under /usr/bin/time for peak RSS,
 *      with the native kernels and with the WebAssembly ones alone (MOTHER_KERNELS=wasm), or
 *      only one of them (--kernels native|wasm);
 *   4. print wall-time ratios (recover / cat) and peak RSS against the set's size.
 *
 * Usage: bun run bench/recover-read.ts [--models 6] [--trees 1] [--megabytes 500] [--mode ft|lora|adapter|zeros] [--dtype F32|BF16|F16]
 *        [--distance ft|lora|auto] [--kernels both|native|wasm] [--repeat 3] [--cold]
 */
import { mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeSafetensors, type TensorToWrite } from "../src/io/write-safetensors.ts";
import { type LoraFactorsToWrite, writePeftAdapter } from "../src/io/peft/write-peft-adapter.ts";
import { median, timeAgainstCat, variant } from "./against-cat.ts";
import { noise, vitBlockShapes } from "./synthetic-weights.ts";

const { values: args } = parseArgs({
  options: {
    models: { type: "string", default: "6" },
    trees: { type: "string", default: "1" },
    megabytes: { type: "string", default: "500" },
    distance: { type: "string", default: "auto" },
    mode: { type: "string", default: "ft" },
    dtype: { type: "string", default: "F32" },
    repeat: { type: "string", default: "3" },
    hidden: { type: "string", default: "1024" },
    cold: { type: "boolean", default: false },
    kernels: { type: "string", default: "both" },
  },
});
const modelCount = Number(args.models);
const treeCount = Math.max(1, Number(args.trees));
const megabytes = Number(args.megabytes);
const hidden = Number(args.hidden);
const repeat = Number(args.repeat);

const dtype = (["F32", "BF16", "F16"] as const).find((d) => d === args.dtype?.toUpperCase()) ?? "F32";
// ViT block (vitBlockShapes): 12 h² values.
const blockBytes = 12 * hidden * hidden * (dtype === "F32" ? 4 : 2);
const blocks = Math.max(1, Math.round((megabytes * 1024 * 1024) / blockBytes));
const requested = args.mode === "lora" || args.mode === "zeros" || args.mode === "adapter" ? args.mode : "ft";
/** The set this run builds and times first: --mode adapter also times the merged (lora) set. */
const setDir = (mode: "ft" | "lora" | "zeros" | "adapter") =>
  join(
    ".cache",
    "bench",
    `recover-${modelCount}x${blocks}b-h${hidden}${treeCount > 1 ? `-t${treeCount}` : ""}` +
      `${mode === "ft" ? "" : `-${mode}`}${dtype === "F32" ? "" : `-${dtype.toLowerCase()}`}`,
  );
const mode = requested === "adapter" ? "lora" : requested;
const dir = setDir(mode);
const adapterDir = setDir("adapter");
const LORA_RANK = 8;

async function buildSet(asAdapters = false): Promise<void> {
  const dir = asAdapters ? adapterDir : setDir(mode);
  try {
    if ((await readdir(dir)).length === modelCount) return;
  } catch {}
  console.error(`building ${modelCount} models × ${blocks} blocks (h=${hidden}) in ${dir} …`);
  for (let m = 0; m < modelCount; m++) {
    const folder = join(dir, `model-${m}`);
    await mkdir(folder, { recursive: true });
    const tensors: TensorToWrite[] = [];
    const factors: LoraFactorsToWrite[] = [];
    for (let b = 0; b < blocks; b++) {
      vitBlockShapes(b, hidden).forEach(([name, shape], i) => {
        const count = shape[0]! * shape[1]!;
        const tree = m % treeCount;
        const data = mode === "zeros" ? new Float32Array(count) : noise(count, 1 + b * 16 + i + 100_000 * tree, 0.05); // the tree's root
        if (m >= treeCount && mode === "ft") {
          const delta = noise(count, 1000 * m + b * 16 + i, 0.002);
          for (let k = 0; k < count; k++) data[k]! += delta[k]!;
        }
        if (m >= treeCount && mode === "lora" && (name.endsWith("query.weight") || name.endsWith("value.weight"))) {
          const [rows, cols] = shape as [number, number];
          const down = noise(LORA_RANK * cols, 2000 * m + b * 16 + i, 0.05); // A: rank × cols
          const up = noise(rows * LORA_RANK, 3000 * m + b * 16 + i, 0.05); // B: rows × rank
          factors.push({ module: name.slice(0, -".weight".length), a: down, b: up, fanIn: cols, fanOut: rows });
          if (asAdapters) return;
          for (let r = 0; r < rows; r++) {
            for (let t = 0; t < LORA_RANK; t++) {
              const u = up[r * LORA_RANK + t]!;
              for (let c = 0; c < cols; c++) data[r * cols + c]! += u * down[t * cols + c]!;
            }
          }
        }
        tensors.push({ name, dtype, shape, data });
      });
    }
    // An adapter child names its root's folder; alpha = rank, so Δ = B · A as in the merged set.
    if (asAdapters && m >= treeCount)
      await writePeftAdapter(folder, { baseModel: `model-${m % treeCount}`, rank: LORA_RANK, alpha: LORA_RANK, modules: factors, dtype });
    else await writeSafetensors(join(folder, "model.safetensors"), tensors);
  }
}

async function files(set = dir): Promise<string[]> {
  const folders = (await readdir(set)).sort();
  return (await Promise.all(folders.map(async (f) => (await readdir(join(set, f))).map((name) => join(set, f, name))))).flat();
}

/** Empties the page cache (root only), so the next command reads from disk. */
async function dropPageCache(): Promise<void> {
  const proc = Bun.spawn(["sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"], { stderr: "pipe" });
  if ((await proc.exited) !== 0) {
    console.error(`--cold: cannot drop the page cache (${(await new Response(proc.stderr).text()).trim() || "needs root"}); run as root or without --cold`);
    process.exit(1);
  }
}

await buildSet();
if (requested === "adapter") await buildSet(true);
const paths = await files();
let totalBytes = 0;
for (const path of paths) totalBytes += (await stat(path)).size;
const kernels = args.kernels === "both" ? ["native", "wasm"] : [args.kernels!];
if (!kernels.every((k) => k === "native" || k === "wasm")) throw new Error(`--kernels ${args.kernels}: expected both, native or wasm`);
const sets = requested === "adapter" ? [dir, adapterDir] : [dir];
// --no-cache: every run reads every layer (a cached re-run reads nothing).
const variants = sets.flatMap((set) =>
  kernels.map((name) => ({
    name,
    set,
    ...variant(["bun", "run", "src/cli/main.ts", "recover", set, "--quiet", "--no-cache", "--distance", args.distance!], { MOTHER_KERNELS: name }),
  })),
);
const { runs: catRuns, cpu: catCpu } = await timeAgainstCat(paths, variants, repeat, args.cold ? dropPageCache : undefined);
const catSeconds = median(catRuns);
const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);
console.log(
  `model set: ${modelCount} × ${(totalBytes / modelCount / 1024 ** 2).toFixed(0)} MB = ${gib(totalBytes)} GiB ` +
    `(${blocks} blocks, hidden ${hidden}, ${dtype}, ` +
    `${{ lora: `rank-${LORA_RANK} LoRA children`, ft: "dense fine-tunes", zeros: "all zeros" }[mode]}${treeCount > 1 ? `, ${treeCount} trees` : ""})`,
);
console.log(`cat (${args.cold ? "cold: from disk" : "warm"}, median of ${repeat}): ${catSeconds.toFixed(2)} s   CPU ${median(catCpu).toFixed(2)} s`);
for (const variant of variants) {
  const seconds = median(variant.runs);
  console.log(
    `mother recover --distance ${args.distance}${variant.set === adapterDir ? " (children as PEFT adapter folders)" : ""}, ` +
      `${variant.name} kernels: ${seconds.toFixed(2)} s   ratio ${(seconds / catSeconds).toFixed(2)}× (budget ≤ 2×)   ` +
      `CPU ${median(variant.cpu).toFixed(2)} s on ${navigator.hardwareConcurrency} cores   peak RSS ` +
      `${(variant.peakKb / 1024).toFixed(0)} MB (${(((variant.peakKb * 1024) / totalBytes) * 100).toFixed(1)}% of the set)`,
  );
}
if (requested === "adapter") {
  const adapterBytes = (await Promise.all((await files(adapterDir)).map(async (path) => (await stat(path)).size))).reduce((sum, size) => sum + size, 0);
  console.log(`adapter set on disk: ${gib(adapterBytes)} GiB (roots + adapter folders); the merged set above: ${gib(totalBytes)} GiB`);
  for (const name of kernels) {
    const [merged, adapters] = sets.map((set) => median(variants.find((v) => v.set === set && v.name === name)!.runs));
    console.log(`${name} kernels: adapter set / merged set = ${(adapters! / merged!).toFixed(2)}× wall time for the same models (same layers, same pairs)`);
  }
}

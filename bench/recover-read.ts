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
// ViT block: q, k, v, o (h×h) + MLP in/out (4h×h, h×4h) = 12 h² values.
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

/** Cheap deterministic noise: xorshift32 uniform in [-1, 1). */
function noise(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = scale * ((s / 4294967296) * 2 - 1);
  }
  return out;
}

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
      const prefix = `vit.encoder.layer.${b}`;
      const shapes: [string, number[]][] = [
        [`${prefix}.attention.attention.query.weight`, [hidden, hidden]],
        [`${prefix}.attention.attention.key.weight`, [hidden, hidden]],
        [`${prefix}.attention.attention.value.weight`, [hidden, hidden]],
        [`${prefix}.attention.output.dense.weight`, [hidden, hidden]],
        [`${prefix}.intermediate.dense.weight`, [4 * hidden, hidden]],
        [`${prefix}.output.dense.weight`, [hidden, 4 * hidden]],
      ];
      shapes.forEach(([name, shape], i) => {
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

/** Wall seconds, CPU seconds (user + system, all threads) and peak RSS of one run. */
async function timeCommand(command: string[], env: Record<string, string> = {}): Promise<{ seconds: number; cpuSeconds: number; peakKb: number }> {
  const proc = Bun.spawn(["/usr/bin/time", "-f", "%e %U %S %M", ...command], { stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  const stderr = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`${command.join(" ")} failed:\n${stderr}`);
  const [wall, user, system, peak] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds: wall!, cpuSeconds: user! + system!, peakKb: peak! };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
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
const cat = ["sh", "-c", `cat ${paths.join(" ")} > /dev/null`];
if (!args.cold) await timeCommand(cat); // warm the page cache
const kernels = args.kernels === "both" ? ["native", "wasm"] : [args.kernels!];
if (!kernels.every((k) => k === "native" || k === "wasm")) throw new Error(`--kernels ${args.kernels}: expected both, native or wasm`);
const catRuns: number[] = [];
const catCpu: number[] = [];
const sets = requested === "adapter" ? [dir, adapterDir] : [dir];
const variants = sets.flatMap((set) => kernels.map((name) => ({ name, set, runs: [] as number[], cpu: [] as number[], peakKb: 0 })));
for (let r = 0; r < repeat; r++) {
  // Side by side: the baseline and the measured runs alternate so drift hits all of them.
  if (args.cold) await dropPageCache();
  const baseline = await timeCommand(cat);
  catRuns.push(baseline.seconds);
  catCpu.push(baseline.cpuSeconds);
  for (const variant of variants) {
    // --no-cache: every run reads every layer (a cached re-run reads nothing).
    if (args.cold) await dropPageCache();
    const run = await timeCommand(["bun", "run", "src/cli/main.ts", "recover", variant.set, "--quiet", "--no-cache", "--distance", args.distance!], {
      MOTHER_KERNELS: variant.name,
    });
    variant.runs.push(run.seconds);
    variant.cpu.push(run.cpuSeconds);
    variant.peakKb = Math.max(variant.peakKb, run.peakKb);
  }
}
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

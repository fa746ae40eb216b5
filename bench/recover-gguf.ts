/**
 * GGUF recovery speed against reading the same bytes (SPEC §6, issue #12: a Q4_K or Q8_0 set
 * recovered within 2× of `cat` of the same files):
 *
 *   1. build (once, cached under .cache/bench/) N Llama-named models of ~S MB each as GGUF files
 *      of --type (Q8_0 by default), written by our writer: Q8_0 with ggml's reference quantizer
 *      (one root, children = root + dense noise; Q/K rows in llama.cpp's rotary order), K-quants
 *      (Q4_K, Q5_K, Q6_K) as random valid blocks (children = the root's blocks with one byte in 16
 *      redrawn, and scales of their own);
 *   2. settle the page cache (each file dropped from it and read back by `cat`: the state one
 *      sequential read leaves, in which `cat` is fastest; --page-cache as-is keeps whatever state
 *      the files are in, as earlier sessions timed), then time `cat <all files> > /dev/null` (the baseline) and
 *      `mother recover --no-cache` side by side, alternating, --repeat times: with the native
 *      kernels (Q8_0/Q4_K decoded natively) and with MOTHER_KERNELS=wasm (every block decoded in
 *      TypeScript, the WebAssembly kernels sweeping), or one of them (--kernels native|wasm);
 *   3. print the median wall and CPU times and the ratios to cat's median and to its fastest run.
 *
 * --baseline <checkout> times that checkout's `mother recover` (native kernels) in the same
 * rounds, for a before/after in one run: e.g. `git archive <commit> | tar -x -C /tmp/before` and
 * a link to this checkout's node_modules.
 *
 * --embedding <rows> adds a token embedding of that many rows (`token_embd`): the set is then a
 * language model, so the pair rule (--pair-direction auto) reads every pair, as on a real LLM family.
 *
 * Usage: bun run bench/recover-gguf.ts [--type Q8_0|Q4_K|Q5_K|Q6_K] [--models 4] [--megabytes 64] [--hidden 1024] [--repeat 3] [--kernels both|native|wasm]
 *        [--baseline <checkout>] [--page-cache settle|as-is] [--embedding 0]
 */
import { mkdir, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeGguf, writeGgufFromHf, type HfTensor } from "../src/io/gguf/write-gguf.ts";
import { ggufNameOf } from "../src/io/gguf/gguf-names.ts";
import { GGML_LAYOUTS } from "../src/io/gguf/ggml-types.ts";
import type { GgmlType } from "../src/types.ts";
import { median, settlePageCache, timeAgainstCat, variant } from "./against-cat.ts";
import { codeSource } from "./code-source.ts";
import { noise } from "./synthetic-weights.ts";

const { values: args } = parseArgs({
  options: {
    type: { type: "string", default: "Q8_0" },
    models: { type: "string", default: "4" },
    megabytes: { type: "string", default: "64" },
    hidden: { type: "string", default: "1024" },
    repeat: { type: "string", default: "3" },
    kernels: { type: "string", default: "both" },
    baseline: { type: "string" },
    "page-cache": { type: "string", default: "settle" },
    embedding: { type: "string", default: "0" },
  },
});
const type = args.type as GgmlType;
if (!(type in GGML_LAYOUTS)) throw new Error(`--type ${args.type}: not a ggml type mother writes`);
const modelCount = Number(args.models);
const hidden = Number(args.hidden);
const repeat = Number(args.repeat);
const layout = GGML_LAYOUTS[type];
// Llama block: q, k, v, o (h×h) + gate, up (4h×h) + down (h×4h) = 16 h² values.
const blockBytes = (16 * hidden * hidden * layout.blockBytes) / layout.blockValues;
const blocks = Math.max(1, Math.round((Number(args.megabytes) * 1024 * 1024) / blockBytes));
const randomK = type === "Q4_K" || type === "Q5_K" || type === "Q6_K";
const embeddingRows = Number(args.embedding);
if (!Number.isInteger(embeddingRows) || embeddingRows < 0) throw new Error(`--embedding ${args.embedding}: expected a whole number of rows`);
// K-quant sets are random blocks whose scales differ by model (the "-scales" sets; see randomBlocks).
const dir = join(
  ".cache",
  "bench",
  `recover-gguf-${type}-${modelCount}x${blocks}b-h${hidden}${randomK ? "-scales" : ""}${embeddingRows > 0 ? `-e${embeddingRows}` : ""}`,
);

/**
 * Random K-quant blocks for a model: valid blocks (small finite d and dmin) with random scales
 * and values; a child is its root with one byte in 16 redrawn, and d and dmin of its own.
 * Quantizing the values with the reference Q4_K search runs at ~1 M values/s in TypeScript, too
 * slow to build a set of a few hundred MB; what the bench measures (reading and decoding blocks,
 * the pass) does not depend on the values, as long as a child differs from its root almost
 * everywhere, as a re-quantized fine-tune does (else merge detection's TIES/DARE fit takes over).
 */
function randomBlocks(count: number, model: number, tensor: number): Uint8Array {
  const bytes = new Uint8Array((count / layout.blockValues) * layout.blockBytes);
  let s = (1 + tensor * 7919) >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  let c = (1 + model * 104729 + tensor) >>> 0;
  for (let i = 0; model > 0 && i < bytes.length; i += 16) {
    c = (c * 1664525 + 1013904223) >>> 0;
    bytes[i + (c >>> 28)] = c & 0xff;
  }
  // d and dmin of every super-block (f16 at bytes 0–3 in Q4_K/Q5_K; Q6_K: d alone, at 208–209): 2^−10 · (1 + model/1024),
  // finite and small, and another in every model, as in a re-quantized fine-tune: with the root's scales a child kept
  // ~90 % of its values exactly, which sent every child through TIES/DARE merge fitting (~0.2 s of serial time on 0.77 GiB).
  const scaleAt = type === "Q6_K" ? [208] : [0, 2];
  for (let at = 0; at < bytes.length; at += layout.blockBytes) for (const s of scaleAt) [bytes[at + s], bytes[at + s + 1]] = [model, 0x14];
  return bytes;
}

async function buildSet(): Promise<void> {
  try {
    if ((await readdir(dir)).length === modelCount) return;
  } catch {}
  console.error(`building ${modelCount} ${type} GGUF models × ${blocks} blocks (h=${hidden}) in ${dir} …`);
  for (let m = 0; m < modelCount; m++) {
    const shapes: [string, number[]][] = embeddingRows > 0 ? [["model.embed_tokens.weight", [embeddingRows, hidden]]] : [];
    for (let b = 0; b < blocks; b++) {
      const prefix = `model.layers.${b}`;
      shapes.push(
        [`${prefix}.self_attn.q_proj.weight`, [hidden, hidden]],
        [`${prefix}.self_attn.k_proj.weight`, [hidden, hidden]],
        [`${prefix}.self_attn.v_proj.weight`, [hidden, hidden]],
        [`${prefix}.self_attn.o_proj.weight`, [hidden, hidden]],
        [`${prefix}.mlp.gate_proj.weight`, [4 * hidden, hidden]],
        [`${prefix}.mlp.up_proj.weight`, [4 * hidden, hidden]],
        [`${prefix}.mlp.down_proj.weight`, [hidden, 4 * hidden]],
      );
    }
    await mkdir(join(dir, `model-${m}`), { recursive: true });
    const file = join(dir, `model-${m}`, "model.gguf");
    if (randomK) {
      const metadata = { "general.architecture": "llama", "llama.attention.head_count": hidden / 64, "llama.attention.head_count_kv": hidden / 64 };
      const tensors = shapes.map(([name, shape], i) => ({ name: ggufNameOf(name), shape, type, blocks: randomBlocks(shape[0]! * shape[1]!, m, i) }));
      await writeGguf(file, metadata, tensors);
      continue;
    }
    const tensors: HfTensor[] = shapes.map(([name, shape], i) => {
      const count = shape[0]! * shape[1]!;
      const data = noise(count, 1 + i, 0.05); // the root
      if (m > 0) {
        const delta = noise(count, 1000 * m + i, 0.01);
        for (let k = 0; k < count; k++) data[k]! += delta[k]!;
      }
      return { name, shape, data };
    });
    await writeGgufFromHf(file, tensors, { type, headCount: hidden / 64 });
  }
}

await buildSet();
const paths = (await readdir(dir)).sort().map((folder) => join(dir, folder, "model.gguf"));
let totalBytes = 0;
for (const path of paths) totalBytes += (await stat(path)).size;
const kernels = args.kernels === "both" ? ["native", "wasm"] : [args.kernels!];
if (!kernels.every((k) => k === "native" || k === "wasm")) throw new Error(`--kernels ${args.kernels}: expected both, native or wasm`);
const variants = kernels.map((name) => ({
  name: `${name} kernels`,
  ...variant(["bun", "run", "src/cli/main.ts", "recover", dir, "--quiet", "--no-cache"], { MOTHER_KERNELS: name }),
}));
if (args.baseline) {
  const command = ["bun", "run", join(args.baseline, "src/cli/main.ts"), "recover", resolve(dir), "--quiet", "--no-cache"];
  variants.unshift({ name: `baseline ${args.baseline}`, ...variant(command, { MOTHER_KERNELS: "native" }) });
}
if (args["page-cache"] !== "settle" && args["page-cache"] !== "as-is") throw new Error(`--page-cache ${args["page-cache"]}: expected settle or as-is`);
const settled = args["page-cache"] === "settle" ? await settlePageCache(paths) : undefined;
const { runs: catRuns, cpu: catCpu } = await timeAgainstCat(paths, variants, repeat, settled?.again);
const catSeconds = median(catRuns);
const catFastest = Math.min(...catRuns);
console.log(
  `GGUF set: ${modelCount} × ${(totalBytes / modelCount / 1024 ** 2).toFixed(0)} MB ${type} (${blocks} Llama blocks, hidden ` +
    `${hidden}) = ${(totalBytes / 1024 ** 3).toFixed(2)} GiB`,
);
const resident = settled?.resident();
const state = !settled
  ? "as found"
  : resident
    ? `settled: dropped and read back by cat, ${((100 * resident.resident) / resident.pages).toFixed(1)} % resident at the end, ${settled.reread()} files read back between runs`
    : "settled (fincore missing: residency not checked)";
console.log(
  `cat (warm, page cache ${state}; median of ${repeat}): ${catSeconds.toFixed(2)} s, fastest ${catFastest.toFixed(2)} s   ` +
    `runs ${catRuns.map((s) => s.toFixed(2)).join(" ")}   CPU ${median(catCpu).toFixed(2)} s`,
);
console.log(`code: this checkout's from its ${codeSource(".")}${args.baseline ? `; the baseline's from its ${codeSource(args.baseline)}` : ""}`);
for (const variant of variants) {
  const seconds = median(variant.runs);
  console.log(
    `mother recover --no-cache, ${variant.name}: ${seconds.toFixed(2)} s   ratio ${(seconds / catSeconds).toFixed(2)}× ` +
      `(to the fastest cat ${(seconds / catFastest).toFixed(2)}×; budget ≤ 2×)   runs ${variant.runs.map((s) => s.toFixed(2)).join(" ")}   ` +
      `CPU ${median(variant.cpu).toFixed(2)} s on ${navigator.hardwareConcurrency} cores   peak RSS ${(variant.peakKb / 1024).toFixed(0)} MB`,
  );
}

/**
 * Whether the merge screen's products kernel (`mother_screen_products`, src/kernels/native/merge-products.c)
 * gives the bits of an earlier version of itself (docs/scale.md "The merge screen's differences one
 * layer at a time": c1a3648 formed s_i − r one layer at a time, where the kernel before it formed the
 * whole tree's). Both versions of merge-products.c are compiled as build-native.ts compiles the
 * library (its flags) and called on the same random trees; every output (pairs, offsets,
 * reference) is compared bit for bit.
 *
 *   1. merge-products.c at `--before` (git show) and in this checkout, each built into its own library;
 *   2. `--trees` random trees: 7–21 models, 1–16 layers of 1–1,100 values (odd lengths included), samples
 *      at a layer's scale, seeded;
 *   3. per tree, both kernels on copies of the same inputs; any differing bit is reported and fails the run.
 *
 * Usage: bun run bench/merge-screen-identity.ts [--before c1a3648^] [--trees 3000] [--seed 1]
 */
import { dlopen, FFIType } from "bun:ffi";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { NATIVE_FLAGS } from "../src/kernels/build-native.ts";
import { makeGaussian } from "../src/recover/seeded-random.ts";

const { values: args } = parseArgs({
  options: {
    before: { type: "string", default: "c1a3648^" },
    trees: { type: "string", default: "3000" },
    seed: { type: "string", default: "1" },
  },
});
const root = join(import.meta.dir, "..");
const SOURCE = "src/kernels/native/merge-products.c";

const SIGNATURE = {
  mother_screen_products: {
    args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
    returns: FFIType.void,
  },
} as const;

/** The products kernel of `source` (C text), built with the library's flags into `folder`. */
function build(folder: string, name: string) {
  const library = join(folder, `${name}.so`);
  const compiled = Bun.spawnSync([process.env.CC || "cc", ...NATIVE_FLAGS, "-o", library, join(folder, `${name}.c`), "-lm"], { stderr: "pipe" });
  if (compiled.exitCode !== 0) throw new Error(`${name}: ${compiled.stderr.toString()}`);
  return dlopen(library, SIGNATURE).symbols.mother_screen_products;
}

const folder = await mkdtemp(join(tmpdir(), "mother-screen-identity-"));
try {
  // 1. Both versions.
  const shown = Bun.spawnSync(["git", "-C", root, "show", `${args.before}:${SOURCE}`], { stdout: "pipe", stderr: "pipe" });
  if (shown.exitCode !== 0) throw new Error(`git show ${args.before}:${SOURCE}: ${shown.stderr.toString().trim()}`);
  await writeFile(join(folder, "before.c"), shown.stdout);
  await writeFile(join(folder, "now.c"), await Bun.file(join(root, SOURCE)).bytes());
  const kernels = { before: build(folder, "before"), now: build(folder, "now") };

  // 2–3. Random trees, both kernels, every output compared bit for bit.
  const random = makeGaussian(4 * Number(args.trees), Number(args.seed));
  const pick = (t: number, k: number, n: number) => Math.floor(Math.abs(random[4 * t + k]!) * 1e6) % n;
  let values = 0;
  for (let t = 0; t < Number(args.trees); t++) {
    const models = 7 + pick(t, 0, 15);
    const layers = 1 + pick(t, 1, 16);
    const offsets = new Int32Array(layers + 1);
    for (let l = 0; l < layers; l++) offsets[l + 1] = offsets[l]! + 1 + ((pick(t, 2, 1100) * (l + 3)) % 1100);
    const stride = offsets[layers]!;
    const samples = Float64Array.from(makeGaussian(models * stride, 100 + t), (v, i) => 0.02 * v + (i % stride) * 1e-6);
    const outputs = Object.fromEntries(
      (["before", "now"] as const).map((version) => {
        const [pairs, offsetsOut, reference] = [new Float64Array(models * models * layers), new Float64Array(models * layers), new Float64Array(layers)];
        kernels[version](samples.slice(), models, offsets, layers, new Float64Array(models * stride), pairs, offsetsOut, reference);
        return [version, [pairs, offsetsOut, reference]];
      }),
    ) as Record<"before" | "now", Float64Array[]>;
    for (const [o, name] of ["pairs", "offsets", "reference"].entries()) {
      const [a, b] = [new BigUint64Array(outputs.before[o]!.buffer), new BigUint64Array(outputs.now[o]!.buffer)];
      const at = a.findIndex((bits, i) => bits !== b[i]);
      if (at >= 0)
        throw new Error(`tree ${t} (${models} models, ${layers} layers): ${name}[${at}] ${outputs.before[o]![at]} before, ${outputs.now[o]![at]} now`);
      values += a.length;
    }
  }
  console.log(`${args.trees} random trees (7–21 models, 1–16 layers): all ${values} outputs bit-identical to ${args.before}'s kernel`);
} finally {
  await rm(folder, { recursive: true, force: true });
}

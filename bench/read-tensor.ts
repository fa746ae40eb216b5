/**
 * How fast do we turn safetensors bytes into checked float arrays?
 *   1. per layer size (default 768² = ViT-B, 4096² = Llama-7B q_proj) and dtype, write one tensor;
 *   2. per dtype, time: a raw positioned read into reused memory (the floor; `cat` reads warm
 *      files at ≈4 GB/s here), decode + finite check alone (in memory, fresh output),
 *      readTensor end to end (warm page cache), and readTensor reusing a TensorScratch;
 *   3. print MB/s of stored bytes. Usage: bun run bench/read-tensor.ts [elements,…] [repeats]
 * Fresh multi-hundred-MB arrays cost page faults (~0.7 GB/s to first-touch here), so huge
 * single tensors decode slower per byte than layer-sized ones.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTensorBytes } from "../src/io/dtype.ts";
import { openSafetensorsFile, readTensor, TensorScratch } from "../src/io/read-safetensors.ts";
import { writeSafetensors } from "../src/io/write-safetensors.ts";
import type { Dtype } from "../src/types.ts";

const sizes = (process.argv[2] ?? `${768 * 768},${4096 * 4096}`).split(",").map(Number);
const repeats = Number(process.argv[3] ?? 5);
console.log(
  `load average ${(
    await Bun.file("/proc/loadavg")
      .text()
      .catch(() => "?")
  ).trim()} (numbers are noisy when other work runs)`,
);
const folder = await mkdtemp(join(tmpdir(), "mother-bench-read-"));

/** Best time of max(`repeats`, enough runs to move ~200 MB), so small layers are not timed once. */
function bestSeconds(bytes: number, run: () => unknown | Promise<unknown>): Promise<number> {
  return (async () => {
    let best = Infinity;
    const runs = Math.max(repeats, Math.ceil(2e8 / Math.max(bytes, 1)));
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await run();
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    return best;
  })();
}

try {
  console.log(`best of ${repeats}; MB/s of stored bytes`);
  console.log("elements   dtype   MB   raw read   decode+check   readTensor   readTensor+scratch   (MB/s)");
  for (const elements of sizes) {
    const data = new Float32Array(elements);
    for (let i = 0; i < elements; i++) data[i] = Math.sin(i) * 0.02;
    for (const dtype of ["F32", "BF16", "F16", "F64"] as Dtype[]) {
      const file = join(folder, `${dtype}.safetensors`);
      await writeSafetensors(file, [{ name: "w", dtype, shape: [elements], data }]);
      const [info] = await openSafetensorsFile(file);
      const megabytes = info!.byteLength / 1e6;
      const bytes = info!.byteLength;
      const raw = new Uint8Array(bytes);
      const rawRead = await bestSeconds(bytes, async () => {
        const handle = await open(file, "r"); // the floor: one positioned read into reused memory
        await handle.read(raw, 0, bytes, info!.offset);
        await handle.close();
      });
      const decode = await bestSeconds(bytes, () => decodeTensorBytes(raw, dtype));
      const endToEnd = await bestSeconds(bytes, () => readTensor(info!));
      const scratch = new TensorScratch();
      const reusing = await bestSeconds(bytes, () => readTensor(info!, scratch));
      const rate = (seconds: number) => (megabytes / seconds).toFixed(0).padStart(8);
      console.log(
        `${String(elements).padStart(8)}   ${dtype.padEnd(6)}${megabytes.toFixed(0).padStart(5)}  ${rate(rawRead)}  ${rate(decode)}    ` +
          `  ${rate(endToEnd)}    ${rate(reusing)}`,
      );
      await rm(file);
    }
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}

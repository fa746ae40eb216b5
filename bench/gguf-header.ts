/**
 * Time to open a GGUF whose header holds a Llama-3-sized tokenizer (128,256 tokens and 280,147
 * merges as string arrays, ~7 MB of header; one small tensor), as `mother` reads every GGUF's
 * header before recovering: openGgufFile as discovery calls it (arrays walked) and with its arrays
 * made, --repeat times each in one process, wall and this thread's CPU.
 * The file is built once under .cache/bench/.
 *
 * Usage: bun run bench/gguf-header.ts [--repeat 5]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openGgufFile } from "../src/io/gguf/read-gguf.ts";
import { writeGguf } from "../src/io/gguf/write-gguf.ts";
import { median } from "./against-cat.ts";

const { values: args } = parseArgs({ options: { repeat: { type: "string", default: "5" } } });
const file = join(".cache", "bench", "gguf-header", "llama3-tokenizer.gguf");
if (!(await Bun.file(file).exists())) {
  await mkdir(join(".cache", "bench", "gguf-header"), { recursive: true });
  const tokens = Array.from({ length: 128_256 }, (_, i) => `tok${i.toString(36)}Ġx`);
  const merges = Array.from({ length: 280_147 }, (_, i) => `a${(i % 977).toString(36)} b${i.toString(36)}`);
  const metadata = { "general.architecture": "llama", "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.tokens": tokens, "tokenizer.ggml.merges": merges };
  await writeGguf(file, metadata, [{ name: "token_embd.weight", shape: [64, 256], type: "F32", data: new Float32Array(64 * 256) }]);
}
// As discovery reads it (arrays walked, not made), then with every array made.
for (const arrays of [false, true]) {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < Number(args.repeat); r++) {
    const [start, cpu] = [performance.now(), process.threadCpuUsage()];
    await openGgufFile(file, { arrays });
    const used = process.threadCpuUsage(cpu);
    walls.push(performance.now() - start);
    cpus.push((used.user + used.system) / 1000);
  }
  console.log(
    `openGgufFile of a ${(Bun.file(file).size / 1024 ** 2).toFixed(1)} MB GGUF (Llama 3 tokenizer), arrays ${arrays ? "made" : "walked"}: ` +
      `first ${walls[0]!.toFixed(0)} ms, median ${median(walls).toFixed(0)} ms wall, ${median(cpus).toFixed(0)} ms CPU (runs ${walls.map((w) => w.toFixed(0)).join(" ")})`,
  );
}

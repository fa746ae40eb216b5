/**
 * The bad-input sweep (docs/robustness.md "The sweep"): crafted inputs and outputs a new user gets
 * wrong, each given to the CLI, and what it did — exit code, lines on standard error, a stack trace,
 * the output file, temp files left, the first line. Prints the table's rows.
 *
 * Usage: bun run test/faults/bad-input-sweep.ts [--mother <checkout>/src/cli/main.ts] [--timeout 20]
 * (another checkout's CLI for the "before" column; a case still running after --timeout seconds is
 * killed and reported as a hang). Run as root, the unreadable and read-only cases run as `nobody`
 * (setpriv): root reads through chmod 000. The fixed cases are tests too (bad-locations.test.ts,
 * crafted-inputs.test.ts, main.test.ts, build-index.test.ts).
 */
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writeShardedSafetensors } from "../../src/io/write-sharded-safetensors.ts";
import { writePeftAdapter } from "../../src/io/peft/write-peft-adapter.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { freePort } from "../fixtures/free-port.ts";
import { writeFaultSet } from "./gguf-fault-set.ts";

const { values } = parseArgs({ options: { mother: { type: "string" }, timeout: { type: "string", default: "20" } } });
const MOTHER = resolve(values.mother ?? join(import.meta.dir, "..", "..", "src", "cli", "main.ts"));
const TIMEOUT_MS = Number(values.timeout) * 1000;
const W = await mkdtemp(join(tmpdir(), "mother-sweep-")); // removed at the end
const asNobody = process.getuid?.() === 0 && Bun.which("setpriv") ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];

// 1. Fixtures: a good set (4 models) and variants of it, each broken one way.
const good = join(W, "good");
await writeFile(join(W, "truth.json"), JSON.stringify(await writeSyntheticTrees(good, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 7 })));
/** A copy of the good set named `name`, changed by `change` (given the copy and its model r-c0's weights file). */
async function variant(name: string, change: (set: string, file: string) => Promise<unknown>): Promise<string> {
  const set = join(W, name);
  await cp(good, set, { recursive: true });
  await change(set, join(set, "r-c0", "model.safetensors"));
  return set;
}
const cut = async (file: string, keep: (size: number) => number) => {
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, keep(bytes.byteLength)));
};
const tensorsOf = async (file: string) =>
  Promise.all(
    (await openSafetensorsFile(file)).map(async (t) => ({
      name: t.name,
      dtype: "F32" as const,
      shape: [...t.shape],
      data: (await readTensor(t)) as Float32Array,
    })),
  );
const withValue = (value: number) => async (_: string, file: string) => {
  const tensors = await tensorsOf(file);
  tensors.find((t) => t.name.includes("query"))!.data[3] = value;
  await writeSafetensors(file, tensors);
};
const dtypeAs = (dtype: string) => async (_: string, file: string) => {
  const bytes = await readFile(file);
  const length = Number(bytes.readBigUInt64LE(0));
  bytes.set(
    new TextEncoder().encode(
      bytes
        .subarray(8, 8 + length)
        .toString()
        .replaceAll('"F32"', `"${dtype}"`),
    ),
    8,
  );
  await writeFile(file, bytes);
};
const sharded = await variant("sharded", async (set, file) => {
  const tensors = await tensorsOf(file);
  await rm(file);
  await writeShardedSafetensors(join(set, "r-c0"), tensors, 2);
});
const peft = await variant("peft", async (set, file) => {
  const query = (await tensorsOf(file)).find((t) => t.name.includes("query"))!;
  const [out, inner] = query.shape as [number, number];
  const factors = { a: Float32Array.from({ length: 2 * inner }, (_, i) => Math.sin(i)), b: Float32Array.from({ length: 2 * out }, (_, i) => Math.cos(i)) };
  await writePeftAdapter(join(set, "lora-r"), {
    baseModel: "r",
    rank: 2,
    alpha: 4,
    modules: [{ module: query.name.replace(/\.weight$/, ""), ...factors, fanIn: inner, fanOut: out }],
  });
});
const copyOf = async (from: string, name: string, change: (set: string) => Promise<unknown>) => {
  const set = join(W, name);
  await cp(from, set, { recursive: true });
  await change(set);
  return set;
};
const gguf = join(await writeFaultSet(join(W, "gguf-source"), 3));
const ggufFile = (set: string) => join(set, "r-c0", "r-c0.Q8_0.gguf");
const big = join(W, "big"); // 16 layers of 256² f32 (as killed-runs.test.ts): stopped between layer-cache entries
await writeSyntheticTrees(big, [{ root: "k", children: 3, grandchildren: 2 }], { hidden: 256, blocks: 4, seed: 23 });
/** Whether the layer cache at `folder` holds at least `count` finished entries. */
const cached = (folder: string, count: number) => async () =>
  (await readdir(join(folder)).catch(() => [] as string[])).filter((name) => name.endsWith(".layer")).length >= count;
const many = join(W, "many"); // 64 models: `mother index` shows progress from 50
await writeSyntheticTrees(many, [{ root: "r", children: 7, grandchildren: 8 }], { seed: 9 });
const closed = `redis://127.0.0.1:${await freePort()}`;
const out = join(W, "out");
await mkdir(out);
await writeFile(join(out, "notes.txt"), "my notes\n");
await mkdir(join(W, "read-only"), { mode: 0o755 });
await chmod(join(W, "read-only"), 0o755);

interface Case {
  readonly name: string;
  readonly args: string[];
  /** The output file to look for afterwards. */
  readonly out?: string;
  readonly nobody?: boolean;
  /** SIGINT once standard error shows this, or once this says so (asked every 2 ms). */
  readonly interrupt?: RegExp | (() => Promise<boolean>);
  /** Run after the case (a re-run): its first line matching `show` is reported. */
  readonly rerun?: { readonly args: string[]; readonly show: RegExp };
}

const at = (...parts: string[]) => join(W, ...parts);
const cases: Case[] = [
  { name: "no paths", args: ["recover"] },
  { name: "a missing path", args: ["recover", at("nope")] },
  { name: "an empty folder", args: ["recover", await mkdir(at("empty")).then(() => at("empty"))] },
  { name: "a file that is no model", args: ["recover", at("truth.json"), join(good, "r")] },
  {
    name: "a folder named model.safetensors in a model folder",
    args: ["recover", await variant("folder-as-file", async (_, f) => rm(f).then(() => mkdir(f)))],
  },
  {
    name: "a folder named like a GGUF file",
    args: ["recover", await copyOf(gguf, "gguf-folder", async (s) => rm(ggufFile(s)).then(() => mkdir(ggufFile(s))))],
  },
  { name: "a weights file unreadable (chmod 000)", nobody: true, args: ["recover", await variant("unreadable-file", async (_, f) => chmod(f, 0))] },
  {
    name: "a model folder unreadable (chmod 000)",
    nobody: true,
    args: ["recover", await variant("unreadable-folder", async (s) => chmod(join(s, "r-c1"), 0))],
  },
  { name: "an empty weights file", args: ["recover", await variant("empty-file", async (_, f) => writeFile(f, ""))] },
  { name: "safetensors cut to 4 bytes", args: ["recover", await variant("cut-4", async (_, f) => cut(f, () => 4))] },
  { name: "safetensors cut inside its header", args: ["recover", await variant("cut-header", async (_, f) => cut(f, () => 20))] },
  {
    name: "a header length past the end",
    args: ["recover", await variant("header-lies", async (_, f) => cut(f, () => 8).then(() => writeFile(f, Buffer.alloc(8, 0x7f))))],
  },
  { name: "tensor data cut by 100 bytes", args: ["recover", await variant("cut-data", async (_, f) => cut(f, (n) => n - 100))] },
  { name: "an unknown dtype (F33)", args: ["recover", await variant("dtype-f33", dtypeAs("F33"))] },
  { name: "a dtype in lower case (f32)", args: ["recover", await variant("dtype-lower", dtypeAs("f32"))] },
  { name: "a NaN in a compared layer", args: ["recover", await variant("nan", withValue(Number.NaN))] },
  { name: "an Inf in a compared layer", args: ["recover", await variant("inf", withValue(Number.POSITIVE_INFINITY))] },
  {
    name: "two models with identical bytes",
    args: ["recover", await variant("identical", async (s) => cp(join(s, "r-c0"), join(s, "r-c0-copy"), { recursive: true }))],
  },
  {
    name: "a symlink loop in a collection",
    args: ["recover", await variant("link-loop", async (s) => symlink("b", join(s, "a")).then(() => symlink("a", join(s, "b"))))],
  },
  { name: "a symlink loop given as the path", args: ["recover", at("link-loop", "a")] },
  {
    name: "a .safetensors linking to itself",
    args: ["recover", await variant("self-link", async (s) => symlink("self.safetensors", join(s, "r-c0", "self.safetensors")))],
  },
  {
    name: "a dangling .safetensors link",
    args: ["recover", await variant("dangling", async (s) => symlink("/nonexistent/x.safetensors", join(s, "r-c1", "x.safetensors")))],
  },
  {
    name: "a config.json that is not JSON",
    args: ["recover", await variant("bad-config", async (s) => writeFile(join(s, "r-c0", "config.json"), "{not json"))],
  },
  {
    name: "a shard index cut in half",
    args: ["recover", await copyOf(sharded, "index-cut", async (s) => cut(join(s, "r-c0", "model.safetensors.index.json"), (n) => n / 2))],
  },
  {
    name: "a shard index naming a missing shard",
    args: [
      "recover",
      await copyOf(sharded, "index-missing-shard", async (s) => rm(join(s, "r-c0", (await readdir(join(s, "r-c0"))).find((f) => f.includes("-of-"))!))),
    ],
  },
  {
    name: "PEFT adapter weights cut by 40 bytes",
    args: ["recover", await copyOf(peft, "peft-cut", async (s) => cut(join(s, "lora-r", "adapter_model.safetensors"), (n) => n - 40))],
  },
  {
    name: "adapter_config.json not JSON",
    args: ["recover", await copyOf(peft, "peft-config", async (s) => writeFile(join(s, "lora-r", "adapter_config.json"), '{"r": '))],
  },
  {
    name: "adapter_config.json without r",
    args: [
      "recover",
      await copyOf(peft, "peft-no-r", async (s) => writeFile(join(s, "lora-r", "adapter_config.json"), '{"peft_type": "LORA", "lora_alpha": 4}')),
    ],
  },
  { name: "GGUF cut inside its header", args: ["recover", await copyOf(gguf, "gguf-cut-header", async (s) => cut(ggufFile(s), () => 30))] },
  { name: "GGUF tensor data cut by 1000 bytes", args: ["recover", await copyOf(gguf, "gguf-cut-data", async (s) => cut(ggufFile(s), (n) => n - 1000))] },
  {
    name: "GGUF with a wrong magic",
    args: [
      "recover",
      await copyOf(gguf, "gguf-magic", async (s) => writeFile(ggufFile(s), Buffer.concat([Buffer.from("XGUF"), (await readFile(ggufFile(s))).subarray(4)]))),
    ],
  },
  { name: "one model path given twice", args: ["recover", join(good, "r"), join(good, "r-c0"), join(good, "r")] },
  { name: "one model", args: ["recover", join(good, "r")] },
  { name: "--out in a missing folder", args: ["recover", good, "--no-cache", "--out", at("out", "new", "graph.json")], out: at("out", "new", "graph.json") },
  { name: "--out over an existing file of the user's", args: ["recover", good, "--no-cache", "--out", at("out", "notes.txt")], out: at("out", "notes.txt") },
  { name: "--out a folder", args: ["recover", good, "--out", out] },
  { name: "--out an input checkpoint", args: ["recover", good, "--out", join(good, "r", "model.safetensors")] },
  { name: "--out in /proc", args: ["recover", good, "--out", "/proc/graph.json"], out: "/proc/graph.json" },
  {
    name: "--out in a read-only folder",
    nobody: true,
    args: ["recover", good, "--no-cache", "--out", at("read-only", "graph.json")],
    out: at("read-only", "graph.json"),
  },
  { name: "--out and --stats one file", args: ["recover", good, "--out", at("out", "same"), "--stats", at("out", "same")], out: at("out", "same") },
  { name: "--lambda 1e308", args: ["recover", good, "--no-cache", "--lambda", "1e308"] },
  { name: "--stages missing", args: ["recover", good, "--stages", at("nope.json")] },
  { name: "--stages a folder", args: ["recover", good, "--stages", out] },
  { name: "--cache a file", args: ["recover", good, "-q", "--cache", at("truth.json")] },
  { name: "--cache in /proc", args: ["recover", good, "-q", "--cache", "/proc/mother-cache"] },
  {
    name: "SIGINT while reading (--out, --cache), then the same run",
    args: ["recover", big, "--cache", at("sigint-cache"), "--out", at("out", "sigint.json")],
    out: at("out", "sigint.json"),
    interrupt: cached(at("sigint-cache"), 4),
    rerun: { args: ["recover", big, "--cache", at("sigint-cache"), "--out", at("out", "sigint.json")], show: /taken from the layer cache/ },
  },
  { name: "index without --index", args: ["index", good] },
  { name: "index --index a file", args: ["index", good, "--index", at("truth.json")] },
  { name: "index --index in /proc", args: ["index", good, "--index", "/proc/mother-index"] },
  { name: "index --index in a read-only folder", nobody: true, args: ["index", good, "--index", at("read-only", "index")] },
  { name: "recover --index a file", args: ["recover", "--index", at("truth.json")] },
  { name: "recover --index a missing folder", args: ["recover", "--index", at("no-index")] },
  { name: "index of a set with a NaN", args: ["index", at("nan"), "--index", at("nan-index")], out: at("nan-index") },
  {
    name: "SIGINT while indexing, then the same run",
    args: ["index", many, "--index", at("sigint-index")],
    interrupt: /fingerprint models/,
    rerun: { args: ["index", many, "--index", at("sigint-index")], show: /models indexed/ },
  },
  { name: "index --redis, nothing listening", args: ["index", good, "--index", at("redis-index"), "--redis", closed] },
  { name: "index-worker --redis, nothing listening", args: ["index-worker", "--redis", closed] },
  { name: "index-worker --redis not a URL", args: ["index-worker", "--redis", "localhost"] },
  { name: "evaluate without --truth", args: ["evaluate", at("truth.json")] },
  { name: "evaluate a folder", args: ["evaluate", out, "--truth", at("truth.json")] },
  { name: "evaluate a missing file", args: ["evaluate", at("nope.json"), "--truth", at("truth.json")] },
  {
    name: "evaluate an empty file",
    args: ["evaluate", await writeFile(at("out", "empty.json"), "").then(() => at("out", "empty.json")), "--truth", at("truth.json")],
  },
  { name: "evaluate a safetensors file", args: ["evaluate", join(good, "r", "model.safetensors"), "--truth", at("truth.json")] },
];

/** Runs the CLI with `args` (as nobody when asked, with SIGINT on `interrupt`), killing it after TIMEOUT_MS. */
async function run(args: readonly string[], options: Pick<Case, "nobody" | "interrupt"> = {}) {
  const command = [...(options.nobody ? asNobody : []), "bun", MOTHER, ...args];
  const proc = Bun.spawn(command, { cwd: W, stdout: "pipe", stderr: "pipe", env: { ...process.env, XDG_CACHE_HOME: at("xdg"), HOME: W } });
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill("SIGKILL");
  }, TIMEOUT_MS);
  let stderr = "";
  let interrupted = false;
  const interrupt = () => {
    interrupted = proc.exitCode === null; // not sent to a run already over
    proc.kill("SIGINT");
  };
  const { interrupt: when } = options;
  const reading = (async () => {
    for await (const chunk of proc.stderr) {
      stderr += new TextDecoder().decode(chunk);
      if (when instanceof RegExp && !interrupted && when.test(stderr)) interrupt();
    }
  })();
  if (typeof when === "function") {
    while (proc.exitCode === null && !(await when())) await Bun.sleep(2);
    interrupt();
  }
  const stdout = await new Response(proc.stdout).text();
  await reading;
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, hung, stdout, stderr: stderr.replaceAll("\r", "\n"), interrupted };
}

/** Temp files (writeFileAtomic's `.name.tmp-…`) anywhere under the sweep's folder. */
function tempFiles(): number {
  // find(1), which does not follow the symlink loops of the cases (readdir's recursion does).
  const found = Bun.spawnSync(["find", W, "-name", "*.tmp-*"], { stderr: "ignore" }).stdout.toString();
  return found.split("\n").filter((line) => line !== "").length;
}

// 2. Every case, one row each.
await chmod(W, 0o755);
console.log("| case | command | result |\n| --- | --- | --- |");
for (const c of cases) {
  const temps = tempFiles();
  const result = await run(c.args, c);
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  const trace = lines.some((line) => /^\s+at |^\d+ \| |mother: bug/.test(line));
  const facts = [
    result.hung ? `hung (killed after ${TIMEOUT_MS / 1000} s)` : `exit ${result.code}`,
    `${lines.length} line${lines.length === 1 ? "" : "s"}`,
    ...(trace ? ["stack trace"] : []),
    ...(c.out ? [existsSync(c.out) ? "output written" : "no output"] : []),
    ...(c.interrupt ? [result.interrupted ? "SIGINT sent" : "finished before SIGINT"] : []),
    ...(tempFiles() > temps ? ["temp file left"] : []),
  ];
  let first = lines.find((line) => line.startsWith("mother:") || line.startsWith("error:")) ?? lines.at(-1) ?? "";
  if (c.rerun) {
    const again = await run(c.rerun.args);
    first = `then: ${again.stderr.split("\n").find((line) => c.rerun!.show.test(line)) ?? `exit ${again.code}`}`;
  }
  const shown = first.replaceAll(W, "…").replaceAll("|", "\\|");
  const command = `\`mother ${c.args.map((a) => a.replaceAll(W, "…")).join(" ")}\`${c.nobody && asNobody.length > 0 ? " (as nobody)" : ""}`;
  console.log(`| ${c.name} | ${command} | ${facts.join(", ")}${shown ? `: ${shown.length > 160 ? `${shown.slice(0, 157)}…` : shown}` : ""} |`);
}
await rm(W, { recursive: true, force: true });

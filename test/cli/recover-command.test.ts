/**
 * `--out` and `--stats` are checked before any work (#16 cases 1 and 2): a refused location
 * gives one line naming it, exit 1, and leaves every file of the user's byte-identical.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { layerReadProgress, readStagesFile, runRecoverCommand, setFields, type RecoverCommandOptions } from "../../src/cli/recover-command.ts";
import { lineProgress, recordingProgress } from "../../src/ui/progress.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-recover-command-");
let models: string;
/** XDG_CACHE_HOME of the runs, outside `dir` (bun keeps its transpiler cache there too). */
const cacheHome = temporaryFolder("mother-recover-command-xdg-");

beforeAll(async () => {
  models = join(dir, "models");
  await writeSyntheticTrees(models, [{ root: "r", children: 2, grandchildren: 0 }], { seed: 3 });
  await writeFile(join(dir, "notes.txt"), "the user's own file");
});

/** The command's options as commander fills them by default, quiet and without a cache. */
const OPTIONS: RecoverCommandOptions = {
  stage: "auto",
  trees: "auto",
  distance: "auto",
  ftDistance: "geometric",
  lambda: 0.3,
  score: "auto",
  format: "json",
  cache: false,
  quiet: true,
};

describe("mother recover --out/--stats checks", () => {
  const cases: [string, () => string[], RegExp][] = [
    ["--out naming an input checkpoint", () => ["--out", join(models, "r-c0", "model.safetensors")], /--out would overwrite or add to an input model/],
    ["--out inside an input model's folder", () => ["--out", join(models, "r", "graph.json")], /--out would overwrite or add to an input model/],
    ["--stats naming an input checkpoint", () => ["--stats", join(models, "r", "model.safetensors")], /--stats would overwrite or add to an input model/],
    ["--out naming a folder", () => ["--out", models], /--out names a folder/],
    ["--out under a regular file", () => ["--out", join(dir, "notes.txt", "graph.json")], /--out lies under a file/],
    ["--out where root cannot create a file", () => ["--out", "/proc/graph.json"], /--out: cannot write in \/proc/],
    ["--out and --stats naming one file", () => ["--out", join(dir, "same"), "--stats", join(dir, ".", "same")], /--out and --stats name the same file/],
  ];
  test.each(cases)(
    "%s is refused before any work, in one line, and nothing of the user's changes",
    async (_name, args, problem) => {
      const before = await hashTree(dir);
      // Not --quiet: had any work run, its notes ("1 trees", …) would be on stderr too.
      const run = await runMother(["recover", models, ...args()], { cacheHome });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(problem);
      expect(run.stdout).toBe("");
      expect(await hashTree(dir)).toEqual(before);
    },
    30_000,
  );
});

describe("setFields", () => {
  test("keeps the options that are set, false, 0 and empty strings included, and leaves out the undefined ones (which would override a library default)", () => {
    const fields = setFields({ chain: "chains", pairRule: undefined, workers: 0, merges: false, stages: "", rootTie: undefined });
    expect(fields).toEqual({ chain: "chains", workers: 0, merges: false, stages: "" });
    expect(Object.keys(fields)).toEqual(["chain", "workers", "merges", "stages"]);
    expect({ ...{ pairRule: "tanh", rootTie: "score" }, ...fields }).toEqual({
      pairRule: "tanh",
      rootTie: "score",
      chain: "chains",
      workers: 0,
      merges: false,
      stages: "",
    });
  });
});

describe("readStagesFile", () => {
  test("a folder given as --stages is named as a folder, not as invalid JSON", async () => {
    const error = await readStagesFile(models).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toStartWith(`${models}: is a folder, not a JSON file`);
  });
});

describe("layerReadProgress", () => {
  const MB = 1024 * 1024;
  test("follows a total that grows mid-way (auto reading its probe layer again) and never counts past it", () => {
    const progress = recordingProgress();
    const report = layerReadProgress(progress, 64 * MB);
    report(10 * MB, 50 * MB); // a small pass: no progress at all
    expect(progress.events).toEqual([]);
    report(64 * MB, 192 * MB);
    report(150 * MB, 196 * MB);
    report(196 * MB, 196 * MB);
    expect(progress.events.map((e) => [e.event, e.count])).toEqual([
      ["start", 192],
      ["advance", 64],
      ["setTotal", 196],
      ["advance", 86],
      ["advance", 46],
      ["finish", 0],
    ]);
  });

  test("a total that is not a byte count (NaN) is shown as unknown, not as 0/NaN", () => {
    const lines: string[] = [];
    const report = layerReadProgress(lineProgress({ write: (line) => lines.push(line) }), 0);
    report(0, Number.NaN);
    expect(lines[0]).toBe("read layers (MB) 0/? –/s ETA ?");
  });
});

describe("mother recover --help", () => {
  test("says that NaN/Inf is checked only in the layers recovery reads (#16 case 7)", async () => {
    const run = await runMother(["recover", "--help"], { cacheHome });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Only the layers recovery compares are read, and only those are checked for NaN\/Inf/);
  }, 30_000);
});

describe("an output reached through a symlink", () => {
  test("fills the file the link points to, and the link stays a link", async () => {
    const target = join(dir, "elsewhere", "graph.json");
    await mkdir(join(dir, "elsewhere"), { recursive: true });
    await writeFile(target, "old");
    const link = join(dir, "graph-link.json");
    await symlink(target, link);
    await runRecoverCommand([models], { ...OPTIONS, out: link });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(target, "utf8")).models).toHaveLength(3);
  }, 30_000);
});

describe("a disk that fills while the outputs are written", () => {
  test("ENOSPC on the second output leaves neither output nor a temp file, and is one output error", async () => {
    const out = join(dir, "full", "graph.json");
    const stats = join(dir, "full", "stats.arrow");
    const options: RecoverCommandOptions = { ...OPTIONS, out, stats };
    let writes = 0;
    const full = {
      writeFile: async (path: string, contents: string | Uint8Array) => {
        if (++writes === 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        await Bun.write(path, contents);
      },
      rename: (await import("node:fs/promises")).rename,
    };
    const error = await runRecoverCommand([models], options, full).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).code).toBe("output");
    expect((error as MotherError).message).toMatch(/cannot write \(ENOSPC\)/);
    expect(await readdir(join(dir, "full"))).toEqual([]);
  }, 30_000);
});

/**
 * The prebuilt bundle (src/cli/prebuilt.ts, build-prebuilt.ts) runs only when built from these
 * very sources by this Bun, and runs the same command: the same graph byte for byte as the sources,
 * its worker threads started from the bundle too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildPrebuilt } from "../../src/cli/build-prebuilt.ts";
import { ABSENT, freshPrebuilt, MANIFEST_FILE, PREBUILT_FOLDER, type PrebuiltManifest } from "../../src/cli/prebuilt.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-prebuilt-");
let bundle: string;
let manifest: PrebuiltManifest;

beforeAll(async () => {
  // Beside the real one: the bundle loads the packages from the package's node_modules, as it does there.
  await mkdir(dirname(PREBUILT_FOLDER), { recursive: true });
  bundle = await mkdtemp(`${PREBUILT_FOLDER}-test-`);
  manifest = await buildPrebuilt(bundle);
}, 60_000);
afterAll(() => rm(bundle, { recursive: true, force: true }));

/** A copy of the bundle whose manifest is `change`d (a source edited since, another Bun…). */
async function changedCopy(name: string, change: (manifest: PrebuiltManifest) => PrebuiltManifest): Promise<string> {
  const copy = join(bundle, "..", `${bundle.split("/").at(-1)}-${name}`);
  afterAll(() => rm(copy, { recursive: true, force: true }));
  await cp(bundle, copy, { recursive: true });
  const read = JSON.parse(await readFile(join(copy, MANIFEST_FILE), "utf8")) as PrebuiltManifest;
  await writeFile(join(copy, MANIFEST_FILE), JSON.stringify(change(read)));
  return copy;
}

/** A package at `root` of stub entries (the command line's and the three workers') and `files` over them. */
async function stubPackage(root: string, files: Record<string, string>): Promise<void> {
  const stub = 'export const entry = "stub";\n';
  const all: Record<string, string> = {
    "package.json": "{}\n",
    "src/recover/pool-worker.ts": stub,
    "src/index/tree-worker.ts": stub,
    "src/index/fingerprint-worker.ts": stub,
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
  }
}

describe("the prebuilt bundle", () => {
  test("holds the command line and the three worker entries, and names every source it was built from", () => {
    expect(manifest.bun).toBe(Bun.revision);
    for (const source of ["src/cli/start.ts", "src/cli/program.ts", "src/recover/recover.ts", "src/recover/pool-worker.ts", "src/index/tree-worker.ts"]) {
      expect(manifest.sources[source]).toMatch(/^[0-9a-f]+$/);
    }
    // commander, which every run loads, is bundled in and hashed like a source (another version installed: stale).
    expect(Object.keys(manifest.sources).filter((source) => source.endsWith("node_modules/commander/lib/command.js"))).toHaveLength(1);
    // Never main.ts or prebuilt.ts: they choose the bundle, from the sources, every run.
    expect(manifest.sources["src/cli/main.ts"]).toBeUndefined();
    // The settings Bun builds under are hashed like sources.
    expect(manifest.sources["tsconfig.json"]).toMatch(/^[0-9a-f]+$/);
    expect(manifest.sources["bunfig.toml"]).toMatch(/^[0-9a-f]+$/);
    expect(Object.values(manifest.workers).sort()).toEqual(["index/fingerprint-worker.js", "index/tree-worker.js", "recover/pool-worker.js"]);
    for (const file of [manifest.start, ...Object.values(manifest.workers)]) {
      expect(existsSync(join(bundle, manifest.build, file))).toBe(true);
      expect(existsSync(join(bundle, manifest.build, `${file}.jsc`))).toBe(true);
    }
  });

  test("is not built when it would bundle a file its manifest cannot hash (not TypeScript: a JSON file)", async () => {
    const root = join(dir, "package");
    await stubPackage(root, {
      "src/cli/start.ts": 'import data from "./data.json";\nexport const start = () => data;\n',
      "src/cli/data.json": '{ "a": 1 }\n',
    });
    await expect(buildPrebuilt(join(root, ".cache", "prebuilt"), root)).rejects.toThrow("src/cli/data.json is bundled but not hashed");
    // Nothing left behind: no manifest, no half-built build.
    expect(await readdir(join(root, ".cache", "prebuilt"))).toEqual([]);
  });

  test("replaces import.meta.dir and import.meta.url in code by the source's, never inside a string or a comment", async () => {
    const root = join(dir, "meta-package");
    await stubPackage(root, {
      "src/cli/start.ts":
        '// import.meta.dir in a comment\nexport const start = () => [import.meta.dir, new URL("x.ts", import.meta.url).href, "import.meta.dir", import.meta.dir + "/y"];\n',
    });
    const built = await buildPrebuilt(join(root, ".cache", "prebuilt"), root);
    const bundleText = await readFile(join(root, ".cache", "prebuilt", built.build, built.start), "utf8");
    expect(bundleText).toContain('"import.meta.dir"');
    const { start } = require(join(root, ".cache", "prebuilt", built.build, built.start)) as { start: () => string[] };
    const source = join(root, "src", "cli");
    expect(start()).toEqual([source, `file://${source}/x.ts`, "import.meta.dir", `${source}/y`]);
  });

  test("a rebuild names its new build in the manifest by a rename and keeps the build it replaced (a starting run may be loading it); older ones go", async () => {
    const root = join(dir, "rebuilt-package");
    await stubPackage(root, { "src/cli/start.ts": "export const start = () => 1;\n" });
    const folder = join(root, ".cache", "prebuilt");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "start.js"), "an older layout's file\n");
    const builds: string[] = [];
    for (let round = 0; round < 3; round++) {
      builds.push((await buildPrebuilt(folder, root)).build);
      const current = JSON.parse(await readFile(join(folder, MANIFEST_FILE), "utf8")) as PrebuiltManifest;
      expect(current.build).toBe(builds.at(-1)!);
      expect((await readdir(folder)).sort()).toEqual([MANIFEST_FILE, ...builds.slice(-2)].sort());
      for (const build of builds.slice(-2)) expect(existsSync(join(folder, build, "cli", "start.js"))).toBe(true);
    }
    expect(new Set(builds).size).toBe(3);
  });

  test("rebuilds run at once in one checkout (three processes, five rounds each) all succeed, and the manifest names a whole build", async () => {
    const root = join(dir, "concurrent-package");
    await stubPackage(root, { "src/cli/start.ts": "export const start = () => 1;\n" });
    const folder = join(root, ".cache", "prebuilt");
    const builders = Array.from({ length: 3 }, () =>
      Bun.spawn(["bun", join(import.meta.dir, "..", "fixtures", "build-prebuilt-rounds.ts"), folder, root, "5"], { stdout: "pipe", stderr: "pipe" }),
    );
    // Before, a rebuild's cleanup removed another's build in progress or its manifest temp file: some failed
    // ("Bundle failed", ENOENT on its chmod or rename), or the manifest named a build another had removed.
    const outcomes = await Promise.all(builders.map(async (builder) => ({ code: await builder.exited, out: await new Response(builder.stdout).text() })));
    expect(outcomes).toEqual(builders.map(() => ({ code: 0, out: "" })));
    const current = JSON.parse(await readFile(join(folder, MANIFEST_FILE), "utf8")) as PrebuiltManifest;
    expect(existsSync(join(folder, current.build, current.start))).toBe(true);
    expect(existsSync(join(folder, current.build, `${current.start}.jsc`))).toBe(true);
    // Once they are all done: whole builds only (a builder keeps its own while it lives, so each may have left one), no temp
    // file; and the next rebuild alone leaves the current build and the one it replaced.
    const left = (await readdir(folder)).filter((entry) => entry !== MANIFEST_FILE);
    expect(left.length).toBeLessThanOrEqual(builders.length + 1);
    for (const build of left) expect(existsSync(join(folder, build, current.start))).toBe(true);
    const next = await buildPrebuilt(folder, root);
    expect((await readdir(folder)).sort()).toEqual([MANIFEST_FILE, next.build, current.build].sort());
  }, 60_000);

  test("a rebuild removes no build or manifest temp file of a live builder, nor the build another published after it; once that builder is gone, they go", async () => {
    const root = join(dir, "raced-package");
    await stubPackage(root, { "src/cli/start.ts": "export const start = () => 1;\n" });
    const folder = join(root, ".cache", "prebuilt");
    await mkdir(folder, { recursive: true });
    const live = Bun.spawn(["sleep", "60"]);
    try {
      // Another builder at work: its build folder and the manifest temp file it is about to rename.
      const building = [`build-${live.pid}-AbCdEf`, `.${MANIFEST_FILE}.tmp-${live.pid}-x1y2z3w4`];
      await mkdir(join(folder, building[0]!));
      await writeFile(join(folder, building[1]!), "{}");
      // A builder (past pid_max: not a live process) that publishes its build right after this rebuild does.
      const published = `build-${2 ** 31 - 1}-GhIjKl`;
      const raced = await buildPrebuilt(folder, root, {
        published: async () => {
          await mkdir(join(folder, published));
          const current = JSON.parse(await readFile(join(folder, MANIFEST_FILE), "utf8")) as PrebuiltManifest;
          await writeFile(join(folder, MANIFEST_FILE), JSON.stringify({ ...current, build: published }));
        },
      });
      expect((await readdir(folder)).sort()).toEqual([MANIFEST_FILE, raced.build, published, ...building].sort());
      live.kill();
      await live.exited;
      // The next rebuild replaces the published build and keeps it; the dead builder's leftovers and this process's finished build go.
      const next = await buildPrebuilt(folder, root);
      expect((await readdir(folder)).sort()).toEqual([MANIFEST_FILE, next.build, published].sort());
    } finally {
      live.kill();
    }
  });

  test("is run when built from these sources by this Bun, and never when stale, off or absent", async () => {
    expect(freshPrebuilt(bundle, {})?.folder).toBe(join(bundle, manifest.build));
    expect(freshPrebuilt("/no/such/folder", { MOTHER_PREBUILT: bundle })?.folder).toBe(join(bundle, manifest.build));
    expect(freshPrebuilt(bundle, { MOTHER_PREBUILT: "0" })).toBeUndefined();
    expect(freshPrebuilt(join(dir, "absent"), {})).toBeUndefined();
    const edited = await changedCopy("edited", (m) => ({ ...m, sources: { ...m.sources, "src/recover/recover.ts": "0" } }));
    expect(freshPrebuilt(edited, {})).toBeUndefined();
    const gone = await changedCopy("gone", (m) => ({ ...m, sources: { ...m.sources, "src/recover/no-longer-there.ts": "0" } }));
    expect(freshPrebuilt(gone, {})).toBeUndefined();
    expect(freshPrebuilt(await changedCopy("other-bun", (m) => ({ ...m, bun: "another build" })), {})).toBeUndefined();
    expect(freshPrebuilt(await changedCopy("moved", (m) => ({ ...m, root: "/elsewhere" })), {})).toBeUndefined();
    // The build settings: tsconfig.json edited, bunfig.toml created since (built without one); a setting still absent is fresh.
    expect(freshPrebuilt(await changedCopy("tsconfig", (m) => ({ ...m, sources: { ...m.sources, "tsconfig.json": "0" } })), {})).toBeUndefined();
    expect(freshPrebuilt(await changedCopy("bunfig", (m) => ({ ...m, sources: { ...m.sources, "bunfig.toml": ABSENT } })), {})).toBeUndefined();
    const stillAbsent = await changedCopy("absent", (m) => ({ ...m, sources: { ...m.sources, "no-such-settings.toml": ABSENT } }));
    expect(freshPrebuilt(stillAbsent, {})?.manifest.build).toBe(manifest.build);
  });

  test("recovers the same graph as the sources, its layer threads started from the bundle", async () => {
    const set = join(dir, "set");
    await writeSyntheticTrees(set, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 7 });
    const run = async (prebuilt: string, out: string) => {
      const { code, stderr } = await runMother(["recover", set, "--workers", "2", "--no-cache", "--out", join(dir, out), "-q"], {
        env: { MOTHER_PREBUILT: prebuilt, MOTHER_TIMELINE: "1" },
      });
      expect(code).toBe(0);
      return { stderr, graph: await readFile(join(dir, out), "utf8") };
    };
    const fromBundle = await run(bundle, "prebuilt.json");
    const fromSources = await run("0", "sources.json");
    expect(fromBundle.stderr).toContain("command line modules loaded (prebuilt)");
    expect(fromSources.stderr).toContain("command line modules loaded (sources)");
    // Each layer thread marks its modules loaded: two threads, from whichever code the main thread runs.
    expect(fromBundle.stderr.match(/worker \d+ +cpu +[\d.]+ ms {2}modules loaded/g)).toHaveLength(2);
    expect(fromBundle.graph).toBe(fromSources.graph);
    // The layer threads' entry is the bundle's: a copy whose pool-worker.js only throws stops the run with its error.
    const broken = await changedCopy("broken-worker", (m) => m);
    await writeFile(join(broken, manifest.build, "recover", "pool-worker.js"), 'throw new Error("the bundled layer worker ran");\n');
    await rm(join(broken, manifest.build, "recover", "pool-worker.js.jsc"));
    const failed = await runMother(["recover", set, "--workers", "2", "--no-cache", "--out", join(dir, "broken.json")], { env: { MOTHER_PREBUILT: broken } });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("the bundled layer worker ran");
  }, 60_000);
});

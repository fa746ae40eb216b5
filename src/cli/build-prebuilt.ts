/**
 * Builds the prebuilt bundle prebuilt.ts loads: start.ts and the three worker entries, bundled by
 * Bun as CommonJS with bytecode, the packages left to load from node_modules at run time but those
 * every run loads at start (INLINED, hashed like the sources). Each module keeps its own place:
 * `import.meta.dir` and `import.meta.url` are replaced by the source's, by Bun's transpiler (a
 * `define` per file: code only, not strings or comments), so kernel caches, layer-cache keys and
 * worker entries resolve as from the sources (a worker's entry is then mapped to its bundle,
 * prebuilt-entries.ts). The manifest names every source read with a hash of its bytes, and the
 * settings that shape the output (tsconfig.json, bunfig.toml).
 *
 * A rebuild never leaves a moment without a bundle: each build goes to a folder of its own inside
 * the bundle's folder, and the manifest naming it replaces the old one by a rename. The build it
 * replaces stays (a run that read the old manifest may still be starting its worker threads from
 * it); older ones are removed. Rebuilds may run at once in one checkout (two `bun install`s): each
 * build folder and manifest temp file carries its builder's pid, and a rebuild removes none of
 * another live builder's (it may still be building or publishing it), nor the build the manifest
 * names when it looks (another builder may have published since).
 *
 * `bun install` builds it (package.json postinstall); run directly to rebuild after editing:
 * bun run src/cli/build-prebuilt.ts. A build that fails leaves no bundle: the sources run.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { ABSENT, BUILD_SETTINGS, MANIFEST_FILE, PACKAGE_ROOT, PREBUILT_FOLDER, type PrebuiltManifest, sourceHash } from "./prebuilt.ts";

/** The entries, relative to src/: the command line's, and each worker pool's (their `new URL(…, import.meta.url)`). */
const START = "cli/start.ts";
const WORKERS = ["recover/pool-worker.ts", "index/tree-worker.ts", "index/fingerprint-worker.ts"];

/**
 * Packages bundled in, not loaded from node_modules: pure JavaScript every run loads at start. commander
 * from node_modules took the relaunched process ~9 ms more before its first layer (docs/gguf.md "The start of a run").
 */
const INLINED = ["commander"];

/** Builds the bundle of the sources under `root` into a new build in `folder`, named by its manifest there; returns the manifest. */
export async function buildPrebuilt(
  folder: string = PREBUILT_FOLDER,
  root: string = PACKAGE_ROOT,
  effects: BuildEffects = NO_EFFECTS,
): Promise<PrebuiltManifest> {
  const src = join(root, "src");
  const sources: Record<string, string> = {};
  const { dependencies = {}, devDependencies = {} } = (await Bun.file(join(root, "package.json")).json()) as Record<string, Record<string, string>>;
  // The settings Bun reads beside the sources: a bundle built under others may differ (an absent one must stay absent).
  const settings = await Promise.all(BUILD_SETTINGS.map((file) => readFile(join(root, file)).catch(() => undefined)));
  for (const [i, file] of BUILD_SETTINGS.entries()) sources[file] = settings[i] ? sourceHash(settings[i]) : ABSENT;
  const tsconfig = settings[BUILD_SETTINGS.indexOf("tsconfig.json")]?.toString();
  await mkdir(folder, { recursive: true });
  const building = await mkdtemp(join(folder, `build-${process.pid}-`));
  ownBuilds.add(basename(building));
  try {
    const built = await Bun.build({
      entrypoints: [START, ...WORKERS].map((entry) => join(src, entry)),
      root: src,
      outdir: building,
      target: "bun",
      format: "cjs",
      bytecode: true,
      external: Object.keys({ ...dependencies, ...devDependencies }).filter((name) => !INLINED.includes(name)),
      metafile: true,
      plugins: [
        {
          name: "sources-in-place",
          setup(build) {
            build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
              const bytes = await Bun.file(path).bytes();
              sources[relative(root, path)] = sourceHash(bytes);
              const define = { "import.meta.dir": JSON.stringify(dirname(path)), "import.meta.url": JSON.stringify(pathToFileURL(path).href) };
              const transpiler = new Bun.Transpiler({ loader: "ts", define, ...(tsconfig === undefined ? {} : { tsconfig }) });
              return { contents: transpiler.transformSync(new TextDecoder().decode(bytes)), loader: "js" };
            });
          },
        },
      ],
    });
    if (!built.success) throw new Error(built.logs.map(String).join("\n"));
    // Every file bundled must be one the manifest hashes: an inlined package's, hashed here, or a source the plugin
    // hashed (a file it did not see, a JSON say, would go stale unseen).
    for (const input of Object.keys(built.metafile?.inputs ?? {})) {
      const source = relative(root, resolve(input));
      // (node_modules may be a link to another checkout's: its files are then named from here through "..".)
      if (INLINED.some((name) => `/${source}`.includes(`/node_modules/${name}/`))) sources[source] = sourceHash(await Bun.file(resolve(input)).bytes());
      else if (sources[source] === undefined) throw new Error(`${source} is bundled but not hashed`);
    }
    const bundled = (entry: string) => entry.replace(/\.ts$/, ".js");
    const manifest: PrebuiltManifest = {
      version: 2,
      bun: Bun.revision,
      root,
      sources,
      build: basename(building),
      start: bundled(START),
      workers: Object.fromEntries(WORKERS.map((entry) => [pathToFileURL(join(src, entry)).href, bundled(entry)])),
    };
    await chmod(building, 0o755); // mkdtemp's folder is the builder's alone
    const replaced = await previousBuild(folder);
    await writeFileAtomic(join(folder, MANIFEST_FILE), JSON.stringify(manifest));
    await effects.published();
    // Older builds, and what an older layout left (its files at the top): all but this build, the one it replaced,
    // another live builder's and the one the manifest names now.
    const kept = new Set([MANIFEST_FILE, manifest.build, replaced]);
    for (const entry of await readdir(folder)) {
      // Liveness first: a builder seen dead cannot publish any more, so the manifest read after it is final for its build.
      if (kept.has(entry) || ownBuilds.has(entry) || builderAlive(entry)) continue;
      if ((await previousBuild(folder)) === entry) continue;
      await rm(join(folder, entry), { recursive: true, force: true });
    }
    return manifest;
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  } finally {
    ownBuilds.delete(basename(building));
  }
}

/** The builds this process is making now (rebuilds in one process share its pid: each leaves the others'). */
const ownBuilds = new Set<string>();

/** What buildPrebuilt does between its steps; tests pass one that acts as another builder would (publishing its own build). */
export interface BuildEffects {
  /** Called once the manifest naming the new build is in place, before older builds are removed. */
  readonly published: () => Promise<void> | void;
}

const NO_EFFECTS: BuildEffects = { published: () => {} };

/**
 * Whether a live builder may still be making the bundle folder's `entry`: a build folder of another
 * live process (`build-<pid>-…`; this process's own are in ownBuilds while it makes them), or a
 * manifest temp file (`.manifest.json.tmp-<pid>-…`, writeFileAtomic's) of a live process, this one
 * included. An entry without a pid (an older layout's) has no live builder.
 */
function builderAlive(entry: string): boolean {
  const build = /^build-(\d+)-/.exec(entry);
  const pid = Number(build?.[1] ?? /\.tmp-(\d+)-/.exec(entry)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return build === null;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // it exists, another user's
  }
}

/** The build `folder`'s manifest names now, if any. */
async function previousBuild(folder: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(folder, MANIFEST_FILE), "utf8")) as Partial<PrebuiltManifest>;
    return typeof manifest.build === "string" ? manifest.build : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  try {
    const manifest = await buildPrebuilt();
    console.log(`prebuilt: ${PREBUILT_FOLDER} (${Object.keys(manifest.sources).length} sources)`);
  } catch (error) {
    // An install must not fail for it: without the bundle the sources run, ~0.03 s slower to start.
    console.log(`prebuilt bundle not built (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); mother runs from its sources`);
  }
}

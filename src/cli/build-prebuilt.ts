/**
 * Builds the prebuilt bundle prebuilt.ts loads: start.ts and the three worker entries, bundled by
 * Bun as CommonJS with bytecode, the packages left to load from node_modules at run time but those
 * every run loads at start (INLINED, hashed like the sources). Each
 * module keeps its own place: `import.meta.dir` and `import.meta.url` are replaced by the source's,
 * so kernel caches, layer-cache keys and worker entries resolve as from the sources (a worker's
 * entry is then mapped to its bundle, prebuilt-entries.ts). The manifest (written last, the folder
 * renamed into place whole) names every source read, with a hash of its bytes.
 *
 * `bun install` builds it (package.json postinstall); run directly to rebuild after editing:
 * bun run src/cli/build-prebuilt.ts. A build that fails leaves no bundle: the sources run.
 */
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { MANIFEST_FILE, PACKAGE_ROOT, PREBUILT_FOLDER, type PrebuiltManifest, sourceHash } from "./prebuilt.ts";

/** The entries, relative to src/: the command line's, and each worker pool's (their `new URL(…, import.meta.url)`). */
const START = "cli/start.ts";
const WORKERS = ["recover/pool-worker.ts", "index/tree-worker.ts", "index/fingerprint-worker.ts"];

/**
 * Packages bundled in, not loaded from node_modules: pure JavaScript every run loads at start. commander
 * from node_modules took the relaunched process ~9 ms more before its first layer (docs/gguf.md "The start of a run").
 */
const INLINED = ["commander"];

/** Builds the bundle of the sources under `root` into `folder` (replaced whole); returns its manifest. */
export async function buildPrebuilt(folder: string = PREBUILT_FOLDER, root: string = PACKAGE_ROOT): Promise<PrebuiltManifest> {
  const src = join(root, "src");
  const sources: Record<string, string> = {};
  const { dependencies = {}, devDependencies = {} } = (await Bun.file(join(root, "package.json")).json()) as Record<string, Record<string, string>>;
  await mkdir(dirname(folder), { recursive: true });
  const building = await mkdtemp(`${folder}.building-`);
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
              const text = new TextDecoder().decode(bytes);
              const contents = text
                .replaceAll("import.meta.dir", JSON.stringify(dirname(path)))
                .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href));
              return { contents, loader: "ts" };
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
      version: 1,
      bun: Bun.revision,
      root,
      sources,
      start: bundled(START),
      workers: Object.fromEntries(WORKERS.map((entry) => [pathToFileURL(join(src, entry)).href, bundled(entry)])),
    };
    await writeFile(join(building, MANIFEST_FILE), JSON.stringify(manifest));
    await chmod(building, 0o755); // mkdtemp's folder is the builder's alone
    await rm(folder, { recursive: true, force: true });
    await rename(building, folder);
    return manifest;
  } finally {
    await rm(building, { recursive: true, force: true });
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

/**
 * The prebuilt bundle of the command line and its worker threads (build-prebuilt.ts): start.ts and
 * every module it loads as CommonJS with JavaScriptCore bytecode. Bun transpiles and compiles the
 * TypeScript sources again in every process and on every worker thread: recover.ts's ~115 modules
 * load in about 2.5 times the bundle's time, a layer thread's in about twice (bench/module-load.ts;
 * docs/gguf.md "A prebuilt bundle").
 *
 * Used only when it was built from these very sources: its manifest names every source it was
 * built from with a hash of its bytes, the Bun build (its bytecode is that build's) and where the
 * sources were; one differing byte, a missing file or another Bun and the run loads the sources
 * (checking its 168 files costs ~3 ms, bench/module-load.ts). MOTHER_PREBUILT=0 always loads the sources; MOTHER_PREBUILT=DIR
 * reads the bundle from DIR (tests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { usePrebuiltEntries } from "../workers/prebuilt-entries.ts";
import type { start } from "./start.ts";

/** The package's root: the sources are read, and the bundle built, from here. */
export const PACKAGE_ROOT = join(import.meta.dir, "..", "..");

/** Where `bun install` (package.json postinstall) builds the bundle: beside the kernel builds. */
export const PREBUILT_FOLDER = join(PACKAGE_ROOT, ".cache", "prebuilt");

/** The bundle's manifest file in its folder, written last: it names the build (a folder beside it) to run. */
export const MANIFEST_FILE = "manifest.json";

/** The settings Bun reads beside the sources when it builds (hashed with them: a bundle built under others may differ). */
export const BUILD_SETTINGS = ["tsconfig.json", "bunfig.toml"];

/** A manifest's hash of a file that was absent when it was built: it is fresh only while the file stays absent. */
export const ABSENT = "absent";

/** What a bundle was built from and holds. */
export interface PrebuiltManifest {
  readonly version: 2;
  /** Bun.revision of the build that made the bytecode. */
  readonly bun: string;
  /** PACKAGE_ROOT when it was built: the bundle names its sources' folders (their import.meta.dir). */
  readonly root: string;
  /** Each source bundled and each of BUILD_SETTINGS, relative to root, → sourceHash of its bytes (or ABSENT). */
  readonly sources: Readonly<Record<string, string>>;
  /** The build's folder, in the bundle's folder. */
  readonly build: string;
  /** start.ts's bundle, relative to the build's folder. */
  readonly start: string;
  /** Each worker entry's source module URL → its bundle, relative to the build's folder. */
  readonly workers: Readonly<Record<string, string>>;
}

/** The hash a manifest keeps of a source's bytes. */
export function sourceHash(bytes: Uint8Array): string {
  return Bun.hash(bytes).toString(16);
}

/**
 * The build's folder and the manifest of the bundle to run: `folder`'s (MOTHER_PREBUILT's folder if set), or
 * undefined when there is none, MOTHER_PREBUILT is 0, or it was not built from these sources and settings by this Bun.
 */
export function freshPrebuilt(
  folder: string = PREBUILT_FOLDER,
  env: Record<string, string | undefined> = process.env,
): { folder: string; manifest: PrebuiltManifest } | undefined {
  const setting = env.MOTHER_PREBUILT;
  if (setting === "0") return undefined;
  const from = setting || folder;
  let manifest: PrebuiltManifest;
  try {
    manifest = JSON.parse(readFileSync(join(from, MANIFEST_FILE), "utf8")) as PrebuiltManifest;
  } catch {
    return undefined; // not built (or being replaced): the sources run
  }
  if (manifest.version !== 2 || manifest.bun !== Bun.revision || manifest.root !== PACKAGE_ROOT) return undefined;
  for (const [source, hash] of Object.entries(manifest.sources)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(PACKAGE_ROOT, source));
    } catch {
      if (hash === ABSENT) continue;
      return undefined; // a source gone
    }
    if (sourceHash(bytes) !== hash) return undefined;
  }
  return { folder: join(from, manifest.build), manifest };
}

/** start.ts's `start` from the fresh bundle (freshPrebuilt), its worker threads started from the bundle too; else undefined. */
export function prebuiltStart(folder: string = PREBUILT_FOLDER, env: Record<string, string | undefined> = process.env): typeof start | undefined {
  const fresh = freshPrebuilt(folder, env);
  if (fresh === undefined) return undefined;
  let loaded: typeof import("./start.ts");
  try {
    loaded = require(join(fresh.folder, fresh.manifest.start)) as typeof import("./start.ts");
  } catch {
    return undefined; // a build gone since its manifest was read (two rebuilds meanwhile): the sources run
  }
  usePrebuiltEntries(Object.fromEntries(Object.entries(fresh.manifest.workers).map(([url, bundle]) => [url, join(fresh.folder, bundle)])));
  return loaded.start;
}

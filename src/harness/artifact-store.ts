import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { configKey } from "./config-key.ts";
import { formatBytes, formatDuration } from "../ui/format-units.ts";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { assert, bug } from "../errors.ts";

/**
 * Cached, atomically written artefacts (SPEC §3: "keyed by a hash of its full config …,
 * cached on disk, written atomically, and resumable"), after Observable Framework's loader:
 *
 *   1. key    = sha256(canonical JSON of { kind, config, parent key })
 *   2. path   = <root>/<kind>/<first 16 hex of key>[.<extension>]
 *   3. cached → log "[fresh]", return it; produce is not called
 *   4. else   → log "[missing]", produce into a hidden temp folder/file in <root>/<kind>
 *               (same filesystem), write artifact.json (the config), rename into place,
 *               log size and time. A throw or an interrupt leaves nothing at the final path;
 *               a throw removes the temp, and temps of dead processes are swept next time.
 *   5. concurrent get()s of the same key in this process share one promise.
 */
export class ArtifactStore {
  private readonly inFlight = new Map<string, Promise<Artifact>>();

  constructor(
    /** Folder holding every artefact; git-ignored. */
    readonly root = ".cache",
    private readonly effects: ArtifactEffects = consoleArtifactEffects,
  ) {}

  /** The key and final path an artefact would have, without producing or checking anything. */
  locate(kind: string, config: unknown, options: ArtifactOptions = {}): { key: string; path: string } {
    checkKind(kind);
    assert(
      options.extension === undefined || /^[a-z0-9]+(\.[a-z0-9]+)*$/.test(options.extension),
      `artifact extension ${JSON.stringify(options.extension)}: must be like json, arrow or tar.gz, without a leading dot`,
    );
    const key = configKey({ kind, config, parent: parentKeyOf(options.parent) ?? null });
    const name = key.slice(0, SHORT_KEY_LENGTH) + (options.extension ? `.${options.extension}` : "");
    return { key, path: join(this.root, kind, name) };
  }

  /** Whether the artefact is already on disk; lets a resumed run report "12/315 cached" before it starts. */
  async has(kind: string, config: unknown, options: ArtifactOptions = {}): Promise<boolean> {
    return (await sizeOf(this.locate(kind, config, options).path)) !== undefined;
  }

  /**
   * Returns the artefact for (kind, config, parent), producing it only if it is not on disk.
   * `produce(temporaryPath)` must write the artefact at `temporaryPath`: for a folder
   * artefact (no `extension`) that folder already exists and is empty; for a file artefact
   * it is a path, ending in the extension, that produce creates. produce may be called in a
   * later run than the one that asked first, so it must depend on `config` and the parent alone.
   */
  get(kind: string, config: unknown, produce: (temporaryPath: string) => Promise<unknown>, options: ArtifactOptions = {}): Promise<Artifact> {
    const { key, path } = this.locate(kind, config, options);
    const pending = this.inFlight.get(path);
    if (pending) return pending;
    const work = this.fetchOrProduce(kind, config, key, path, produce, options).finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, work);
    return work;
  }

  /**
   * A JSON artefact (a result table, a recovered graph): `compute()` runs only when the file
   * is missing, and the parsed value is returned either way.
   */
  async getJson<T>(
    kind: string,
    config: unknown,
    compute: () => Promise<T>,
    options: Omit<ArtifactOptions, "extension"> = {},
  ): Promise<Artifact & { value: T }> {
    const artifact = await this.get(
      kind,
      config,
      async (temporaryPath) => {
        await Bun.write(temporaryPath, JSON.stringify(await compute()));
      },
      { ...options, extension: "json" },
    );
    return { ...artifact, value: JSON.parse(await readFile(artifact.path, "utf8")) as T };
  }

  private async fetchOrProduce(
    kind: string,
    config: unknown,
    key: string,
    path: string,
    produce: (temporaryPath: string) => Promise<unknown>,
    options: ArtifactOptions,
  ): Promise<Artifact> {
    const shortName = `${kind}/${key.slice(0, SHORT_KEY_LENGTH)}`;
    const label = options.label ? ` (${options.label})` : "";
    const existing = await sizeOf(path);
    if (existing !== undefined) {
      this.effects.log(`[fresh] ${shortName}${label} ${formatBytes(existing)}`);
      return { kind, key, path, cached: true, bytes: existing };
    }
    this.effects.log(`[missing] ${shortName}${label}`);
    const started = this.effects.now();
    const folder = join(this.root, kind);
    await mkdir(folder, { recursive: true });
    await sweepDeadTemporaries(folder, key.slice(0, SHORT_KEY_LENGTH));
    // Temp names start with "." so listings of finished artefacts never include them.
    const tempFolder = await mkdtemp(join(folder, `.tmp-${key.slice(0, SHORT_KEY_LENGTH)}-${process.pid}-`));
    const temporaryPath = options.extension ? join(tempFolder, `artifact.${options.extension}`) : tempFolder;
    const record = { kind, key, parent: parentKeyOf(options.parent) ?? null, config };
    try {
      await produce(temporaryPath);
      if (!(await holdsSomething(temporaryPath))) {
        bug(`${temporaryPath}: produce() for ${shortName} wrote nothing (it must write the artefact at the path it receives)`);
      }
      if (options.extension) {
        await writeFileAtomic(`${path}.artifact.json`, JSON.stringify(record, null, 1));
        await rename(temporaryPath, path);
      } else {
        await Bun.write(join(temporaryPath, ARTIFACT_RECORD), JSON.stringify(record, null, 1));
        await renameFolderUnlessPresent(temporaryPath, path);
      }
    } finally {
      await rm(tempFolder, { recursive: true, force: true });
    }
    const bytes = (await sizeOf(path)) ?? 0;
    this.effects.log(`[built] ${shortName}${label} ${formatBytes(bytes)} in ${formatDuration(this.effects.now() - started)}`);
    return { kind, key, path, cached: false, bytes };
  }
}

/** An artefact on disk. */
export interface Artifact {
  readonly kind: string;
  /** Full sha256 hex of { kind, config, parent }. */
  readonly key: string;
  /** Final location: a folder, or a file when an extension was given. */
  readonly path: string;
  /** True when it was already on disk and produce() was not called. */
  readonly cached: boolean;
  /** Total size in bytes (all files, for a folder). */
  readonly bytes: number;
}

/** How an artefact is stored and what it derives from. */
export interface ArtifactOptions {
  /** The artefact (or its key) this one was derived from, e.g. a fine-tune's parent model. */
  parent?: Artifact | string;
  /** Store a single file `<key>.<extension>` (e.g. "json", "arrow") instead of a folder. */
  extension?: string;
  /** Human hint shown in log lines only; not part of the key. */
  label?: string;
}

/** Side effects of the store, swappable so tests can record them. */
export interface ArtifactEffects {
  log(line: string): void;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

/** Logs to stderr (stdout stays free for results) and times with performance.now(). */
export const consoleArtifactEffects: ArtifactEffects = {
  log: (line) => process.stderr.write(`${line}\n`),
  now: () => performance.now(),
};

/** File written inside every folder artefact with its kind, key, parent key and full config. */
export const ARTIFACT_RECORD = "artifact.json";

/** Hex digits of the key used in names: 64 bits, so collisions among thousands of artefacts are negligible. */
export const SHORT_KEY_LENGTH = 16;

function checkKind(kind: string): void {
  assert(/^[a-z0-9][a-z0-9-]*$/.test(kind), `artifact kind ${JSON.stringify(kind)}: must be lower-case letters, digits and dashes (it names a folder)`);
}

function parentKeyOf(parent: Artifact | string | undefined): string | undefined {
  return typeof parent === "string" ? parent : parent?.key;
}

/** Total bytes under `path`, or undefined when nothing is there. */
async function sizeOf(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) total += (await sizeOf(join(path, entry.name))) ?? 0;
  return total;
}

/** A file exists, or a folder has at least one entry. */
async function holdsSomething(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  return !info.isDirectory() || (await readdir(path)).length > 0;
}

/** A folder rename fails when another process finished the same artefact first; theirs is as good as ours. */
async function renameFolderUnlessPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await sizeOf(to)) !== undefined) return;
    throw error;
  }
}

/** Removes temps left for this key by processes that no longer run (killed mid-produce). */
async function sweepDeadTemporaries(folder: string, shortKey: string): Promise<void> {
  const prefix = `.tmp-${shortKey}-`;
  for (const name of await readdir(folder)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && !isAlive(pid)) await rm(join(folder, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

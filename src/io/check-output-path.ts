/**
 * Output locations (`--out`, `--stats`) are checked before any work (#16): a recovery that
 * runs for minutes must not end in a stack trace because its result cannot be written, and
 * must never write its JSON over a model it read. Each refusal is one MotherError (code
 * "output") naming the path as the user typed it; nothing is created or changed on the way
 * (the write probe is removed at once).
 */
import { open, readdir, realpath, rm, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { outputFolderIsFile, outputIsFolder, outputIsInput, outputNotRegularFile, outputNotWritable, outputUnderFile } from "../messages.ts";
import { temporaryPathFor } from "./write-file-atomic.ts";

/**
 * Names of files that hold model weights, in any format mother reads or recognises: an output
 * with such a name inside an input folder would be read as a model (or overwrite one) next run.
 */
const CHECKPOINT_SUFFIXES = [".safetensors", ".safetensors.index.json", ".gguf", ".bin", ".pt", ".pth", ".ckpt"];

/**
 * Refuses `path` as the output of `flag` when it is a folder or another non-regular file, lies
 * under a regular file, is in a folder where no file can be created (permissions, a read-only
 * mount, /proc), or is one of `inputs` or inside an input model's folder (compared by real
 * path, so symlinks do not hide it). A new file beside the model folders of a collection is
 * fine (`mother recover models/ --out models/graph.json`), as is one in folders yet to create.
 * Returns the output's real path (to tell two outputs naming one file apart).
 */
export async function checkOutputPath(path: string, flag: string, inputs: readonly string[]): Promise<string> {
  const absolute = resolve(path);
  const existing = await stat(absolute).catch(() => undefined);
  // A trailing slash means a folder even when none exists yet (`--out results/`).
  if (existing?.isDirectory() || /[/\\]$/.test(path)) throw outputIsFolder(path, flag);
  if (existing && !existing.isFile()) throw outputNotRegularFile(path, flag);
  const folder = await nearestFolder(path, flag, dirname(absolute));
  await probeWrite(path, flag, folder);
  const real = existing ? await realpath(absolute) : join(await realpath(folder), relative(folder, absolute));
  for (const input of inputs) {
    const realInput = await realpath(resolve(input)).catch(() => undefined);
    if (realInput !== undefined && (await isInsideInput(real, realInput))) throw outputIsInput(path, flag, input);
  }
  return real;
}

/**
 * Refuses `path` as the folder `flag` names (`--index`, `--cache`) when it exists and is not a
 * folder, lies under a regular file, or (`writing`; `"if-new"`: only when it is not there yet) is, or
 * would be made in, a folder where no file can be created. Checked before any work, as output files
 * are: an index or cache folder that cannot be written used to fail after the models were read
 * (`--index`: a stack trace). Nothing is created.
 */
export async function checkOutputFolder(path: string, flag: string, writing: boolean | "if-new"): Promise<void> {
  const absolute = resolve(path);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw outputFolderIsFile(path, flag);
  const folder = existing ? absolute : await nearestFolder(path, flag, dirname(absolute));
  if (writing === true || (writing === "if-new" && !existing)) await probeWrite(path, flag, folder);
}

/** The nearest folder at or above `folder` that exists; a regular file on the way is refused. */
async function nearestFolder(path: string, flag: string, folder: string): Promise<string> {
  for (let at = folder; ; at = dirname(at)) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      // ENOENT: not there yet (mkdir will make it); ENOTDIR: a file further up, found next.
      if (at === dirname(at)) throw outputNotWritable(path, flag, at, info.code ?? info.message);
      continue;
    }
    if (!info.isDirectory()) throw outputUnderFile(path, flag, at);
    return at;
  }
}

/**
 * Creates and removes an empty hidden file in `folder`: the one test that holds for root too
 * (access(2) says W_OK for root on /proc and /sys, where creating a file still fails).
 */
async function probeWrite(path: string, flag: string, folder: string): Promise<void> {
  const probe = temporaryPathFor(join(folder, "mother-write-probe"));
  try {
    await (await open(probe, "wx")).close();
  } catch (error) {
    throw outputNotWritable(path, flag, folder, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  await rm(probe, { force: true });
}

/**
 * True when the real output path `real` is the input `realInput`, lies inside it when it is a
 * model folder, lies in a model folder inside it, or has a checkpoint's name inside it.
 */
async function isInsideInput(real: string, realInput: string): Promise<boolean> {
  if (real === realInput) return true;
  const inside = relative(realInput, real);
  if (isAbsolute(inside) || inside === ".." || inside.startsWith(`..${sep}`)) return false;
  if (CHECKPOINT_SUFFIXES.some((suffix) => basename(real).endsWith(suffix))) return true;
  if (await isModelFolder(realInput)) return true;
  for (let at = dirname(real); at.length >= realInput.length && at !== dirname(at); at = dirname(at)) {
    if (await isModelFolder(at)) return true;
  }
  return false;
}

/** A folder holding weight files (an input model's own folder); false when it does not exist. */
async function isModelFolder(folder: string): Promise<boolean> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.some((name) => CHECKPOINT_SUFFIXES.some((suffix) => name.endsWith(suffix)));
}

/**
 * Every user-facing message of mother, as a named function that takes the offending values and returns
 * the {@link MotherError} to throw (vega-lite's `log/message.ts` is the model). Throw sites read
 * `throw messages.needTwoModels(found)`; tests assert on `code` and on these functions' output.
 *
 * Grouped by where the problem is met. This module is the one callers import; an area with more than a
 * handful of messages keeps them in its own file under src/messages/ (re-exported below), so the module
 * stays short and two helpers adding messages to different areas do not edit the same lines. Internal
 * invariants are not messages: they are assert()/bug() from errors.ts, reported as bugs.
 */
import { MotherError } from "./errors.ts";

// Areas kept in their own files under src/messages/ (this module re-exports them, so callers import one module).
export * from "./messages/discovery.ts";
export * from "./messages/gguf.ts";
export * from "./messages/harness.ts";
export * from "./messages/peft.ts";
export * from "./messages/recovery.ts";
export * from "./messages/reports.ts";
export * from "./messages/safetensors.ts";
export * from "./messages/stats.ts";
export * from "./messages/training.ts";

// ── Command line ────────────────────────────────────────────────────────────────────────────────

/** A `--stages` file that is not a JSON object of id → stage. */
export function stagesFileNotObject(file: string): MotherError {
  return new MotherError(file, "must be a JSON object mapping model id to stage", undefined, "option");
}

// ── Recovery ────────────────────────────────────────────────────────────────────────────────────

/** Fewer than two models were found under the paths given. */
export function needTwoModels(where: string, found: number): MotherError {
  return new MotherError(where, "need at least two models to recover a tree", { value: `${found} found` });
}

/** A `--stages` file names a model id that is not among the inputs. */
export function unknownStagesModel(id: string, knownIds: readonly string[]): MotherError {
  return new MotherError(
    "--stages",
    "names a model that is not among the inputs",
    { value: id, help: `known ids: ${knownIds.slice(0, 8).join(", ")}` },
    "option",
  );
}

/** A checkpoint holding LoRA adapter factors rather than a model's weights. */
export function loraFactorsNotModel(path: string): MotherError {
  return new MotherError(path, "holds LoRA adapter factors (lora_A/lora_B), not a model's weights", {
    help: "merge each adapter into its base model first (peft: merge_and_unload) and recover the merged models",
  });
}

/** A checkpoint with no attention or MLP matrices for recovery to compare. */
export function nothingToCompare(path: string, tensorCount: number): MotherError {
  return new MotherError(path, "has no weight matrices recovery can compare", {
    value: `${tensorCount} tensors`,
    help: "mother compares the attention and MLP matrices of transformer checkpoints (Hugging Face names, or any square 2-D weights)",
  });
}

// ── Hostile input and output locations (#16: headers, empty tensors, shard indexes, --out/--stats) ──

/** A safetensors header whose raw bytes hold more entries than one file may describe (`entries`: counted so far). */
export function headerTooManyTensors(file: string, entries: number, limit: number): MotherError {
  return new MotherError(file, "safetensors header describes too many tensors", {
    value: `${entries} or more entries`,
    limit,
    help: "real checkpoints hold far fewer per file; this one is corrupt or crafted",
  });
}

/** A safetensors header whose raw bytes hold more JSON values than any real header (`values`: counted so far). */
export function headerTooManyValues(file: string, values: number, limit: number): MotherError {
  return new MotherError(file, "safetensors header holds too many JSON values", {
    value: `${values} or more`,
    limit,
    help: "real headers hold a few values per tensor; this one is corrupt or crafted",
  });
}

/** Note: empty tensors (a dimension of 0) were left out; `example` names one file and tensor. */
export function emptyTensorsSkipped(models: number, tensors: number, example: { file: string; name: string; shape: readonly number[] }): string {
  return `${example.file}: empty tensor ${example.name} [${example.shape.join(", ")}] skipped (nothing to compare)${
    tensors > 1 ? `; ${tensors} empty tensors in ${models} models in all` : ""
  }`;
}

/** Note: a shard holds float tensors its index does not map; they are read from the shard anyway. */
export function shardIndexOmits(indexFile: string, names: readonly string[], shard: string): string {
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, … (${names.length} in all)` : "");
  return `${indexFile}: weight_map omits ${shown}, held by ${shard}: read from the shard anyway (the shard's header is the truth)`;
}

/** Note: shard-named files beside an index that never names them; they are not read. */
export function shardFilesNotNamed(indexFile: string, files: readonly string[]): string {
  return `${indexFile}: weight_map names no tensor in ${files.join(", ")}: not read (if the index is stale, its tensors are missing from this model)`;
}

/** An output path (`--out`, `--stats`) that names a folder. */
export function outputIsFolder(path: string, flag: string): MotherError {
  return new MotherError(path, `${flag} names a folder, not a file`, { help: `give a file path, e.g. ${path.replace(/\/+$/, "")}/graph.json` }, "output");
}

/** An output path that exists and is not a regular file (a device, a pipe): renaming over it would replace it. */
export function outputNotRegularFile(path: string, flag: string): MotherError {
  return new MotherError(path, `${flag} names something other than a regular file`, { help: "omit --out to print to standard output" }, "output");
}

/** An output folder (`--index`, `--cache`) that names an existing file. */
export function outputFolderIsFile(path: string, flag: string): MotherError {
  return new MotherError(path, `${flag} names a file, not a folder`, { help: "give a folder's path (it is created if missing)" }, "output");
}

/** An output path that lies under a regular file (so its folder cannot exist). */
export function outputUnderFile(path: string, flag: string, file: string): MotherError {
  return new MotherError(path, `${flag} lies under a file, not a folder`, { value: file, help: "choose a path in a folder" }, "output");
}

/** An output path whose folder does not let us create files (permissions, read-only mount, /proc). */
export function outputNotWritable(path: string, flag: string, folder: string, reason: string): MotherError {
  return new MotherError(path, `${flag}: cannot write in ${folder}`, { value: reason, help: "choose a writable folder" }, "output");
}

/** An output path that is, or lies inside, one of the inputs (writing it would destroy a model). */
export function outputIsInput(path: string, flag: string, input: string): MotherError {
  return new MotherError(
    path,
    `${flag} would overwrite or add to an input model`,
    { value: input, help: "write the result outside the model folders (a folder of model folders is fine)" },
    "output",
  );
}

/** `--out` and `--stats` name the same file. */
export function outputsCollide(path: string): MotherError {
  return new MotherError(path, "--out and --stats name the same file", { help: "give them different paths" }, "output");
}

/** The result could not be written to standard output (a full disk behind `>`). */
export function standardOutputFailed(reason: string): MotherError {
  return new MotherError("standard output", "cannot write the result", { value: reason, help: "free space, or write to a file with --out" }, "output");
}

/** An output that passed the checks but could not be written in the end (disk full, removed folder). */
export function outputWriteFailed(path: string, flag: string, reason: string): MotherError {
  return new MotherError(path, `${flag}: cannot write`, { value: reason, help: "nothing was written; free space or choose another path" }, "output");
}

// ── Evaluate: truth and result files ───────────────────────────────────────────────────────────

/** A truth or result file that cannot be read. */
export function evaluateFileUnreadable(file: string, reason: string): MotherError {
  return new MotherError(file, "cannot be read", { value: reason, help: "check the path" });
}

/** A truth or result file that is not JSON. */
export function evaluateFileNotJson(file: string, reason: string): MotherError {
  return new MotherError(file, "is not valid JSON", { value: reason });
}

/** A truth or result file whose JSON does not have the expected shape: the first problems, each with its JSON path. */
export function evaluateFileMalformed(file: string, problems: readonly string[], expected: string): MotherError {
  const shown = problems.slice(0, 3).join("; ");
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  return new MotherError(file, `${shown}${more}`, { help: expected });
}

/** A truth or result that breaks a rule of a Model Graph (check-graph.ts): the first problems. */
export function evaluateGraphInvalid(file: string, problems: readonly { problem: string; value: string }[]): MotherError {
  const shown = problems
    .slice(0, 3)
    .map((p) => `${p.problem} (${p.value})`)
    .join("; ");
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  return new MotherError(file, `${shown}${more}`, {
    help: 'a model has one parent, or several only when each of those edges has "type": "merge"; parents never lead back to their child',
  });
}

/** A truth where some models name their tree and others do not. */
export function evaluateTreesPartial(file: string, id: string): MotherError {
  return new MotherError(file, "some models name their tree and some do not", {
    value: `first without: ${id}`,
    help: 'give every model a "tree", or none (then trees are read off the edges)',
  });
}

/** A truth and a result without a single model id in common. */
export function evaluateNoCommonModels(truthFile: string, resultFile: string, truthIds: readonly string[], resultIds: readonly string[]): MotherError {
  const few = (ids: readonly string[]) => (ids.length === 0 ? "none" : `${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""}`);
  return new MotherError(resultFile, `shares no model id with ${truthFile}`, {
    value: `truth: ${few(truthIds)}; result: ${few(resultIds)}`,
    help: "model ids are folder names (or file stems); the truth must use the same ones",
  });
}

// ── Layer cache ─────────────────────────────────────────────────────────────────────────────────

/** A weight file that ended before the bytes its header promised, met while checksumming them for --verify-cache. */
export function checksumRangePastEnd(file: string, end: number): MotherError {
  return new MotherError(file, "ends before the bytes its header describes", {
    value: `needs ${end} bytes`,
    help: "the file changed while it was read, or is truncated",
  });
}

// ── Fingerprint index (src/index/, `mother index`, `recover --index`) ──────────────────────────

/** An index segment that is truncated, altered or not Arrow: recovery refuses rather than guess what it held. */
export function unreadableIndexSegment(file: string, problem: string): MotherError {
  return new MotherError(file, `unreadable index segment: ${problem}`, {
    help: "run `mother index <paths> --index DIR` again: it drops the segment and reads its models again",
  });
}

/** An index entry written by another fingerprint version. */
export function fingerprintVersionMismatch(path: string, found: number, expected: number): MotherError {
  return new MotherError(path, "index entry has another fingerprint version", {
    value: found,
    limit: `this mother reads version ${expected}`,
    help: "run `mother index <paths> --index DIR` again: it reads such models again",
  });
}

/** A file behind an index entry changed (or went) since it was fingerprinted. */
export function changedSinceIndexed(file: string, what: string): MotherError {
  return new MotherError(file, `changed since it was indexed (${what})`, {
    help: "run `mother index <paths> --index DIR` again to bring the index up to date",
  });
}

/**
 * A segment that could not be written: a full disk (ENOSPC), or a folder removed, replaced or made read-only while the run
 * went on (any other errno `reason`, where freeing space would not help).
 */
export function indexWriteFailed(dir: string, reason: string): MotherError {
  const fix = reason === "ENOSPC" ? "free space" : "make the index folder writable again (a file in its place, a read-only mount)";
  return new MotherError(
    dir,
    "cannot write an index segment",
    { value: reason, help: `the segments already written stay whole; ${fix} and run \`mother index\` again: it reads only the models not saved` },
    "output",
  );
}

/** An index's segments folder that cannot be listed (a file of that name, no permission). */
export function indexUnreadable(folder: string, reason: string): MotherError {
  return new MotherError(folder, "cannot read the index's segments folder", { value: reason, help: "give --index a folder mother index built" });
}

/** An index folder without any model. */
export function emptyIndex(dir: string): MotherError {
  return new MotherError(dir, "holds no indexed models", { help: "build it first: mother index <paths> --index DIR" });
}

/** Two indexed models share an id (they were indexed from different paths). */
export function duplicateIndexedId(id: string, first: string, second: string): MotherError {
  return new MotherError(second, `duplicate model id ${id}, also used by ${first}`, {
    help: "rename one folder or file; ids come from folder names and file stems",
  });
}

/** `--trees N` asks for Ward's cut over all pairs, which an index recovery does not compute. */
export function indexNeedsAutoTrees(trees: number): MotherError {
  return new MotherError(
    "--trees",
    "recovery from an index finds the trees itself (--trees auto)",
    {
      value: trees,
      help: "drop --trees, or recover the paths without --index",
    },
    "option",
  );
}

/** `mother index --verify --redis`: verification compares digests in the coordinator, which the queued path does not read. */
export function indexVerifyWithRedis(): MotherError {
  return new MotherError(
    "--verify",
    "re-reads the models on this machine, not through --redis workers",
    { help: "run mother index --verify without --redis (it reads every model, as a cold index does)" },
    "option",
  );
}

/** `mother recover` with neither model paths nor an index. */
export function recoverNeedsInput(): MotherError {
  return new MotherError(
    "recover",
    "needs model paths, or --index DIR (an index built by mother index)",
    { help: "mother recover models/ --out graph.json" },
    "option",
  );
}

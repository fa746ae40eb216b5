/**
 * Makes every member of a zoo plan and publishes the zoo as a hub user downloads it: one
 * folder per member id under `<cache>/model-zoo/release/` (a safetensors folder, a PEFT adapter
 * folder, or a folder holding one `.gguf`), so recovery reads it as `mother recover <folder>` does.
 *
 *   1. weights   each member's full weights: trained artefacts as given; then, in rounds, every
 *                member whose inputs exist — merges and copies written under
 *                `<cache>/model-zoo/members/<id>`, members to train trained from any member
 *                (the trainer starts from a checkpoint folder, so a merge can be a parent)
 *   2. publish   LoRA members marked `adapterFolder` as PEFT folders (write-peft-copy.ts)
 *   3. release   the release folder of symlinks to the members' real paths, rebuilt each run (nothing copied); its GGUF
 *                files read again by @huggingface/gguf (cross-check-gguf.ts)
 *
 * Everything is cached: merges and copies by their records, trained members in an artefact
 * store under `<cache>/model-zoo/` keyed by config and parent, so a rerun writes nothing.
 */
import { mkdir, realpath, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { discoverModels } from "../../io/discover-models.ts";
import type { ModelSource } from "../../types.ts";
import type { Progress } from "../../ui/progress.ts";
import { assert, bug } from "../../errors.ts";
import { ArtifactStore, type Artifact } from "../artifact-store.ts";
import { configKey } from "../config-key.ts";
import { trainPlanned } from "../train-planned.ts";
import { DERIVED_COPY_VERSION, writeDerivedCopy } from "../derived/write-derived-copy.ts";
import { GGUF_COPY_VERSION, writeGgufCopy } from "../derived/write-gguf-copy.ts";
import { writeZooMerge, ZOO_MERGE_VERSION } from "./write-zoo-merge.ts";
import { PEFT_COPY_VERSION, writePeftCopy } from "./write-peft-copy.ts";
import { publishedFormat, type ZooMember, type ZooPlan } from "./zoo-members.ts";
import { crossCheckGguf } from "./cross-check-gguf.ts";

export interface BuildZooOptions {
  readonly cache: string;
  readonly progress: Progress;
  readonly workers: number;
}

/** The published zoo and what this run had to make. */
export interface BuiltZoo {
  /** Folder of one entry per member id. */
  readonly release: string;
  /** Members made by this run (trained, merged, copied, factored), not found cached. */
  readonly fresh: number;
  /** GGUF files read by @huggingface/gguf beside our reader (cross-check-gguf.ts), and every disagreement. */
  readonly gguf: { readonly files: number; readonly problems: readonly string[] };
}

/** The members a member is made from. */
export function memberInputs(member: ZooMember): readonly string[] {
  switch (member.make) {
    case "copy":
    case "gguf":
      return [member.source];
    case "merge":
      return [...member.parents, ...(member.base === undefined ? [] : [member.base])];
    case "train":
      return [member.parent];
    case "trained":
      return [];
  }
}

/** Builds and publishes `zoo`; `trained` holds the artefact of every `trained` member. */
export async function buildZoo(zoo: ZooPlan, trained: ReadonlyMap<string, Artifact>, options: BuildZooOptions): Promise<BuiltZoo> {
  const root = join(options.cache, "model-zoo");
  const store = new ArtifactStore(root, { log: () => {}, now: () => performance.now() });
  const weights = new Map<string, Artifact>();
  for (const member of zoo.members) if (member.make === "trained") weights.set(member.id, trained.get(member.id) ?? bug(`zoo: ${member.id} was not trained`));
  const sources = new Map<string, Promise<ModelSource>>();
  const open = (id: string): Promise<ModelSource> => {
    const known = sources.get(id);
    if (known) return known;
    const opened = discoverModels([weights.get(id)!.path]).then(([model]) => ({ ...model!, id }));
    sources.set(id, opened);
    return opened;
  };
  const memberFolder = (id: string) => join(root, "members", id);
  let fresh = 0;

  // 1. weights, in rounds
  const task = options.progress.start("make zoo members", zoo.members.length - weights.size);
  for (let pending = zoo.members.filter((m) => !weights.has(m.id)); pending.length > 0; ) {
    const ready = pending.filter((m) => memberInputs(m).every((id) => weights.has(id)));
    assert(ready.length > 0, `zoo plan: ${pending.map((m) => m.id).join(", ")} wait on members never made`);
    for (const dtype of ["F32", "BF16"] as const) {
      const toTrain = ready.flatMap((m) => (m.make === "train" && m.dtype === dtype ? [{ id: m.id, parent: m.parent, config: m.config }] : []));
      if (toTrain.length === 0) continue;
      const made = await trainPlanned(toTrain, {
        store,
        progress: options.progress,
        workers: options.workers,
        dtype,
        existing: weights,
        label: "train zoo members",
      });
      for (const [id, artifact] of made) {
        weights.set(id, artifact);
        if (!artifact.cached) fresh++;
        task.advance();
      }
    }
    for (const member of ready) {
      if (member.make === "train" || member.make === "trained") continue;
      const at = memberFolder(member.id);
      const inputs = await Promise.all(memberInputs(member).map(open));
      const wrote =
        member.make === "copy"
          ? await writeDerivedCopy(inputs[0]!, member.kind, at)
          : member.make === "gguf"
            ? await writeGgufCopy(inputs[0]!, member.type, at)
            : await writeZooMerge(member.method, inputs.slice(0, member.parents.length), member.base === undefined ? undefined : inputs.at(-1), at);
      const version = { copy: DERIVED_COPY_VERSION, gguf: GGUF_COPY_VERSION, merge: ZOO_MERGE_VERSION }[member.make];
      const { id: _id, tree: _tree, ...how } = member;
      const key = configKey({ how, version, inputs: memberInputs(member).map((id) => weights.get(id)!.key) });
      weights.set(member.id, { kind: `zoo-${member.make}`, key, path: at, cached: !wrote, bytes: 0 });
      if (wrote) fresh++;
      task.advance();
    }
    pending = pending.filter((m) => !ready.includes(m));
  }
  task.finish();

  // 2. publish adapters, 3. the release folder
  const published = new Map<string, string>();
  for (const member of zoo.members) {
    const format = publishedFormat(member);
    if (format !== "peft") {
      published.set(member.id, weights.get(member.id)!.path);
      continue;
    }
    if (member.make !== "trained" && member.make !== "train") bug(`zoo: ${member.id} cannot be an adapter folder`);
    const at = memberFolder(member.id);
    const lora =
      (member.make === "train" ? member.config.lora : member.lora) ?? bug(`zoo: ${member.id} is published as an adapter but was not trained with LoRA`);
    if (await writePeftCopy(await open(member.id), await open(member.parent!), lora, member.parent!, at)) fresh++;
    published.set(member.id, at);
  }
  const release = join(root, `release-v${PEFT_COPY_VERSION}`);
  await rm(release, { recursive: true, force: true });
  await mkdir(release, { recursive: true });
  // To where each folder really is: a cache reached through a link (a worktree's .cache/model-zoo
  // linking a shared one) would otherwise leave links that die with the worktree.
  for (const [id, path] of published) await symlink(await realpath(path), join(release, id), "dir");
  const ggufFolders = zoo.members.filter((m) => m.make === "gguf").map((m) => join(release, m.id));
  const problems: string[] = [];
  for (const model of await discoverModels(ggufFolders)) {
    const problem = await crossCheckGguf(model);
    if (problem) problems.push(problem);
  }
  return { release, fresh, gguf: { files: ggufFolders.length, problems } };
}

/**
 * The members of a model zoo and the typed truth they make (issue #12, item 5). A member is
 * one thing a hub user downloads — a safetensors folder, a PEFT adapter folder or a `.gguf`
 * file — and says how it is made from other members:
 *
 *   trained   an artefact trained elsewhere (the VTHR plan, the Llama-like family), cached
 *   train     trained here from any member (a merge, a merged-LoRA model, a fine-tune)
 *   copy      a re-saved or quantized safetensors copy (src/harness/derived/derived-kinds.ts)
 *   gguf      a GGUF file of a member, quantized by our writer
 *   merge     a merge of two or more members (merge-weights.ts)
 *
 * A trained LoRA member with `adapterFolder` is published as peft saves it (its update,
 * factored back to its rank, naming its parent as base) instead of merged weights.
 * `ZooBuilder` collects members and the truth edge(s) each one adds.
 */
import type { GgmlType, RelationType, TruthGraph } from "../../types.ts";
import type { LoraConfig } from "../../models/lora.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import type { DerivedKind } from "../derived/derived-kinds.ts";
import type { MergeMethod } from "./merge-weights.ts";
import { assert } from "../../errors.ts";

/** The trained members' LoRA settings, when they were trained as LoRA (needed to publish the adapter). */
interface TrainedLike {
  readonly parent?: string;
  readonly lora?: LoraConfig;
  /** Published as a PEFT adapter folder naming `parent` (LoRA members only). */
  readonly adapterFolder?: boolean;
}

/** One member of the zoo and how it is made. */
export type ZooMember = { readonly id: string; readonly tree: string } & (
  | ({ readonly make: "trained" } & TrainedLike)
  | ({ readonly make: "train"; readonly parent: string; readonly config: TrainConfig; readonly dtype: "F32" | "BF16" } & TrainedLike)
  | { readonly make: "copy"; readonly source: string; readonly kind: DerivedKind }
  | { readonly make: "gguf"; readonly source: string; readonly type: GgmlType }
  | { readonly make: "merge"; readonly parents: readonly string[]; readonly base?: string; readonly method: MergeMethod }
);

/** The zoo: every member with how it is made, and the typed truth. */
export interface ZooPlan {
  readonly members: readonly ZooMember[];
  readonly truth: TruthGraph;
}

/** How a member is published: the format a hub user downloads. */
export function publishedFormat(member: ZooMember): "safetensors" | "peft" | "gguf" {
  if (member.make === "gguf") return "gguf";
  return (member.make === "trained" || member.make === "train") && member.adapterFolder ? "peft" : "safetensors";
}

/** A short name of how a member was made, for tables ("merge: ties", "gguf Q4_K", "LoRA r4 (PEFT folder)"). */
export function memberKind(member: ZooMember): string {
  switch (member.make) {
    case "copy":
      return `copy: ${member.kind}`;
    case "gguf":
      return `GGUF ${member.type}`;
    case "merge":
      return `merge: ${member.method.kind}`;
    default: {
      if (member.parent === undefined) return "base";
      const lora = member.make === "train" ? member.config.lora : member.lora;
      if (!lora) return "full fine-tune";
      return `LoRA r${lora.rank}${member.adapterFolder ? " (PEFT folder)" : " (merged)"}`;
    }
  }
}

/** Collects members in order (parents before children) with their truth edges. */
export class ZooBuilder {
  readonly members: ZooMember[] = [];
  readonly edges: { parent: string; child: string; type: RelationType }[] = [];
  private readonly ids = new Set<string>();

  /** Adds `member`; its truth edges follow from how it is made. Returns its id. */
  add(member: ZooMember): string {
    assert(!this.ids.has(member.id), `zoo plan: duplicate member ${member.id}`);
    this.ids.add(member.id);
    this.members.push(member);
    switch (member.make) {
      case "copy":
      case "gguf":
        this.edge(member.source, member.id, "quantized");
        break;
      case "merge":
        for (const parent of member.parents) this.edge(parent, member.id, "merge");
        break;
      default: {
        const lora = member.make === "train" ? member.config.lora : member.lora;
        if (member.parent !== undefined) this.edge(member.parent, member.id, lora ? "adapter" : "finetune");
      }
    }
    return member.id;
  }

  /** The plan: members and the typed truth (every model specialization, trees by root). */
  plan(): ZooPlan {
    return {
      members: this.members,
      truth: { models: this.members.map((m) => ({ id: m.id, stage: "specialization" as const, tree: m.tree })), edges: this.edges },
    };
  }

  private edge(parent: string, child: string, type: RelationType): void {
    assert(this.ids.has(parent), `zoo plan: ${child} names ${parent}, which is not (yet) a member`);
    this.edges.push({ parent, child, type });
  }
}

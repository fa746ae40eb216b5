import { describe, expect, test } from "bun:test";
import { planVthr } from "../../../src/harness/vthr/plan-vthr.ts";
import { VTHR_DEFAULTS } from "../../../src/harness/vthr/vthr-settings.ts";
import { LLAMA_FAMILY_DEFAULTS } from "../../../src/harness/families/llama-family-settings.ts";
import { planLlamaFamily } from "../../../src/harness/families/plan-llama-family.ts";
import { planZoo } from "../../../src/harness/zoo/plan-zoo.ts";
import { memberInputs } from "../../../src/harness/zoo/build-zoo.ts";
import { publishedFormat } from "../../../src/harness/zoo/zoo-members.ts";

describe("planZoo", () => {
  const llama = { members: planLlamaFamily(LLAMA_FAMILY_DEFAULTS), settings: LLAMA_FAMILY_DEFAULTS };
  const zoo = planZoo({ vthr: planVthr(VTHR_DEFAULTS), vthrSettings: VTHR_DEFAULTS, llama });
  const byId = new Map(zoo.members.map((m) => [m.id, m]));
  const count = (type: string) => zoo.truth.edges.filter((e) => e.type === type).length;

  test("every member comes after what it is made from; every edge typed between members; one tree per base", () => {
    const seen = new Set<string>();
    for (const member of zoo.members) {
      expect(memberInputs(member).every((id) => seen.has(id))).toBe(true);
      seen.add(member.id);
    }
    expect(zoo.truth.edges.every((e) => byId.has(e.parent) && byId.has(e.child))).toBe(true);
    expect(new Set(zoo.members.map((m) => m.tree))).toEqual(new Set([...VTHR_DEFAULTS.roots.map((r) => r.name), "llama-2"]));
    // Per ViT root: 1 + 40 trained, 5 copies (3 safetensors, 2 GGUF), 6 merges, 3 trained here + a GGUF of one.
    expect(zoo.members.filter((m) => m.tree === "sup-all")).toHaveLength(1 + 40 + 5 + 6 + 3 + 1);
    expect([count("finetune"), count("adapter"), count("quantized"), count("merge")]).toEqual([5 * 22 + 6, 5 * 21 + 3, 5 * 6 + 4, 5 * 12 + 4]);
  });

  test("hub formats: PEFT folders for LoRA members only (adapters on the root, on an adapter, on a full fine-tune), GGUF files", () => {
    const peft = zoo.members.filter((m) => publishedFormat(m) === "peft");
    expect(peft.every((m) => zoo.truth.edges.some((e) => e.child === m.id && e.type === "adapter"))).toBe(true);
    expect(peft.map((m) => m.id)).toContain("lora-v.sup-all.c3.g0");
    expect(peft.map((m) => m.id)).toContain("ft.sup-all.c3.lora");
    expect(peft.map((m) => m.id)).toContain("codellama-python-lora");
    expect(byId.get("lora-v.sup-all.c1.ft.Q8_0")).toMatchObject({ make: "gguf", source: "lora-v.sup-all.c1.ft" });
    expect(byId.get("lora-v.sup-all.c1.ft")).toMatchObject({ make: "train", parent: "lora-v.sup-all.c1" });
  });

  test("a merge's parents are the models it combines with positive weight, never its base; a fine-tune of a merge hangs under it", () => {
    const ta = byId.get("merge.sup-all.task-arithmetic")!;
    expect(ta).toMatchObject({ make: "merge", base: "sup-all", parents: ["ft.sup-all.c2", "ft.sup-all.c3"] });
    expect(zoo.truth.edges.filter((e) => e.child === ta.id).map((e) => e.parent)).toEqual(["ft.sup-all.c2", "ft.sup-all.c3"]);
    expect(zoo.truth.edges.filter((e) => e.child === "merge.sup-all.linear.ft")).toEqual([
      { parent: "merge.sup-all.linear", child: "merge.sup-all.linear.ft", type: "finetune" },
    ]);
  });
});

import { describe, expect, test } from "bun:test";
import { planVthr } from "../../../src/harness/vthr/plan-vthr.ts";
import { VTHR_DEFAULTS } from "../../../src/harness/vthr/vthr-settings.ts";
import { planZoo } from "../../../src/harness/zoo/plan-zoo.ts";

describe("planZoo", () => {
  const zoo = planZoo(planVthr(VTHR_DEFAULTS));

  test("per root: 40 trained children, 3 copies, 6 merges; every edge typed and every parent a member", () => {
    const ids = new Set(zoo.members.map((m) => m.id));
    expect(zoo.members).toHaveLength(5 * (1 + 40 + 3 + 6));
    const count = (type: string) => zoo.truth.edges.filter((e) => e.type === type).length;
    expect([count("finetune"), count("adapter"), count("quantized"), count("merge")]).toEqual([100, 100, 15, 60]);
    expect(zoo.truth.edges.every((e) => ids.has(e.parent) && ids.has(e.child))).toBe(true);
  });

  test("a merge's parents are the models it combines with positive weight, never its base", () => {
    const ta = zoo.members.find((m) => m.id === "merge.sup-all.task-arithmetic")!;
    expect(ta).toMatchObject({ make: "merge", base: "sup-all", parents: ["ft.sup-all.c2", "ft.sup-all.c3"] });
    expect(zoo.truth.edges.filter((e) => e.child === ta.id).map((e) => e.parent)).toEqual(["ft.sup-all.c2", "ft.sup-all.c3"]);
  });
});

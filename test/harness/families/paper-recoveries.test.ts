import { describe, expect, test } from "bun:test";
import { paperFamilyRecoveries } from "../../../src/harness/families/paper-recoveries.ts";
import { LLAMA_RECOVERIES } from "../../../src/harness/families/llama-family-settings.ts";
import { SD_RECOVERIES } from "../../../src/harness/families/sd-family-settings.ts";

describe("paperFamilyRecoveries", () => {
  test("the paper's setting first, on the stage given, then the unlabelled and default runs; the attention-only run is the paper's with its score layers", () => {
    const [paper, auto, defaults, initDistance, attention] = paperFamilyRecoveries("generalization");
    expect(paper).toEqual({ name: "paper: ℓ_FT, generalization, 1 tree", overrides: { stage: "generalization", distance: "ft", ftDistance: "max", trees: 1 } });
    expect(auto!.overrides).toEqual({ stage: "auto", distance: "ft", trees: 1 });
    expect(defaults!.overrides).toEqual({});
    expect(initDistance!.overrides).toEqual({ chain: "init-distance" });
    expect(attention!.overrides).toEqual({ ...paper!.overrides, scoreKinds: ["query", "key", "value", "attention-output"] });
  });

  test("the Llama-like and SD-like families run the same settings but for the paper's stage", () => {
    expect(LLAMA_RECOVERIES.map((r) => r.overrides.stage)).toEqual(["specialization", "auto", undefined, undefined, "specialization"]);
    expect(SD_RECOVERIES.map((r) => r.overrides.stage)).toEqual(["generalization", "auto", undefined, undefined, "generalization"]);
    const stageless = (recoveries: typeof LLAMA_RECOVERIES) => recoveries.map(({ overrides: { stage: _, ...rest } }) => rest);
    expect(stageless(LLAMA_RECOVERIES)).toEqual(stageless(SD_RECOVERIES));
  });
});

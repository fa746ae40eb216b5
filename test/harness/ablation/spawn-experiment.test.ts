import { describe, expect, test } from "bun:test";
import { tableRow } from "../../../src/harness/ablation/spawn-experiment.ts";

describe("tableRow", () => {
  const out = ["split   c    a      b", "------  ---  -----  -----", "FT      0    0.500  1", "FT      0.3  0.750  1.000", "LoRA-V  ℓ_FT  0.125  2.5e-4"].join(
    "\n",
  );
  test("reads the numbers after the matching leading cells, skipping rows whose cells only appear later", () => {
    expect(tableRow(out, ["FT", "0"])).toEqual([0.5, 1]);
    expect(tableRow(out, ["FT", "0.3"])).toEqual([0.75, 1]);
    expect(tableRow(out, ["LoRA-V", "ℓ_FT"])).toEqual([0.125, 2.5e-4]);
  });
  test("throws when no row starts with the cells", () => {
    expect(() => tableRow(out, ["LoRA-F"])).toThrow(/no table row/);
    expect(() => tableRow(out, ["FT", "2"])).toThrow(/no table row/);
  });
});

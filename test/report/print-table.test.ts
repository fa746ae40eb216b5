import { describe, expect, test } from "bun:test";
import { formatTable, printReportPage, printTable } from "../../src/report/print-table.ts";
import { samplePages } from "./sample-pages.ts";

describe("printTable", () => {
  test("aligns columns, right-aligns numeric ones, and writes through the given effect", () => {
    const lines: string[] = [];
    printTable(
      "Table 1",
      ["split", "ours", "paper"],
      [
        ["FT", 1, 0.92],
        ["LoRA-V", 0.42, null],
      ],
      (line) => lines.push(line),
    );
    expect(lines).toEqual(["Table 1", "split    ours  paper", "------  -----  -----", "FT      1.000  0.920", "LoRA-V  0.420      –"]);
  });

  test("an empty table still has its header", () => {
    expect(formatTable("none", ["a"], [])).toEqual(["none", "a", "-"]);
  });

  test("printReportPage prints the paper comparison and every table of a page", () => {
    const lines: string[] = [];
    printReportPage(samplePages()[0]!, (line) => lines.push(line));
    const text = lines.join("\n");
    expect(text).toContain("Ours vs paper (Table 1)");
    expect(text).toMatch(/LoRA-V, all\s+0\.420\s+0\.890/);
    expect(text).toContain("note: fixture");
  });
});

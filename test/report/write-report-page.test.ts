import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeReportPage } from "../../src/report/write-report-page.ts";
import { samplePages } from "./sample-pages.ts";

let dir: string;
const lines: string[] = [];
const effects = { log: (line: string) => lines.push(line), now: () => new Date("2026-01-02T03:04:05Z") };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-report-"));
  lines.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function embeddedSpecs(html: string): unknown[] {
  return [...html.matchAll(/<script type="application\/json" id="spec-\d+">(.*?)<\/script>/gs)].map((match) => JSON.parse(match[1]!));
}

describe("writeReportPage", () => {
  test("embeds each figure's spec with its data and a pre-rendered SVG", async () => {
    const page = samplePages()[1]!;
    const path = await writeReportPage(dir, page, { interactive: false, effects });
    expect(path).toBe(join(dir, "figure-2-3.html"));
    const html = await readFile(path, "utf8");
    expect(embeddedSpecs(html)).toEqual(page.figures.map((figure) => figure.spec));
    expect(html.match(/<div class="view" data-spec="spec-\d+"><svg /g)!.length).toBe(4);
    expect(html).not.toContain("vegaLite.compile");
    expect(lines).toEqual([expect.stringMatching(/^\[report\] .*figure-2-3\.html \d+(\.\d+)? KiB, 4 figure\(s\)$/)]);
  });

  test("shows our numbers beside the paper's, escapes text, and dates the page", async () => {
    const html = await readFile(await writeReportPage(dir, samplePages()[0]!, { interactive: false, effects }), "utf8");
    expect(html).toContain(
      '<tr><td>LoRA-V, all</td><td class="number">0.420</td><td class="number">0.890</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>',
    );
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("Generated 2026-01-02T03:04:05.000Z");
  });

  test("interactive pages inline vega and vega-lite, so they need no server or network", async () => {
    const html = await readFile(await writeReportPage(dir, samplePages()[0]!, { effects }), "utf8");
    expect(html.includes('data-rendered="pending"')).toBe(true);
    expect(html.includes("vegaLite.compile")).toBe(true);
    // Nothing is fetched: no external scripts, stylesheets or images.
    expect(/<(script|img)[^>]+src=|<link /.test(html)).toBe(false);
  });

  test("leaves no temp files and lists the page in the manifest and index", async () => {
    await writeReportPage(dir, samplePages()[0]!, { interactive: false, effects });
    expect((await readdir(dir)).sort()).toEqual(["index.html", "manifest.json", "table-1.html"]);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest.pages).toEqual([
      {
        slug: "table-1",
        title: "Table 1: accuracy per root and split",
        summary: "Edge accuracy of the recovered Model Graph per tree root.",
        updatedAt: "2026-01-02T03:04:05.000Z",
      },
    ]);
  });

  test("logs vega-lite's warnings so a dropped encoding is seen when the page is written", async () => {
    const page = samplePages()[1]!;
    const spec = { ...page.figures[0]!.spec, encoding: { xOffset: { field: "group", type: "nominal" } } } as (typeof page.figures)[0]["spec"];
    await writeReportPage(dir, { ...page, figures: [{ title: "steps", spec, caption: "" }] }, { interactive: false, effects });
    expect(lines[0]).toMatch(/^\[report\] figure-2-3: figure "steps": .*xOffset/);
  });

  test("refuses a slug that is not a plain file name", async () => {
    await expect(writeReportPage(dir, { ...samplePages()[0]!, slug: "../x" }, { effects })).rejects.toThrow("report slug");
  });
});

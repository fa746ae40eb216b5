import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addToReportIndex, readReportManifest, writeReportIndex } from "../../src/report/report-index.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-index-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (slug: string, title = slug) => ({ slug, title, summary: `about ${slug}`, updatedAt: "2026-01-01T00:00:00.000Z" });

describe("report index", () => {
  test("writeReportIndex links every page with its summary", async () => {
    const html = await readFile(await writeReportIndex(dir, [entry("table-1", "Table 1"), entry("figure-2", "Figure 2 <LoRA>")]), "utf8");
    expect(html).toContain('<a href="table-1.html">Table 1</a> — about table-1');
    expect(html).toContain('<a href="figure-2.html">Figure 2 &lt;LoRA&gt;</a>');
    expect(html.indexOf("Figure 2")).toBeLessThan(html.indexOf("Table 1"));
  });

  test("separate experiments each add their page; rewriting a page replaces its line", async () => {
    await addToReportIndex(dir, entry("table-1"));
    await addToReportIndex(dir, entry("figure-7"));
    await addToReportIndex(dir, { ...entry("table-1"), summary: "rerun" });
    expect((await readReportManifest(dir)).pages.map((page) => [page.slug, page.summary])).toEqual([
      ["figure-7", "about figure-7"],
      ["table-1", "rerun"],
    ]);
    const html = await readFile(join(dir, "index.html"), "utf8");
    expect(html.match(/<li>/g)!.length).toBe(2);
  });

  test("concurrent additions all land in the manifest", async () => {
    await Promise.all(Array.from({ length: 8 }, (_, index) => addToReportIndex(dir, entry(`page-${index}`))));
    expect((await readReportManifest(dir)).pages.length).toBe(8);
  });

  test("an absent manifest is empty; a corrupt one is an error with a help hint", async () => {
    expect(await readReportManifest(dir)).toEqual({ pages: [] });
    await writeFile(join(dir, "manifest.json"), "{not json");
    await expect(readReportManifest(dir)).rejects.toThrow("help: delete it");
  });
});

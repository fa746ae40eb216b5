import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkReportPagesInBrowser } from "../../src/report/check-in-browser.ts";
import { writeReportPage } from "../../src/report/write-report-page.ts";
import { MotherError } from "../../src/errors.ts";
import { samplePages } from "./sample-pages.ts";

/** Chromium start plus a few pages takes seconds on 2 cores; the default 5 s is too tight under load. */
const BROWSER_TIMEOUT_MS = 30_000;
const quiet = { log: () => {}, now: () => new Date("2026-01-01T00:00:00Z") };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-browser-"));
  for (const page of samplePages()) await writeReportPage(dir, page, { effects: quiet });
  await writeReportPage(dir, { ...samplePages()[0]!, slug: "static-only", title: "Static page" }, { interactive: false, effects: quiet });
}, BROWSER_TIMEOUT_MS);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("report pages in headless Chromium", () => {
  test("every chart draws marks, renders live, and no page logs an error", async () => {
    // Fails (does not skip) when Chromium is missing: the MotherError carries "help: apt-get install chromium".
    const results = await checkReportPagesInBrowser(dir);
    expect(results.map((result) => result.file.split("/").at(-1))).toEqual(["figure-2-3.html", "index.html", "static-only.html", "table-1.html"]);
    expect(results.flatMap((result) => result.problems)).toEqual([]);
    const byName = new Map(results.map((result) => [result.file.split("/").at(-1)!, result]));
    expect(byName.get("table-1.html")!.liveFigures).toBe(2);
    expect(byName.get("figure-2-3.html")!.liveFigures).toBe(4);
    expect(byName.get("static-only.html")!.liveFigures).toBe(0);
    for (const result of results) for (const marks of result.marksPerFigure) expect(marks).toBeGreaterThan(0);
  }, BROWSER_TIMEOUT_MS);

  test("a page whose chart cannot render is reported, not passed", async () => {
    const broken = await mkdtemp(join(tmpdir(), "mother-browser-broken-"));
    try {
      const page = samplePages()[1]!;
      const badSpec = { ...page.figures[0]!.spec, data: { values: [] } } as typeof page.figures[0]["spec"];
      await writeReportPage(broken, { ...page, slug: "empty", figures: [{ title: "empty", spec: badSpec, caption: "no data" }] }, { interactive: false, effects: quiet });
      // A dropped encoding: vega-lite warns in the browser console.
      const warned = { ...page.figures[0]!.spec, encoding: { xOffset: { field: "group", type: "nominal" } } } as typeof page.figures[0]["spec"];
      await writeReportPage(broken, { ...page, slug: "warned", figures: [{ title: "warned", spec: warned, caption: "" }] }, { effects: quiet });
      await Bun.write(join(broken, "index.html"), '<a href="missing.html">gone</a><script>console.error("boom")</script>');
      const problems = (await checkReportPagesInBrowser(broken)).flatMap((result) => result.problems);
      expect(problems).toContain("figure 0 drew no marks");
      expect(problems.some((problem) => problem.startsWith("dead link to missing.html"))).toBe(true);
      expect(problems).toContain("console error: boom");
      expect(problems.some((problem) => problem.startsWith("console warning: WARN"))).toBe(true);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  }, BROWSER_TIMEOUT_MS);

  test("a missing Chromium is an error with the install hint", async () => {
    await expect(checkReportPagesInBrowser(dir, { executablePath: "/nonexistent/chromium" })).rejects.toThrow(MotherError);
    await expect(checkReportPagesInBrowser(dir, { executablePath: "/nonexistent/chromium" })).rejects.toThrow("help: apt-get install chromium");
  });
});

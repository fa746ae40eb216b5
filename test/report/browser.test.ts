import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { checkReportPagesInBrowser, type BrowserPageCheck } from "../../src/report/check-in-browser.ts";
import { writeReportPage } from "../../src/report/write-report-page.ts";
import { MotherError } from "../../src/errors.ts";
import { samplePages } from "./sample-pages.ts";

/** Chromium start plus a few pages takes seconds on 2 cores; the default 5 s is too tight under load. */
const BROWSER_TIMEOUT_MS = 30_000;
const quiet = { log: () => {}, now: () => new Date("2026-01-01T00:00:00Z") };
let dir: string;

// One folder, one Chromium launch (the slow part): good pages must come out clean,
// deliberately broken ones must each be caught.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-browser-"));
  const [tablePage, figuresPage] = samplePages();
  await writeReportPage(dir, tablePage!, { effects: quiet });
  await writeReportPage(dir, figuresPage!, { effects: quiet });
  await writeReportPage(dir, { ...tablePage!, slug: "static-only", title: "Static page" }, { interactive: false, effects: quiet });
  const scatter = figuresPage!.figures[0]!.spec;
  const empty = { ...scatter, data: { values: [] } } as TopLevelSpec;
  await writeReportPage(
    dir,
    { ...figuresPage!, slug: "broken-empty", figures: [{ title: "no data", spec: empty, caption: "" }] },
    { interactive: false, effects: quiet },
  );
  // xOffset on a continuous x is dropped: vega-lite warns in the browser console.
  const warned = { ...scatter, encoding: { xOffset: { field: "group", type: "nominal" } } } as TopLevelSpec;
  await writeReportPage(dir, { ...figuresPage!, slug: "broken-warned", figures: [{ title: "warned", spec: warned, caption: "" }] }, { effects: quiet });
  await Bun.write(join(dir, "broken-links.html"), '<body data-rendered="static"><a href="missing.html">gone</a><script>console.error("boom")</script>');
}, BROWSER_TIMEOUT_MS);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("report pages in headless Chromium", () => {
  let results: Map<string, BrowserPageCheck>;

  test(
    "every page in the folder is opened",
    async () => {
      // Fails (does not skip) when Chromium is missing: the MotherError carries "help: apt-get install chromium".
      results = new Map((await checkReportPagesInBrowser(dir)).map((result) => [result.file.split("/").at(-1)!, result]));
      expect([...results.keys()]).toEqual([
        "broken-empty.html",
        "broken-links.html",
        "broken-warned.html",
        "figure-2-3.html",
        "index.html",
        "static-only.html",
        "table-1.html",
      ]);
    },
    BROWSER_TIMEOUT_MS,
  );

  test("good pages: every chart draws marks and renders live, with no console error or warning", () => {
    for (const name of ["figure-2-3.html", "index.html", "static-only.html", "table-1.html"]) {
      expect({ name, problems: results.get(name)!.problems }).toEqual({ name, problems: [] });
      for (const marks of results.get(name)!.marksPerFigure) expect(marks).toBeGreaterThan(0);
    }
    expect(results.get("table-1.html")!.liveFigures).toBe(2);
    expect(results.get("figure-2-3.html")!.liveFigures).toBe(4);
    expect(results.get("static-only.html")!).toMatchObject({ figures: 2, liveFigures: 0 });
  });

  test("broken pages: a blank chart, a vega-lite warning, a dead link and a console error are each reported", () => {
    expect(results.get("broken-empty.html")!.problems).toEqual(["figure 0 drew no marks"]);
    expect(results.get("broken-warned.html")!.problems.join("\n")).toMatch(/^console warning: WARN .*xOffset/);
    expect(results.get("broken-links.html")!.problems).toEqual(["console error: boom", "dead link to missing.html"]);
  });

  test("a missing Chromium is an error with the install hint", async () => {
    const attempt = checkReportPagesInBrowser(dir, { executablePath: "/nonexistent/chromium" });
    await expect(attempt).rejects.toThrow(MotherError);
    await expect(attempt).rejects.toThrow("help: apt-get install chromium");
  });
});

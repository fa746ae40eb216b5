import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import type { ConsoleMessage, Page, Request } from "playwright-core";
import { chromiumMissing } from "../messages.ts";

/** What a real browser saw on one report page. */
export interface BrowserPageCheck {
  readonly file: string;
  /** Figures on the page (elements with data-spec). */
  readonly figures: number;
  /** Figures whose static SVG was replaced by a live vega view. */
  readonly liveFigures: number;
  /** Drawn mark elements (paths, symbols, text inside vega's role-mark groups) per figure. */
  readonly marksPerFigure: readonly number[];
  /** Everything wrong: console errors, page errors, failed loads, blank figures, dead links. Empty = good. */
  readonly problems: readonly string[];
}

/** Debian's chromium; CI installs it (.ci/run). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet, offline, sandbox-free headless run inside a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Opens every .html file in `dir` in headless Chromium from file:// and reports, per page,
 * whether each chart drew marks, whether interactive pages finished live rendering, any
 * console error, uncaught exception or failed request, and (for any page) links to local
 * files that do not exist. Throws a MotherError with a help: hint when Chromium is missing,
 * so a test using it fails rather than skips.
 */
export async function checkReportPagesInBrowser(dir: string, options: { executablePath?: string; timeoutMs?: number } = {}): Promise<BrowserPageCheck[]> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw chromiumMissing(executablePath);
  }
  const files = (await readdir(dir))
    .filter((name) => name.endsWith(".html"))
    .sort()
    .map((name) => resolve(dir, name));
  // Loaded on demand: playwright-core takes ~0.5 s to import, and only tests need it.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    // One tab for all pages: opening a tab costs ~0.5 s, navigating ~0.1 s plus the page's own work.
    const page = await browser.newPage();
    const results: BrowserPageCheck[] = [];
    for (const file of files) results.push(await checkPage(page, file, options.timeoutMs ?? 15_000));
    return results;
  } finally {
    await browser.close();
  }
}

async function checkPage(page: Page, file: string, timeoutMs: number): Promise<BrowserPageCheck> {
  const problems: string[] = [];
  // vega and vega-lite report dropped encodings and bad data as console warnings; a clean page has none.
  const onConsole = (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
  };
  const onPageError = (error: Error) => problems.push(`uncaught: ${error.message}`);
  const onRequestFailed = (request: Request) => problems.push(`failed to load ${request.url()}: ${request.failure()?.errorText ?? "?"}`);
  page.on("console", onConsole);
  page.on("pageerror", onPageError);
  page.on("requestfailed", onRequestFailed);
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: timeoutMs });
    const state = await page
      .waitForFunction(() => document.body.dataset.rendered !== "pending", undefined, { timeout: timeoutMs })
      .then(() => page.evaluate(() => document.body.dataset.rendered ?? "missing"))
      .catch(() => "timed out");
    if (state !== "done" && state !== "static") problems.push(`live rendering ${state}`);
    const seen = await page.evaluate(() => {
      const holders = [...document.querySelectorAll<HTMLElement>("[data-spec]")];
      return {
        marks: holders.map((holder) => holder.querySelectorAll("svg g.role-mark:not(.mark-group) > *").length),
        live: holders.filter((holder) => holder.dataset.live === "true").length,
        links: [...document.querySelectorAll<HTMLAnchorElement>("a[href]")].map((anchor) => anchor.href),
      };
    });
    seen.marks.forEach((count, index) => {
      if (count === 0) problems.push(`figure ${index} drew no marks`);
    });
    if (state === "done" && seen.live !== seen.marks.length) problems.push(`${seen.marks.length - seen.live} figure(s) not rendered live`);
    for (const link of seen.links) {
      if (!link.startsWith("file:")) continue;
      const target = fileURLToPath(link.split("#")[0]!);
      if (!existsSync(target)) problems.push(`dead link to ${target.replace(`${dirname(file)}/`, "")}`);
    }
    return { file, figures: seen.marks.length, liveFigures: seen.live, marksPerFigure: seen.marks, problems };
  } finally {
    page.off("console", onConsole);
    page.off("pageerror", onPageError);
    page.off("requestfailed", onRequestFailed);
  }
}

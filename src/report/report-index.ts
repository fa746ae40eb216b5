import { mkdir, readFile, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { escapeHtml, REPORT_CSS } from "./html.ts";
import { reportManifestUnreadable } from "../messages.ts";

/** One line of the index, as stored in reports/manifest.json. */
export interface ReportIndexEntry {
  readonly slug: string;
  readonly title: string;
  /** One line: what the page shows. */
  readonly summary: string;
  /** ISO time the page was last written. */
  readonly updatedAt: string;
}

/** Contents of reports/manifest.json: every page any experiment has written, by slug. */
export interface ReportManifest {
  readonly pages: readonly ReportIndexEntry[];
}

/** Writes `<dir>/index.html` (atomically) linking every page, sorted by title, each with its summary. */
export async function writeReportIndex(dir: string, pages: readonly ReportIndexEntry[]): Promise<string> {
  const sorted = [...pages].sort((a, b) => a.title.localeCompare(b.title));
  const html = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>mother — experiment reports</title>",
    `<style>${REPORT_CSS}</style>`,
    '</head><body data-rendered="static">',
    "<h1>Experiment reports</h1>",
    "<p>Each page regenerates a table or figure of the MoTHer paper from this repository's own runs, with the paper's numbers beside ours.</p>",
    "<ul>",
    ...sorted.map(
      (page) =>
        `<li><a href="${escapeHtml(page.slug)}.html">${escapeHtml(page.title)}</a> — ${escapeHtml(page.summary)} ` +
        `<small>(${escapeHtml(page.updatedAt.slice(0, 16).replace("T", " "))})</small></li>`,
    ),
    "</ul>",
    "</body></html>",
    "",
  ].join("\n");
  const path = join(dir, "index.html");
  await writeFileAtomic(path, html);
  return path;
}

/** Reads `<dir>/manifest.json`; an absent manifest is an empty one. */
export async function readReportManifest(dir: string): Promise<ReportManifest> {
  const path = join(dir, "manifest.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { pages: [] };
  }
  try {
    const parsed = JSON.parse(text) as ReportManifest;
    if (!Array.isArray(parsed.pages)) throw new Error("no pages array");
    return parsed;
  } catch (error) {
    throw reportManifestUnreadable(path, (error as Error).message);
  }
}

/**
 * Adds or replaces one page in the manifest and rebuilds the index from it. Separate
 * experiments may finish at once, so the read-modify-write runs under a lock folder.
 */
export async function addToReportIndex(dir: string, entry: ReportIndexEntry): Promise<void> {
  await mkdir(dir, { recursive: true });
  await withLockFolder(join(dir, ".manifest.lock"), async () => {
    const manifest = await readReportManifest(dir);
    const pages = [...manifest.pages.filter((page) => page.slug !== entry.slug), entry].sort((a, b) => a.slug.localeCompare(b.slug));
    await writeFileAtomic(join(dir, "manifest.json"), `${JSON.stringify({ pages }, null, 1)}\n`);
    await writeReportIndex(dir, pages);
  });
}

/** mkdir is atomic, so whoever creates the folder holds the lock; a lock older than `staleMs` is taken over. */
async function withLockFolder<T>(lock: string, work: () => Promise<T>, staleMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (Date.now() - started > staleMs) {
        await rmdir(lock).catch(() => {});
        continue;
      }
      await Bun.sleep(20);
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(lock).catch(() => {});
  }
}

import { join } from "node:path";
import { formatBytes } from "../ui/format-units.ts";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { renderReportPageHtml } from "./page-html.ts";
import { renderSvg } from "./render-svg.ts";
import type { ReportPage } from "./report-page.ts";
import { addToReportIndex } from "./report-index.ts";
import { assert } from "../errors.ts";

/** Side effects of writing reports; tests pass a recorder and a fixed clock. */
export interface ReportEffects {
  log(line: string): void;
  now(): Date;
}

/** Logs to stderr, dates with the wall clock. */
export const consoleReportEffects: ReportEffects = {
  log: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
};

/**
 * Writes `<dir>/<slug>.html` (atomically) and adds the page to `<dir>/manifest.json` and
 * `<dir>/index.html`:
 *   1. render every figure to SVG headless (renderSvg), logging vega-lite's warnings
 *   2. assemble the self-contained HTML (renderReportPageHtml)
 *   3. write it via a temp file + rename
 *   4. upsert the page in the manifest and rebuild the index
 * Returns the page's path.
 */
export async function writeReportPage(dir: string, page: ReportPage, options: { interactive?: boolean; effects?: ReportEffects } = {}): Promise<string> {
  const effects = options.effects ?? consoleReportEffects;
  assert(/^[a-z0-9][a-z0-9-]*$/.test(page.slug), `report slug ${JSON.stringify(page.slug)}: must be lower-case letters, digits and dashes (it names a file)`);
  const svgs: string[] = [];
  for (const figure of page.figures) {
    svgs.push(await renderSvg(figure.spec, (warning) => effects.log(`[report] ${page.slug}: figure "${figure.title}": ${warning}`)));
  }
  const generatedAt = effects.now();
  const html = renderReportPageHtml(page, svgs, { interactive: options.interactive ?? true, generatedAt });
  const path = join(dir, `${page.slug}.html`);
  await writeFileAtomic(path, html);
  await addToReportIndex(dir, {
    slug: page.slug,
    title: page.title,
    summary: page.summary ?? firstSentence(page.description),
    updatedAt: generatedAt.toISOString(),
  });
  effects.log(`[report] ${path} ${formatBytes(Buffer.byteLength(html))}, ${page.figures.length} figure(s)`);
  return path;
}

function firstSentence(text: string): string {
  const match = /^.*?[.!?](\s|$)/s.exec(text);
  return (match ? match[0] : text).trim();
}

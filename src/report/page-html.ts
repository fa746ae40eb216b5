import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { formatColumn } from "./format-cell.ts";
import { escapeHtml, jsonForScript, prefixSvgIds, REPORT_CSS } from "./html.ts";
import type { ReportPage, ReportTable } from "./report-page.ts";

/** How a page is assembled. */
export interface PageHtmlOptions {
  /** Inline vega + vega-lite (≈ 760 KB) so charts re-render live with tooltips; the static SVG shows either way. */
  readonly interactive: boolean;
  /** Shown in the footer. */
  readonly generatedAt: Date;
}

/**
 * The HTML of one self-contained report page (opens from file://, no server, no network):
 *   1. title, description, our numbers beside the paper's
 *   2. per figure: the pre-rendered SVG inline, the caption, and the Vega-Lite spec with its
 *      data as JSON in a <script type="application/json"> (the source of truth)
 *   3. the tables
 *   4. when interactive: vega and vega-lite inlined, and a small script that compiles each
 *      spec and swaps the static SVG for a live view; <body data-rendered> goes from
 *      "pending" to "done" (or "failed"), which the browser check waits for.
 */
export function renderReportPageHtml(page: ReportPage, svgs: readonly string[], options: PageHtmlOptions): string {
  const parts: string[] = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    `</head><body data-rendered="${options.interactive ? "pending" : "static"}">`,
    '<nav><a href="index.html">← all reports</a></nav>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    `<p>${escapeHtml(page.description)}</p>`,
  ];
  if (page.paperComparison) {
    const { source, rows } = page.paperComparison;
    parts.push(
      tableHtml({
        title: `Ours vs paper (${source})`,
        columns: ["quantity", "ours", "paper", "note"],
        rows: rows.map((row) => [row.quantity, row.ours, row.paper, row.note ?? ""]),
      }),
    );
  }
  page.figures.forEach((figure, index) => {
    parts.push(
      `<figure id="figure-${index}">`,
      `<h2>${escapeHtml(figure.title)}</h2>`,
      `<div class="view" data-spec="spec-${index}">${prefixSvgIds(svgs[index] ?? "", `f${index}-`)}</div>`,
      `<figcaption>${escapeHtml(figure.caption)}</figcaption>`,
      `<script type="application/json" id="spec-${index}">${jsonForScript(figure.spec)}</script>`,
      "</figure>",
    );
  });
  for (const table of page.tables ?? []) parts.push(tableHtml(table));
  parts.push(
    `<footer>Generated ${escapeHtml(options.generatedAt.toISOString())} from saved artefacts. Each chart's Vega-Lite spec and data ` +
      `are embedded in this file.</footer>`,
  );
  if (options.interactive) {
    const { vega, vegaLite } = vendorScripts();
    parts.push(`<script>${vega}</script>`, `<script>${vegaLite}</script>`, `<script>${LIVE_RENDER_SCRIPT}</script>`);
  }
  parts.push("</body></html>", "");
  return parts.join("\n");
}

function tableHtml(table: ReportTable): string {
  const columns = table.columns.map((_, index) => formatColumn(table.rows.map((row) => row[index] ?? null)));
  const cellHtml = (rowIndex: number, columnIndex: number) => {
    const numeric = typeof table.rows[rowIndex]![columnIndex] === "number";
    return `<td${numeric ? ' class="number"' : ""}>${escapeHtml(columns[columnIndex]![rowIndex]!)}</td>`;
  };
  return [
    `<h2>${escapeHtml(table.title)}</h2>`,
    "<table>",
    `<thead><tr>${table.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...table.rows.map((_, rowIndex) => `<tr>${table.columns.map((__, columnIndex) => cellHtml(rowIndex, columnIndex)).join("")}</tr>`),
    "</tbody></table>",
    table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : "",
  ].join("\n");
}

/** Runs in the page: live views replace the static SVGs; errors go to the console (the browser check fails on them). */
const LIVE_RENDER_SCRIPT = `
(async () => {
  for (const holder of document.querySelectorAll("[data-spec]")) {
    const spec = JSON.parse(document.getElementById(holder.dataset.spec).textContent);
    const target = document.createElement("div");
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg", container: target, hover: true });
    await view.runAsync();
    holder.replaceChildren(target);
    holder.dataset.live = "true";
  }
  document.body.dataset.rendered = "done";
})().catch((error) => {
  document.body.dataset.rendered = "failed";
  console.error("report: live rendering failed:", error);
});
`.trim();

let vendorCache: { vega: string; vegaLite: string } | undefined;

/** The minified UMD builds shipped in node_modules (vega ≈ 510 KB, vega-lite ≈ 250 KB), read once. */
function vendorScripts(): { vega: string; vegaLite: string } {
  if (!vendorCache) {
    // Neither package exports its build folder; their schema files are exported and sit beside the builds.
    const vegaBuild = dirname(Bun.resolveSync("vega/vega-schema.json", import.meta.dir));
    const vegaLiteBuild = dirname(Bun.resolveSync("vega-lite/vega-lite-schema.json", import.meta.dir));
    vendorCache = {
      vega: safeForScript(readFileSync(join(vegaBuild, "vega.min.js"), "utf8")),
      vegaLite: safeForScript(readFileSync(join(vegaLiteBuild, "vega-lite.min.js"), "utf8")),
    };
  }
  return vendorCache;
}

/** Inline script text must not contain "</script"; "<\/" means the same inside JS strings and regexes. */
function safeForScript(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1");
}

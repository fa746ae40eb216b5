/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/**
 * JSON safe inside a <script> element: "<" becomes \u003c (still valid JSON), so no string
 * in the data can close the element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * Prefixes every id in an SVG (and the url(#…)/href="#…" references to them) so several
 * inline SVGs on one page cannot share a clip-path or gradient id by accident.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}${id}"`);
}

/** Minimal shared CSS: readable width, system fonts, plain tables with right-aligned numbers. */
export const REPORT_CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
nav a, footer { color: #666; font-size: .85rem; }
figure { margin: 1rem 0 2rem; } figcaption { color: #444; max-width: 48rem; }
.view { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #666; font-size: .85rem; }
pre { font-size: .75rem; max-height: 20rem; overflow: auto; background: #f6f6f6; padding: .5rem; }
`.trim();

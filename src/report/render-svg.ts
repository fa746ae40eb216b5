import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { compileSpec } from "./compile-spec.ts";

/**
 * Renders a Vega-Lite spec to an SVG string, headless: vega's "none" renderer builds the
 * scenegraph and toSVG() serialises it. No canvas package is needed under Bun; text widths
 * are then estimated rather than measured, so labels may sit a few pixels off.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec).vega), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

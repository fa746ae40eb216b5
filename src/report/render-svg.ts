import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { compileSpec } from "./compile-spec.ts";

/**
 * Renders a Vega-Lite spec to an SVG string, headless: vega's "none" renderer builds the
 * scenegraph and toSVG() serialises it. No canvas package is needed under Bun; text widths
 * are then estimated rather than measured, so labels may sit a few pixels off. The spec is
 * not modified; vega-lite's warnings (a dropped encoding, say) go to `onWarning`.
 */
export async function renderSvg(spec: TopLevelSpec, onWarning: (warning: string) => void = () => {}): Promise<string> {
  // vega tags each datum object with an id symbol; compile a copy so the caller's spec stays clean.
  const compiled = compileSpec(structuredClone(spec));
  compiled.warnings.forEach(onWarning);
  const view = new vega.View(vega.parse(compiled.vega), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

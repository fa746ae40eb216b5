import * as vegaLite from "vega-lite";
import type { Spec as VegaSpec } from "vega";
import { bug } from "../errors.ts";

/** A Vega-Lite spec compiled to Vega, with every warning vega-lite raised on the way. */
export interface CompiledSpec {
  readonly vega: VegaSpec;
  /** vega-lite's warnings (e.g. a dropped encoding); a clean figure has none. */
  readonly warnings: readonly string[];
}

/**
 * Compiles a Vega-Lite spec to Vega, collecting warnings instead of printing them (vega-lite's
 * logger is swappable, so figure tests can require zero warnings). An error is rethrown as a
 * MotherError naming the figure.
 */
export function compileSpec(spec: vegaLite.TopLevelSpec, name = describe(spec)): CompiledSpec {
  const warnings: string[] = [];
  const collect = (...parts: unknown[]) => warnings.push(parts.map(String).join(" "));
  let level = 0;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...parts: unknown[]) {
      collect("error:", ...parts);
      return logger;
    },
    warn(...parts: unknown[]) {
      collect(...parts);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  try {
    const compiled = vegaLite.compile(spec, { logger: logger as unknown as NonNullable<Parameters<typeof vegaLite.compile>[1]>["logger"] });
    return { vega: compiled.spec, warnings };
  } catch (error) {
    bug(`${name}: Vega-Lite spec does not compile (${(error as Error).message})`); // our figure functions build every spec
  }
}

function describe(spec: vegaLite.TopLevelSpec): string {
  const title = spec.title;
  const text = typeof title === "string" ? title : Array.isArray(title) ? title.join(" ") : typeof title?.text === "string" ? title.text : undefined;
  return `figure "${text ?? "untitled"}"`;
}

import type { TopLevelSpec } from "vega-lite";

/** The marks of one vega mark type in a rendered SVG: the children of its role-mark groups. */
export function countMarks(svg: string, markType: string, element: string): number {
  let count = 0;
  for (const group of svg.matchAll(new RegExp(`<g class="mark-${markType} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs"))) {
    count += (group[1]!.match(new RegExp(`<${element}[ >]`, "g")) ?? []).length;
  }
  return count;
}

/** The rows a spec carries inline. */
export function embeddedValues(spec: TopLevelSpec): Record<string, unknown>[] {
  return (spec as { data: { values: Record<string, unknown>[] } }).data.values;
}

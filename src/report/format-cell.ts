/** A table cell: text, a number, or null for "not measured / not reported". */
export type Cell = string | number | null;

/**
 * How a number reads in every table, on the page and in the terminal alike: integers as
 * they are, other numbers with 3 decimals (accuracies, ρ), tiny or huge ones in exponent
 * form, null as "–" so a missing paper number never looks like a zero.
 */
export function formatCell(value: Cell): string {
  if (value === null) return "–";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "NaN";
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(2);
  return value.toFixed(3);
}

/**
 * Formats one column of a table so its numbers line up: when any number in the column has
 * a fraction (accuracies next to a perfect 1), every number gets 3 decimals ("1.000").
 */
export function formatColumn(values: readonly Cell[]): string[] {
  const fractional = values.some((value) => typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value));
  return values.map((value) =>
    fractional && typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 1e6 ? value.toFixed(3) : formatCell(value),
  );
}

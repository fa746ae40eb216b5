import { formatColumn, type Cell } from "./format-cell.ts";
import type { ReportPage } from "./report-page.ts";

/**
 * Prints a titled table of numbers with aligned columns (numbers right-aligned), the same
 * numbers a report page shows, so a terminal run states its results without opening HTML.
 */
export function printTable(
  title: string,
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  for (const line of formatTable(title, columns, rows)) write(line);
}

/** The lines printTable writes: title, header, rule, one line per row. */
export function formatTable(title: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const formattedColumns = columns.map((_, index) => formatColumn(rows.map((row) => row[index] ?? null)));
  const text = rows.map((_, rowIndex) => formattedColumns.map((column) => column[rowIndex]!));
  const numeric = columns.map((_, index) => rows.length > 0 && rows.every((row) => typeof row[index] === "number" || row[index] === null));
  const widths = columns.map((column, index) => Math.max(column.length, ...text.map((row) => row[index]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join("  ")
      .trimEnd();
  return [title, line(columns), widths.map((width) => "-".repeat(width)).join("  "), ...text.map(line)];
}

/** Prints a report page's paper comparison and tables, in page order. */
export function printReportPage(page: ReportPage, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  write(`== ${page.title}`);
  if (page.paperComparison) {
    const { source, rows } = page.paperComparison;
    printTable(
      `Ours vs paper (${source})`,
      ["quantity", "ours", "paper", "note"],
      rows.map((row) => [row.quantity, row.ours, row.paper, row.note ?? ""]),
      write,
    );
    write("");
  }
  for (const table of page.tables ?? []) {
    printTable(table.title, table.columns, table.rows, write);
    if (table.note) write(`note: ${table.note}`);
    write("");
  }
}

import type { TopLevelSpec } from "vega-lite";
import type { Cell } from "./format-cell.ts";

/** One chart of a report page; the spec carries its data inline (`data.values`). */
export interface ReportFigure {
  readonly title: string;
  readonly spec: TopLevelSpec;
  /** What to see in it, and how it maps to the paper's figure. */
  readonly caption: string;
}

/** A table of numbers shown on the page and printed to the terminal. */
export interface ReportTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  readonly note?: string;
}

/** Our measured numbers beside the paper's, one row per quantity. */
export interface PaperComparison {
  /** Where the paper's numbers come from, e.g. "Table 1" or "§6.1". */
  readonly source: string;
  readonly rows: readonly { quantity: string; ours: Cell; paper: Cell; note?: string }[];
}

/** Everything a report page shows; built only from saved artefacts. */
export interface ReportPage {
  /** File name stem: reports/<slug>.html; lower-case letters, digits, dashes. */
  readonly slug: string;
  readonly title: string;
  /** A paragraph: what was run and how to read the page. */
  readonly description: string;
  /** One line for the index; defaults to the description's first sentence. */
  readonly summary?: string;
  readonly figures: readonly ReportFigure[];
  readonly tables?: readonly ReportTable[];
  readonly paperComparison?: PaperComparison;
}

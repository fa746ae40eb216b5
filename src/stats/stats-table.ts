/**
 * Per-layer statistics of many models as one Apache Arrow table, the artefact that experiments
 * and reports read (SPEC §1: "stores per-layer statistics as Apache Arrow tables"):
 *
 *   model (dictionary utf8) | layer (dictionary utf8) | kind (dictionary utf8) | shape ("768x768")
 *   | count | mean | variance | skewness | kurtosis | min | max | entropy   (f64)
 *
 * Numbers are appended into growing Float64Arrays (no row objects on the hot path) and handed
 * to Arrow as typed-array columns. Files are Arrow IPC *file* format, written atomically.
 */
import { readFile } from "node:fs/promises";
import { tableFromArrays, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { statsTableMissingColumn, statsTableUnreadable } from "../messages.ts";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import type { LayerKind, LayerStats } from "../types.ts";
import { STAT_COLUMNS } from "./stat-columns.ts";

/** One layer of one model, as read back from a table. */
export interface LayerStatsRow {
  readonly model: string;
  /** Parameter name, e.g. `vit.encoder.layer.0.attention.attention.query.weight`. */
  readonly layer: string;
  readonly kind: LayerKind;
  readonly shape: readonly number[];
  readonly stats: LayerStats;
}

/** Accumulates rows column by column; `finish()` makes the Arrow table. */
export class StatsTableBuilder {
  private readonly models: string[] = [];
  private readonly layers: string[] = [];
  private readonly kinds: LayerKind[] = [];
  private readonly shapes: string[] = [];
  private numbers: Float64Array[] = STAT_COLUMNS.map(() => new Float64Array(64));
  private rows = 0;

  /** Appends the statistics of `layer` of `model`. */
  append(model: string, layer: string, kind: LayerKind, shape: readonly number[], stats: LayerStats): void {
    if (this.rows === this.numbers[0]!.length) {
      this.numbers = this.numbers.map((column) => {
        const grown = new Float64Array(column.length * 2);
        grown.set(column);
        return grown;
      });
    }
    this.models.push(model);
    this.layers.push(layer);
    this.kinds.push(kind);
    this.shapes.push(shape.join("x"));
    STAT_COLUMNS.forEach((name, c) => (this.numbers[c]![this.rows] = stats[name]));
    this.rows++;
  }

  /** The table of everything appended so far. */
  finish(): Table {
    const columns: Record<string, Float64Array> = {};
    STAT_COLUMNS.forEach((name, c) => (columns[name] = this.numbers[c]!.slice(0, this.rows)));
    return tableFromArrays({ model: this.models, layer: this.layers, kind: this.kinds, shape: this.shapes, ...columns });
  }
}

/** Builds the statistics table from rows (convenience over StatsTableBuilder). */
export function statsToArrow(rows: Iterable<LayerStatsRow>): Table {
  const builder = new StatsTableBuilder();
  for (const row of rows) builder.append(row.model, row.layer, row.kind, row.shape, row.stats);
  return builder.finish();
}

/** Rows of a statistics table (for lookups; analysis should use the columns directly). */
export function statsFromArrow(table: Table): LayerStatsRow[] {
  const text = (name: string) => {
    const column = table.getChild(name);
    if (!column) throw statsTableMissingColumn(name);
    return column.toArray() as unknown as string[];
  };
  const models = text("model");
  const layers = text("layer");
  const kinds = text("kind") as LayerKind[];
  const shapes = text("shape");
  const numbers = STAT_COLUMNS.map((name) => {
    const column = table.getChild(name);
    if (!column) throw statsTableMissingColumn(name);
    return column.toArray() as Float64Array;
  });
  return Array.from({ length: table.numRows }, (_, r) => {
    const stats = Object.fromEntries(STAT_COLUMNS.map((name, c) => [name, numbers[c]![r]!])) as unknown as LayerStats;
    const shape = shapes[r]!;
    return { model: models[r]!, layer: layers[r]!, kind: kinds[r]!, shape: shape === "" ? [] : shape.split("x").map(Number), stats };
  });
}

/** Writes `table` as an Arrow IPC file, atomically (temp file + rename). */
export async function writeStatsTable(file: string, table: Table, write = writeFileAtomic): Promise<void> {
  await write(file, tableToIPC(table, "file"));
}

/** Reads an Arrow IPC file written by writeStatsTable; a corrupt file is a MotherError naming it. */
export async function readStatsTable(file: string): Promise<Table> {
  const bytes = await readFile(file);
  try {
    return tableFromIPC(bytes);
  } catch (error) {
    throw statsTableUnreadable(file, error instanceof Error ? error.message : String(error));
  }
}

import { describe, expect, test } from "bun:test";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { layerStats } from "../../src/stats/layer-stats.ts";
import { readStatsTable, statsFromArrow, statsToArrow, StatsTableBuilder, writeStatsTable, type LayerStatsRow } from "../../src/stats/stats-table.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const folder = temporaryFolder("mother-stats-table-");

const rows: LayerStatsRow[] = [
  {
    model: "root",
    layer: "encoder.layer.0.attention.query.weight",
    kind: "query",
    shape: [4, 3],
    stats: layerStats(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 30)),
  },
  { model: "root", layer: "encoder.layer.0.attention.value.weight", kind: "value", shape: [2, 2], stats: layerStats(Float32Array.of(0, 0, 0, 1)) },
  { model: "child", layer: "encoder.layer.0.attention.query.weight", kind: "query", shape: [4, 3], stats: layerStats(Float32Array.of(1, 1, 1, 1)) },
];

describe("stats table", () => {
  test("has the documented columns and types", () => {
    const table = statsToArrow(rows);
    expect(table.numRows).toBe(3);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      model: "Dictionary<Int32, Utf8>",
      layer: "Dictionary<Int32, Utf8>",
      kind: "Dictionary<Int32, Utf8>",
      shape: "Dictionary<Int32, Utf8>",
      count: "Float64",
      mean: "Float64",
      variance: "Float64",
      skewness: "Float64",
      kurtosis: "Float64",
      min: "Float64",
      max: "Float64",
      entropy: "Float64",
    });
    expect(Array.from(table.getChild("shape")!.toArray() as unknown as string[])).toEqual(["4x3", "2x2", "4x3"]);
    expect(table.getChild("kurtosis")!.toArray()).toBeInstanceOf(Float64Array);
  });

  test("round-trips through an Arrow IPC file exactly", async () => {
    const file = join(folder, "stats.arrow");
    await writeStatsTable(file, statsToArrow(rows));
    expect(statsFromArrow(await readStatsTable(file))).toEqual(rows);
    expect((await readdir(folder)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test("the builder grows past its initial capacity", () => {
    const builder = new StatsTableBuilder();
    const stats = layerStats(Float32Array.of(1, 2, 3));
    for (let i = 0; i < 200; i++) builder.append(`m${i % 7}`, `layer${i}`, "other", [3], stats);
    const table = builder.finish();
    expect(table.numRows).toBe(200);
    expect(statsFromArrow(table)[199]).toEqual({ model: "m3", layer: "layer199", kind: "other", shape: [3], stats });
  });

  test("a corrupt table file is an error naming the file", async () => {
    const file = join(folder, "corrupt.arrow");
    await writeFile(file, "ARROW1 but not really");
    await expect(readStatsTable(file)).rejects.toThrow(/corrupt\.arrow: not a readable Arrow statistics table/);
  });
});

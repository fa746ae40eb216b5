/** Messages of the statistics (src/stats/): a layer that cannot be summarised, a statistics table that cannot be read. */
import { MotherError } from "../errors.ts";

/** A layer holding NaN or ±Inf: its moments are undefined, and the checkpoint is corrupt or overflowed. */
export function layerNotFinite(): MotherError {
  return new MotherError("layerStats", "layer holds NaN or infinite values", { help: "the checkpoint is corrupt or overflowed" });
}

/** An Arrow statistics table without one of the columns writeStatsTable writes. */
export function statsTableMissingColumn(column: string): MotherError {
  return new MotherError("stats table", "missing column", { value: column });
}

/** A file that is not an Arrow IPC statistics table (`reason`: what Arrow said). */
export function statsTableUnreadable(file: string, reason: string): MotherError {
  return new MotherError(file, "not a readable Arrow statistics table", { value: reason, help: "delete it to recompute" });
}

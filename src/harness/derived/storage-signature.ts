/**
 * Storage evidence that a checkpoint is a derived copy rather than a trained model: trained
 * weights almost never sit exactly on a per-row quantisation grid or hold many exact zeros.
 * Measured over a model's 2-D matrices; the experiment uses it to test whether recovery
 * could recognise copies before building the tree. Recovery's own rule is in
 * src/recover/storage-twins.ts; the grid test is shared (src/stats/quantisation-grid.ts).
 */
import { onGrid } from "../../stats/quantisation-grid.ts";

/** What one model's matrices look like. */
export interface StorageSignature {
  /** Fraction of matrix entries that are exactly 0. */
  readonly zeroFraction: number;
  /** Fraction of rows whose values all lie on the symmetric int8 grid k · max|row| / 127. */
  readonly int8GridRows: number;
  /** Fraction of rows whose values all lie on the 16-level grid min + k · (max − min) / 15. */
  readonly int4GridRows: number;
  /** Fraction of matrices stored as F16. */
  readonly f16Matrices: number;
}

/** Accumulates the signature matrix by matrix. */
export class StorageSignatureBuilder {
  private entries = 0;
  private zeros = 0;
  private rows = 0;
  private int8Rows = 0;
  private int4Rows = 0;
  private matrices = 0;
  private f16 = 0;

  /** Adds one `rows × columns` row-major matrix, stored as F16 or not. */
  add(values: Float32Array | Float64Array, columns: number, storedAsF16: boolean): void {
    this.matrices++;
    if (storedAsF16) this.f16++;
    for (let start = 0; start < values.length; start += columns) {
      const row = values.subarray(start, start + columns);
      let maxAbs = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const v of row) {
        if (v === 0) this.zeros++;
        maxAbs = Math.max(maxAbs, Math.abs(v));
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      this.entries += row.length;
      this.rows++;
      if (onGrid(row, 0, maxAbs / 127)) this.int8Rows++;
      if (onGrid(row, min, (max - min) / 15)) this.int4Rows++;
    }
  }

  finish(): StorageSignature {
    const share = (a: number, b: number) => (b === 0 ? 0 : a / b);
    return {
      zeroFraction: share(this.zeros, this.entries),
      int8GridRows: share(this.int8Rows, this.rows),
      int4GridRows: share(this.int4Rows, this.rows),
      f16Matrices: share(this.f16, this.matrices),
    };
  }
}

/** The kind a signature points to, or undefined for a model that looks trained. */
export function derivedKindOf(signature: StorageSignature): "int8" | "int4" | "fp16" | "pruned" | undefined {
  if (signature.int4GridRows >= 0.9) return "int4";
  if (signature.int8GridRows >= 0.9) return "int8";
  if (signature.zeroFraction >= 0.2) return "pruned";
  if (signature.f16Matrices >= 0.9) return "fp16";
  return undefined;
}

import { describe, expect, test } from "bun:test";
import { derivedKindOf, StorageSignatureBuilder } from "../../../src/harness/derived/storage-signature.ts";
import { magnitudePrune } from "../../../src/harness/derived/magnitude-prune.ts";
import { affineQuantiseRows, symmetricQuantiseRows } from "../../../src/harness/derived/quantise-rows.ts";

const COLUMNS = 64;
const TRAINED = new Float32Array(COLUMNS * 16).map((_, i) => Math.sin(i * 12.9898) * 0.05 + Math.cos(i * 4.1414) * 0.02);

function signatureOf(values: Float32Array | Float64Array, f16 = false) {
  const builder = new StorageSignatureBuilder();
  builder.add(Float32Array.from(values), COLUMNS, f16);
  return builder.finish();
}

describe("StorageSignatureBuilder and derivedKindOf", () => {
  test("trained-looking weights: no zeros, no row on either grid, no kind", () => {
    const s = signatureOf(TRAINED);
    expect(s).toEqual({ zeroFraction: 0, int8GridRows: 0, int4GridRows: 0, f16Matrices: 0 });
    expect(derivedKindOf(s)).toBeUndefined();
  });

  test("each derived kind is named from its own storage evidence, even after an F32 round trip", () => {
    expect(derivedKindOf(signatureOf(symmetricQuantiseRows(TRAINED, COLUMNS, 127)))).toBe("int8");
    expect(signatureOf(symmetricQuantiseRows(TRAINED, COLUMNS, 127)).int8GridRows).toBe(1);
    expect(derivedKindOf(signatureOf(affineQuantiseRows(TRAINED, COLUMNS, 16)))).toBe("int4");
    const pruned = signatureOf(magnitudePrune(TRAINED, 0.3));
    expect(pruned.zeroFraction).toBeCloseTo(0.3, 3);
    expect(derivedKindOf(pruned)).toBe("pruned");
    expect(derivedKindOf(signatureOf(TRAINED, true))).toBe("fp16");
  });
});

/**
 * FINGERPRINT_VERSION says what an index entry holds: `mother index` keeps an entry of this
 * version while its files are unchanged, without reading the model again. The layers a fingerprint
 * selects (names, kinds, shapes, roles) follow the layer classification (src/layers/classify-layer.ts)
 * and the default layer kinds, so a change there changes the fingerprints of the models it touches
 * while their old entries stay: a family indexed before and after such a change splits over two
 * architecture keys (two trees, silently). The selection over real checkpoints' names is pinned here
 * with its version: when this test fails, bump FINGERPRINT_VERSION and pin the new digest. (Names
 * added to real-parameter-names.ts move the digest too: re-pin without a bump when the code before
 * the change selected them alike.)
 */
import { describe, expect, test } from "bun:test";
import { FINGERPRINT_VERSION, fingerprintLayers } from "../../src/index/fingerprint.ts";
import type { ModelSource, TensorInfo } from "../../src/types.ts";
import * as real from "../layers/real-parameter-names.ts";

/** The selection pinned with its version (this test prints the digest when it fails). Version 3 selected 82f9e38819a8aefc on these names. */
const PINNED = { version: 4, selection: "bc12055da89336a3" };

/** Each real-name list as one model's tensors (names and shapes; the bytes are never read). */
function modelOf(id: string, parameters: readonly real.NamedParameter[]): ModelSource {
  const tensors: TensorInfo[] = parameters.map(([name, shape]) => ({ name, dtype: "F32", shape, file: `${id}.safetensors`, offset: 0, byteLength: 0 }));
  return { id, path: id, tensors };
}

describe("FINGERPRINT_VERSION", () => {
  test("names the layer selection it was computed with (a classification change bumps it)", () => {
    const lists = Object.entries(real).filter((entry): entry is [string, readonly real.NamedParameter[]] => Array.isArray(entry[1]));
    expect(lists.length).toBeGreaterThan(5);
    const selected = lists.map(([id, parameters]) => [id, fingerprintLayers(modelOf(id, parameters)).map(({ layer }) => layer)]);
    const selection = new Bun.CryptoHasher("sha256").update(JSON.stringify(selected)).digest("hex").slice(0, 16);
    expect({ version: FINGERPRINT_VERSION, selection }).toEqual(PINNED);
  });
});

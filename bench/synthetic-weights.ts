/** Weights for the reading benches (recover-read, recover-gguf, scale-set), from seeds. */
import { makeSignedUniform } from "../src/recover/seeded-random.ts";

/** Cheap deterministic noise: xorshift32 uniform in [-scale, scale). */
export function noise(count: number, seed: number, scale: number): Float32Array {
  return Float32Array.from(makeSignedUniform(count, seed), (x) => scale * x);
}

/** The weights of ViT block `block` with hidden size `hidden`: q, k, v, o (h×h) + MLP in/out (4h×h, h×4h) = 12 h² values. */
export function vitBlockShapes(block: number, hidden: number): [string, number[]][] {
  const prefix = `vit.encoder.layer.${block}`;
  return [
    [`${prefix}.attention.attention.query.weight`, [hidden, hidden]],
    [`${prefix}.attention.attention.key.weight`, [hidden, hidden]],
    [`${prefix}.attention.attention.value.weight`, [hidden, hidden]],
    [`${prefix}.attention.output.dense.weight`, [hidden, hidden]],
    [`${prefix}.intermediate.dense.weight`, [4 * hidden, hidden]],
    [`${prefix}.output.dense.weight`, [hidden, 4 * hidden]],
  ];
}

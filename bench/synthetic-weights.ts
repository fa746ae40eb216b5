/** Weights for the reading benches (recover-read, recover-gguf, scale-set), from seeds. */

/** Cheap deterministic noise: xorshift32 uniform in [-scale, scale). */
export function noise(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = scale * ((s / 4294967296) * 2 - 1);
  }
  return out;
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

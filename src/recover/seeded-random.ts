/**
 * Deterministic random draws for sketch operators. Recovery must give the same answer on
 * every run and machine, so the operators come from a fixed-seed generator (splitmix32),
 * never Math.random.
 */

/** A generator of uniforms in (0, 1) — never exactly 0, so log() is safe. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return (z + 0.5) / 4294967296;
  };
}

/** `count` uniforms in (0, 1). */
export function makeUniform(count: number, seed: number): Float64Array {
  const uniform = splitmix32(seed);
  return Float64Array.from({ length: count }, uniform);
}

/** `count` standard normals (Box–Muller). */
export function makeGaussian(count: number, seed: number): Float64Array {
  const uniform = splitmix32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** `count` uniforms in [−1, 1) from xorshift32 (seed 0 counts as 1): cheap starting blocks (subspace-alignment.ts) and bench weights. */
export function makeSignedUniform(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * SIMD kernels for the recovery pass (AssemblyScript → WebAssembly, built by
 * src/kernels/build-kernels.ts). They run over f32 weights that the reader put straight into
 * this module's memory; src/kernels/weight-kernels.ts is the typed TypeScript side.
 *
 * Two rules keep them fast on x86 and ARM alike:
 *   - several independent accumulators per loop, so a sum is bound by throughput, not by the
 *     latency of one add chain;
 *   - pmin/pmax (one instruction) instead of min/max (IEEE NaN rules, ~6 instructions): a NaN
 *     or ±Inf weight is caught by the power sums turning non-finite, not by the range.
 */

/** Horizontal sum of four f32 lanes, in f64. */
@inline function sumLanes(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

@inline function minLane(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function maxLane(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function addLanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Values per f32 partial sum in addPowerSums (8 per lane of each of two accumulator sets). */
const POWER_BLOCK = 64;

/** A chunk fed with an earlier chunk's scale is redone with its own when |y|·scale exceeds this (y⁴ stays ≤ 2⁹⁶). */
const LARGEST_SCALED = 16777216.0; // 2^24

/**
 * Adds the power sums of y = x − shift over `count` f32 values at `values` into the f64
 * accumulator at `out`: [Σy, Σy², Σy³, Σy⁴, min x, max x] (start it at 0, 0, 0, 0, +∞, −∞;
 * a layer is fed chunk by chunk; `shift` must be an f32 value). Returns the scale it used.
 *
 * Precision: y is multiplied by a power of two `scale` (exact); then y, y², y³, y⁴ are formed
 * in f32, summed in f32 over runs of 8 values per lane, and those partial sums are accumulated
 * in f64 and unscaled. Each term carries a relative rounding error ≤ 2⁻²² and each partial
 * ≤ 8·2⁻²⁴, unbiased, so the layer's moments agree with an all-f64 pass to ~1e-7 relative or
 * better (test/kernels/weight-kernels.test.ts) — at half the cost of f64x2 products.
 *
 * With `scale` = 0 the chunk's range is found first (a pass over the chunk) and sets the scale
 * so the largest scaled |y| is in [½, 1). A later chunk passes that scale back and is summed in
 * ONE pass: terms smaller than the first chunk's underflow only where they are negligible next
 * to it (below 2⁻¹²⁶ against ≥ 2⁻⁴), and if this chunk's scaled range exceeds LARGEST_SCALED
 * nothing is added and 0 is returned — the caller redoes the chunk with scale 0.
 * A NaN or ±Inf makes the sums non-finite.
 */
export function addPowerSums(values: usize, count: i32, shift: f64, scale: f64, out: usize): f64 {
  const vectors = count & ~3;
  let lo: f32 = Infinity;
  let hi: f32 = -Infinity;
  const derived = scale == 0;
  if (derived) {
    // Pass 1 (the chunk is in cache): the range, which sets the scale.
    let low = f32x4.splat(Infinity), high = f32x4.splat(-Infinity);
    for (let i = 0; i < vectors; i += 4) {
      const v = v128.load(values + (<usize>i << 2));
      low = f32x4.pmin(low, v);
      high = f32x4.pmax(high, v);
    }
    lo = minLane(low);
    hi = maxLane(high);
    for (let i = vectors; i < count; i++) {
      const x = load<f32>(values + (<usize>i << 2));
      lo = min(lo, x);
      hi = max(hi, x);
    }
    const deviation = max(<f64>hi - shift, shift - <f64>lo);
    // Every value equals the shift (all y = 0): only the range changes.
    if (deviation == 0) {
      storeRange(out, lo, hi);
      return 0;
    }
    // 2^−(e+1) where deviation = m·2^e, m ∈ [1, 2): scaled |y| < 1. A NaN or infinite deviation gives 0·∞ = NaN below.
    const exponent = <i64>((reinterpret<u64>(deviation) >> 52) & 0x7ff);
    scale = exponent >= 2046 ? 0.0 : reinterpret<f64>(<u64>(2045 - exponent) << 52);
  }
  const k = f32x4.splat(<f32>shift);
  const c = f32x4.splat(<f32>scale);

  // The power sums of the scaled deviations (and, with a given scale, the range on the way).
  let low = f32x4.splat(Infinity), high = f32x4.splat(-Infinity);
  let t1 = f64x2.splat(0), t2 = f64x2.splat(0), t3 = f64x2.splat(0), t4 = f64x2.splat(0);
  const blocked = count & ~(POWER_BLOCK - 1);
  for (let start = 0; start < blocked; start += POWER_BLOCK) {
    let a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
    let b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0), b4 = f32x4.splat(0);
    for (let i = start; i < start + POWER_BLOCK; i += 8) {
      const p = values + (<usize>i << 2);
      const v = v128.load(p);
      const w = v128.load(p, 16);
      if (!derived) {
        low = f32x4.pmin(low, f32x4.pmin(v, w));
        high = f32x4.pmax(high, f32x4.pmax(v, w));
      }
      const y = f32x4.mul(f32x4.sub(v, k), c);
      const z = f32x4.mul(f32x4.sub(w, k), c);
      const yy = f32x4.mul(y, y), zz = f32x4.mul(z, z);
      a1 = f32x4.add(a1, y); b1 = f32x4.add(b1, z);
      a2 = f32x4.add(a2, yy); b2 = f32x4.add(b2, zz);
      a3 = f32x4.add(a3, f32x4.mul(yy, y)); b3 = f32x4.add(b3, f32x4.mul(zz, z));
      a4 = f32x4.add(a4, f32x4.mul(yy, yy)); b4 = f32x4.add(b4, f32x4.mul(zz, zz));
    }
    t1 = f64x2.add(t1, widenSum(f32x4.add(a1, b1)));
    t2 = f64x2.add(t2, widenSum(f32x4.add(a2, b2)));
    t3 = f64x2.add(t3, widenSum(f32x4.add(a3, b3)));
    t4 = f64x2.add(t4, widenSum(f32x4.add(a4, b4)));
  }
  let s1 = addLanes(t1), s2 = addLanes(t2), s3 = addLanes(t3), s4 = addLanes(t4);
  if (!derived) {
    lo = minLane(low);
    hi = maxLane(high);
  }
  for (let i = blocked; i < count; i++) {
    const x = load<f32>(values + (<usize>i << 2));
    if (!derived) {
      lo = min(lo, x);
      hi = max(hi, x);
    }
    const y = <f64>(<f32>((x - <f32>shift) * <f32>scale));
    const yy = y * y;
    s1 += y;
    s2 += yy;
    s3 += yy * y;
    s4 += yy * yy;
  }
  // A given scale is only good while this chunk's scaled deviations stay in range.
  if (!derived && max(<f64>hi - shift, shift - <f64>lo) * scale > LARGEST_SCALED) return 0;
  storeRange(out, lo, hi);
  const unscale = 1 / scale;
  const unscale2 = unscale * unscale;
  store<f64>(out, load<f64>(out) + s1 * unscale);
  store<f64>(out, load<f64>(out, 8) + s2 * unscale2, 8);
  store<f64>(out, load<f64>(out, 16) + s3 * unscale2 * unscale, 16);
  store<f64>(out, load<f64>(out, 24) + s4 * unscale2 * unscale2, 24);
  return scale;
}

/** Folds a chunk's range into the accumulator's min and max. */
@inline function storeRange(out: usize, lo: f32, hi: f32): void {
  store<f64>(out, min(load<f64>(out, 32), <f64>lo), 32);
  store<f64>(out, max(load<f64>(out, 40), <f64>hi), 40);
}

/** The four f32 lanes of v summed pairwise into two f64 lanes. */
@inline function widenSum(v: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0)));
}

/** Values per run of f32 |Δ| sums before they are added into f64 (16 per accumulator lane). */
const RUN = 256;

/**
 * Folds max |a − b| and Σ|a − b| for every pair of `models` f32 arrays of `count` values into
 * the f64 accumulator at `out` (start it at 0): max at [i·n + j], sum at [n² + i·n + j], i < j;
 * `pointers` holds the arrays' addresses (u32 each). The arrays are walked in runs of RUN values
 * that stay in L1 while every pair reads them; a run's |Δ| sum is formed in f32 (≤ 16 adds per
 * lane, relative error ≲ 1e-6) and then added in f64.
 */
export function addPairwiseAbsoluteDifferences(pointers: usize, models: i32, count: i32, out: usize): void {
  const sums = out + (<usize>(models * models) << 3);
  const blocked = count & ~(RUN - 1);
  for (let start = 0; start < blocked; start += RUN) {
    const offset = <usize>start << 2;
    for (let i = 0; i < models; i++) {
      const a = <usize>load<u32>(pointers + (<usize>i << 2)) + offset;
      for (let j = i + 1; j < models; j++) {
        const b = <usize>load<u32>(pointers + (<usize>j << 2)) + offset;
        let m0 = f32x4.splat(0), m1 = f32x4.splat(0), m2 = f32x4.splat(0), m3 = f32x4.splat(0);
        let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
        for (let e: usize = 0; e < <usize>(RUN << 2); e += 64) {
          const d0 = f32x4.abs(f32x4.sub(v128.load(a + e), v128.load(b + e)));
          const d1 = f32x4.abs(f32x4.sub(v128.load(a + e, 16), v128.load(b + e, 16)));
          const d2 = f32x4.abs(f32x4.sub(v128.load(a + e, 32), v128.load(b + e, 32)));
          const d3 = f32x4.abs(f32x4.sub(v128.load(a + e, 48), v128.load(b + e, 48)));
          m0 = f32x4.pmax(m0, d0); m1 = f32x4.pmax(m1, d1); m2 = f32x4.pmax(m2, d2); m3 = f32x4.pmax(m3, d3);
          t0 = f32x4.add(t0, d0); t1 = f32x4.add(t1, d1); t2 = f32x4.add(t2, d2); t3 = f32x4.add(t3, d3);
        }
        const at = <usize>(i * models + j) << 3;
        store<f64>(out + at, max(load<f64>(out + at), <f64>maxLane(f32x4.pmax(f32x4.pmax(m0, m1), f32x4.pmax(m2, m3)))));
        store<f64>(sums + at, load<f64>(sums + at) + sumLanes(f32x4.add(f32x4.add(t0, t1), f32x4.add(t2, t3))));
      }
    }
  }
  for (let i = 0; i < models; i++) {
    const a = <usize>load<u32>(pointers + (<usize>i << 2));
    for (let j = i + 1; j < models; j++) {
      const b = <usize>load<u32>(pointers + (<usize>j << 2));
      const at = <usize>(i * models + j) << 3;
      let most = load<f64>(out + at);
      let total = load<f64>(sums + at);
      for (let e = blocked; e < count; e++) {
        const d = <f64>abs(load<f32>(a + (<usize>e << 2)) - load<f32>(b + (<usize>e << 2)));
        most = max(most, d);
        total += d;
      }
      store<f64>(out + at, most);
      store<f64>(sums + at, total);
    }
  }
}

/** Columns per tile of sketchRows: a tile of every bucket row (≤ ~170 × 2 KB) stays in L2. */
const SKETCH_TILE = 256;

/**
 * Left half of the two-sided sparse sketch, Ψᵀ W, in f64: for each row r of the rows × cols
 * f32 matrix W, and each of its `sparsity` (bucket, sign) pairs, out[bucket, :] += sign · W[r, :].
 * `out` (buckets × cols f64) accumulates; a matrix fed in row blocks passes each block's slice
 * of `buckets` and `signs`. The block is swept one column tile at a time, so the bucket rows'
 * tile stays in cache while every row of the block lands in it (with blocks of a few hundred
 * rows, each bucket row is hit several times per tile instead of streaming from memory).
 */
export function sketchRows(weights: usize, rows: i32, cols: i32, buckets: usize, signs: usize, sparsity: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  const outRowBytes = <usize>cols << 3;
  for (let tile = 0; tile < cols; tile += SKETCH_TILE) {
    const end = min(tile + SKETCH_TILE, cols);
    for (let r = 0; r < rows; r++) {
      const row = weights + <usize>r * rowBytes;
      for (let s = 0; s < sparsity; s++) {
        const pick = <usize>(r * sparsity + s);
        const target = out + <usize>load<i32>(buckets + (pick << 2)) * outRowBytes;
        const scalar = load<f64>(signs + (pick << 3));
        const sign = f64x2.splat(scalar);
        let c = tile;
        for (; c + 4 <= end; c += 4) {
          const v = v128.load(row + (<usize>c << 2));
          const at = target + (<usize>c << 3);
          v128.store(at, f64x2.add(v128.load(at), f64x2.mul(sign, f64x2.promote_low_f32x4(v))));
          v128.store(at, f64x2.add(v128.load(at, 16), f64x2.mul(sign, f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0)))), 16);
        }
        for (; c < end; c++) {
          const at = target + (<usize>c << 3);
          store<f64>(at, load<f64>(at) + scalar * <f64>load<f32>(row + (<usize>c << 2)));
        }
      }
    }
  }
}

/**
 * Right half of the sketch, (Ψᵀ W) Ω: for each row i of the rows × cols f64 matrix `left` and
 * each column c with its `sparsity` (bucket, sign) pairs, out[i, bucket] += sign · left[i, c].
 * `out` is rows × width f64, zeroed by the caller.
 */
export function sketchColumns(left: usize, rows: i32, cols: i32, buckets: usize, signs: usize, sparsity: i32, width: i32, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const source = left + (<usize>(i * cols) << 3);
    const target = out + (<usize>(i * width) << 3);
    for (let c = 0; c < cols; c++) {
      const value = load<f64>(source + (<usize>c << 3));
      for (let s = 0; s < sparsity; s++) {
        const pick = <usize>(c * sparsity + s);
        const at = target + (<usize>load<i32>(buckets + (pick << 2)) << 3);
        store<f64>(at, load<f64>(at) + load<f64>(signs + (pick << 3)) * value);
      }
    }
  }
}

/** out = a − b over `count` f64 values (ℓ_LoRA's pair differences of two sketches). */
export function subtractF64(a: usize, b: usize, count: i32, out: usize): void {
  let i = 0;
  for (; i + 2 <= count; i += 2) {
    const at = <usize>i << 3;
    v128.store(out + at, f64x2.sub(v128.load(a + at), v128.load(b + at)));
  }
  for (; i < count; i++) store<f64>(out + (<usize>i << 3), load<f64>(a + (<usize>i << 3)) - load<f64>(b + (<usize>i << 3)));
}

/**
 * Householder bidiagonalisation of the rows × cols (rows ≥ cols) row-major f64 matrix at
 * `matrix` (overwritten), writing the diagonal (cols f64) and superdiagonal (cols − 1 f64):
 * the same reflections, in the same order, as bidiagonalize in
 * src/distance/bidiagonal-singular-values.ts, with the row sweeps in f64x2 steps.
 * `reflector` (rows f64) and `projection` (cols f64) are scratch.
 */
export function bidiagonalize(matrix: usize, rows: i32, cols: i32, diagonal: usize, superdiagonal: usize, reflector: usize, projection: usize): void {
  const rowBytes = <usize>cols << 3;
  for (let k = 0; k < cols; k++) {
    // Left reflector: zero column k below the diagonal.
    let norm = 0.0;
    for (let i = k; i < rows; i++) {
      const x = load<f64>(matrix + <usize>i * rowBytes + (<usize>k << 3));
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    if (norm == 0) {
      store<f64>(diagonal + (<usize>k << 3), 0);
    } else {
      const head = load<f64>(matrix + <usize>k * rowBytes + (<usize>k << 3));
      const alpha = head > 0 ? -norm : norm;
      let vNorm2 = 0.0;
      for (let i = k; i < rows; i++) {
        const v = i == k ? head - alpha : load<f64>(matrix + <usize>i * rowBytes + (<usize>k << 3));
        store<f64>(reflector + (<usize>i << 3), v);
        vNorm2 += v * v;
      }
      store<f64>(diagonal + (<usize>k << 3), alpha);
      if (vNorm2 > 0) {
        const beta = 2 / vNorm2;
        for (let j = k + 1; j < cols; j++) store<f64>(projection + (<usize>j << 3), 0);
        // projection = vᵀ A[k:, k+1:]
        for (let i = k; i < rows; i++) {
          const v = load<f64>(reflector + (<usize>i << 3));
          axpy(projection, matrix + <usize>i * rowBytes, v, k + 1, cols);
        }
        // A[k:, k+1:] −= β v projectionᵀ
        for (let r = k; r < rows; r++) {
          const scale = beta * load<f64>(reflector + (<usize>r << 3));
          if (scale == 0) continue;
          axpy(matrix + <usize>r * rowBytes, projection, -scale, k + 1, cols);
        }
      }
    }
    if (k >= cols - 1) continue;

    // Right reflector: zero row k right of the superdiagonal.
    const rowK = matrix + <usize>k * rowBytes;
    norm = Math.sqrt(dot(rowK, rowK, k + 1, cols));
    if (norm == 0) {
      store<f64>(superdiagonal + (<usize>k << 3), 0);
      continue;
    }
    const head = load<f64>(rowK + (<usize>(k + 1) << 3));
    const alpha = head > 0 ? -norm : norm;
    for (let j = k + 1; j < cols; j++) store<f64>(reflector + (<usize>j << 3), j == k + 1 ? head - alpha : load<f64>(rowK + (<usize>j << 3)));
    const vNorm2 = dot(reflector, reflector, k + 1, cols);
    store<f64>(superdiagonal + (<usize>k << 3), alpha);
    if (vNorm2 == 0) continue;
    const beta = 2 / vNorm2;
    // A[k+1:, k+1:] ← A (I − β v vᵀ)
    for (let i = k + 1; i < rows; i++) {
      const row = matrix + <usize>i * rowBytes;
      axpy(row, reflector, -beta * dot(row, reflector, k + 1, cols), k + 1, cols);
    }
  }
}

/** Σ a[j]·b[j] for j in [from, to) over f64 arrays, two lanes at a time. */
function dot(a: usize, b: usize, from: i32, to: i32): f64 {
  let sum = f64x2.splat(0);
  let j = from;
  for (; j + 2 <= to; j += 2) sum = f64x2.add(sum, f64x2.mul(v128.load(a + (<usize>j << 3)), v128.load(b + (<usize>j << 3))));
  let total = addLanes(sum);
  for (; j < to; j++) total += load<f64>(a + (<usize>j << 3)) * load<f64>(b + (<usize>j << 3));
  return total;
}

/** y[j] += scale · x[j] for j in [from, to) over f64 arrays, two lanes at a time. */
function axpy(y: usize, x: usize, scale: f64, from: i32, to: i32): void {
  const s = f64x2.splat(scale);
  let j = from;
  for (; j + 2 <= to; j += 2) {
    const at = y + (<usize>j << 3);
    v128.store(at, f64x2.add(v128.load(at), f64x2.mul(s, v128.load(x + (<usize>j << 3)))));
  }
  for (; j < to; j++) {
    const at = y + (<usize>j << 3);
    store<f64>(at, load<f64>(at) + scale * load<f64>(x + (<usize>j << 3)));
  }
}

/**
 * bf16 → f32 for `count` values: a bf16 is the top half of an f32, so each is shifted into
 * place, eight per step. Exact, NaN and ±Inf included (the power sums catch those).
 */
export function widenBf16(source: usize, target: usize, count: i32): void {
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const halves = v128.load(source + (<usize>i << 1));
    const out = target + (<usize>i << 2);
    v128.store(out, i32x4.shl(i32x4.extend_low_i16x8_u(halves), 16));
    v128.store(out, i32x4.shl(i32x4.extend_high_i16x8_u(halves), 16), 16);
  }
  for (; i < count; i++) store<u32>(target + (<usize>i << 2), <u32>load<u16>(source + (<usize>i << 1)) << 16);
}

/**
 * f16 → f32 for `count` values, exactly: the magnitude bits moved into f32 position and
 * multiplied by 2^112 re-bias normal and subnormal values alike (the classic magic-multiply
 * conversion); the all-ones exponent (±Inf, NaN) is mapped to f32's, and the sign is copied.
 */
export function widenF16(source: usize, target: usize, count: i32): void {
  const magic = f32x4.splat(reinterpret<f32>(<u32>(127 + 112) << 23)); // 2^112
  const magnitudeMask = i32x4.splat(0x7fff);
  const infinityAbove = i32x4.splat(0x7bff); // largest finite f16 magnitude
  const infinityBits = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const halves = v128.load(source + (<usize>i << 1));
    const out = target + (<usize>i << 2);
    v128.store(out, widenF16Lanes(i32x4.extend_low_i16x8_u(halves), magic, magnitudeMask, infinityAbove, infinityBits));
    v128.store(out, widenF16Lanes(i32x4.extend_high_i16x8_u(halves), magic, magnitudeMask, infinityAbove, infinityBits), 16);
  }
  for (; i < count; i++) {
    const half = <u32>load<u16>(source + (<usize>i << 1));
    const magnitude = half & 0x7fff;
    let bits = reinterpret<u32>(reinterpret<f32>(magnitude << 13) * reinterpret<f32>(<u32>(127 + 112) << 23));
    if (magnitude > 0x7bff) bits = 0x7f800000 | ((magnitude & 0x3ff) << 13);
    store<u32>(target + (<usize>i << 2), bits | ((half & 0x8000) << 16));
  }
}

@inline function widenF16Lanes(half: v128, magic: v128, magnitudeMask: v128, infinityAbove: v128, infinityBits: v128): v128 {
  const magnitude = v128.and(half, magnitudeMask);
  const scaled = f32x4.mul(i32x4.shl(magnitude, 13), magic);
  // Inf/NaN: exponent all ones, mantissa carried over (so NaN stays NaN).
  const special = v128.or(infinityBits, i32x4.shl(v128.and(magnitude, i32x4.splat(0x3ff)), 13));
  const value = v128.bitselect(special, scaled, i32x4.gt_u(magnitude, infinityAbove));
  return v128.or(value, i32x4.shl(v128.and(half, i32x4.splat(0x8000)), 16));
}

/**
 * The scale searches of ggml's K-quant reference quantizers (ggml-quants.c): for a group of
 * values, the scale (and min) whose rounded levels fit the values best, trying a few candidate
 * scales around the naive one. Written from the reference's definitions, in f32 where it is.
 */

const f32 = Math.fround;

/** Candidate levels of one group (at most 32 values), reused call to call. */
const AUX = new Uint8Array(32);

/** Values this close to zero are an all-zero group (ggml's GROUP_MAX_EPS). */
const GROUP_MAX_EPS = 1e-15;

/** ggml's nearest_int: f32 rounded half to even. */
export function nearestInt(x: number): number {
  const value = f32(x);
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Levels 0..levels with a scale and a (non-positive) min for x[at, at + n), weighted least
 * squares (or absolute error with `useMad`) over nstep + 1 candidate scales; levels land in
 * L[to…]. Returns the scale and −min (ggml's make_qkx2_quants).
 */
export function makeQkx2Quants(
  n: number,
  levels: number,
  x: Float32Array,
  at: number,
  weights: Float32Array,
  L: Uint8Array,
  to: number,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad = false,
): { scale: number; min: number } {
  let min = x[at]!;
  let max = min;
  let sumW = weights[0]!;
  let sumX = f32(sumW * x[at]!);
  for (let i = 1; i < n; i++) {
    const v = x[at + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sumW = f32(sumW + weights[i]!);
    sumX = f32(sumX + f32(weights[i]! * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, to, to + n);
    return { scale: 0, min: -min };
  }
  const error = (scale: number, offset: number, levels: Uint8Array, from: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const diff = f32(f32(f32(scale * levels[from + i]!) + offset) - x[at + i]!);
      total = f32(total + f32(weights[i]! * (useMad ? Math.abs(diff) : f32(diff * diff))));
    }
    return total;
  };
  let iscale = f32(levels / f32(max - min));
  let scale = f32(1 / iscale);
  for (let i = 0; i < n; i++) L[to + i] = Math.max(0, Math.min(levels, nearestInt(f32(iscale * f32(x[at + i]! - min)))));
  let bestError = error(scale, min, L, to);
  const aux = AUX.subarray(0, n);
  for (let step = 0; step <= nstep; step++) {
    iscale = f32(f32(f32(rmin + f32(f32(rdelta) * step)) + levels) / f32(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(levels, nearestInt(f32(iscale * f32(x[at + i]! - min)))));
      aux[i] = l;
      const w = weights[i]!;
      sumL = f32(sumL + f32(w * l));
      sumL2 = f32(sumL2 + f32(f32(w * l) * l));
      sumXL = f32(sumXL + f32(f32(w * l) * x[at + i]!));
    }
    const D = f32(f32(sumW * sumL2) - f32(sumL * sumL));
    if (D > 0) {
      let thisScale = f32(f32(f32(sumW * sumXL) - f32(sumX * sumL)) / D);
      let thisMin = f32(f32(f32(sumL2 * sumX) - f32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f32(sumXL / sumL2);
      }
      const current = error(thisScale, thisMin, aux, 0);
      if (current < bestError) {
        L.set(aux, to);
        bestError = current;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

/** x[at…] and its largest-magnitude value (sign kept), for the symmetric searches. */
function signedMax(n: number, x: Float32Array, at: number): number {
  let [amax, max] = [0, 0];
  for (let i = 0; i < n; i++) {
    if (Math.abs(x[at + i]!) > amax) {
      amax = Math.abs(x[at + i]!);
      max = x[at + i]!;
    }
  }
  return amax < GROUP_MAX_EPS ? 0 : max;
}

/**
 * Signed levels −nmax..nmax−1 (stored + nmax in L[to…]) and a scale for x[at, at + n), weighted
 * by x² over 19 candidate scales (ggml's make_qx_quants with rmse_type 1, no importance weights).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, at: number, L: Int8Array, to: number): number {
  const max = signedMax(n, x, at);
  if (max === 0) {
    L.fill(0, to, to + n);
    return 0;
  }
  const fit = (iscale: number, store: boolean) => {
    let [sumLX, sumL2] = [0, 0];
    for (let i = 0; i < n; i++) {
      const v = x[at + i]!;
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * v))));
      if (store) L[to + i] = l + nmax;
      const w = f32(v * v);
      sumLX = f32(sumLX + f32(f32(w * v) * l));
      sumL2 = f32(sumL2 + f32(f32(w * l) * l));
    }
    return [sumLX, sumL2] as const;
  };
  const [sumLX, sumL2] = fit(f32(-nmax / max), true);
  let scale = sumL2 ? f32(sumLX / sumL2) : 0;
  let best = f32(scale * sumLX);
  for (let step = -9; step <= 9; step++) {
    if (step === 0) continue;
    const iscale = f32(-f32(nmax + f32(f32(0.1) * step)) / max);
    const [lx, l2] = fit(iscale, false);
    if (l2 > 0 && f32(lx * lx) > f32(best * l2)) {
      fit(iscale, true);
      scale = f32(lx / l2);
      best = f32(scale * lx);
    }
  }
  return scale;
}

/**
 * Signed levels −nmax..nmax−1 (stored + nmax) and a scale for x[at, at + n), refined one value
 * at a time for at most five rounds (ggml's make_q3_quants with do_rmse).
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, at: number, L: Int8Array, to: number): number {
  const max = signedMax(n, x, at);
  if (max === 0) {
    L.fill(0, to, to + n);
    return 0;
  }
  const iscale = f32(-nmax / max);
  let [sumLX, sumL2] = [0, 0];
  for (let i = 0; i < n; i++) {
    const v = x[at + i]!;
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * v))));
    L[to + i] = l;
    const w = f32(v * v);
    sumLX = f32(sumLX + f32(f32(w * v) * l));
    sumL2 = f32(sumL2 + f32(f32(w * l) * l));
  }
  for (let round = 0; round < 5; round++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const v = x[at + i]!;
      const w = f32(v * v);
      const li = L[to + i]!;
      let slx = f32(sumLX - f32(f32(w * v) * li));
      if (slx <= 0) continue;
      let sl2 = f32(sumL2 - f32(f32(w * li) * li));
      const next = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(f32(v * sl2) / slx))));
      if (next === li) continue;
      slx = f32(slx + f32(f32(w * v) * next));
      sl2 = f32(sl2 + f32(f32(w * next) * next));
      if (sl2 > 0 && f32(f32(slx * slx) * sumL2) > f32(f32(sumLX * sumLX) * sl2)) {
        L[to + i] = next;
        [sumLX, sumL2] = [slx, sl2];
        changed++;
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) L[to + i] = L[to + i]! + nmax;
  return sumL2 > 0 ? f32(sumLX / sumL2) : 0;
}

/**
 * How much storage rounding alone perturbs a weight difference: the noise floor below which
 * singular values of Δ = u − v are not counted in ℓ_LoRA's rank (a LoRA child saved in bf16
 * differs from its parent by a rank-r update plus full-rank rounding noise).
 */
import type { Dtype } from "../types.ts";

/** Unit roundoff (half an ulp, relative) of each storage dtype. */
export const UNIT_ROUNDOFF: Readonly<Record<Dtype, number>> = { F64: 2 ** -53, F32: 2 ** -24, F16: 2 ** -11, BF16: 2 ** -8 };

/**
 * Noise floor factor F: singular values at or below F·u·rms(w)·(√m+√n) are storage rounding.
 * Storing both models rounds each entry of Δ by at most an ulp each (RMS ≤ 0.82·u·rms(w));
 * an m×n matrix of such independent errors has largest singular value ≈ RMS·(√m+√n).
 * Measured on bf16-stored 768² weights, the rounding noise's top σ was ≈ 0.6·u·rms(w)·(√m+√n),
 * so F = 1.2 sits 2× above it while still counting updates a few bf16 ulps large
 * (test/recover/low-rank-sketch.test.ts checks a bf16 LoRA child, whole and sketched).
 */
export const NOISE_FLOOR_FACTOR = 1.2;

/*
 * Native ranks of sketch differences (src/recover/pair-ranks.ts, rankWholeInKernels): per pair,
 * the difference of two sketches, its Householder bidiagonalisation (weight-kernels.c) and the
 * count of its singular values above the noise floor, in one call for every pair of a rank job.
 * The count is rankAboveFloor of src/recover/low-rank-sketch.ts (with countSingularValuesAbove and
 * bidiagonalSingularValue of src/distance/bidiagonal-singular-values.ts) operation for operation:
 * the same f64 operations in the same order, nothing fused (build flags), Math.max as JavaScript
 * defines it, so every rank is the TypeScript one's on the same bidiagonal.
 *
 * Compiled into the same library as weight-kernels.c (build-native.ts), with the same flags.
 */
#include <math.h>
#include <stdint.h>

void mother_bidiagonalize(double *matrix, int32_t rows, int32_t cols, double *diagonal, double *superdiagonal, double *reflector, double *projection);

/* STABLE_RANK_FRACTION of low-rank-sketch.ts. */
#define STABLE_RANK_FRACTION 0.8

/* Math.max: NaN wins, +0 above −0. */
static double max_js(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/* countSingularValuesAbove: the Sturm count of the 2p × 2p Golub–Kahan matrix at `threshold`. */
static int32_t count_above(const double *diagonal, const double *superdiagonal, int32_t p, double threshold) {
  if (p == 0) return 0;
  double largest = 0;
  for (int32_t i = 0; i < p; i++) largest = max_js(largest, fabs(diagonal[i]));
  for (int32_t i = 0; i < p - 1; i++) largest = max_js(largest, fabs(superdiagonal[i]));
  if (largest == 0) return 0;
  /* Number.MIN_VALUE · 2^60 = 2^−1014, exactly. */
  const double pivot_floor = 0x1p-1014 * max_js(1, largest * largest);
  int32_t below = 0;
  double pivot = -threshold;
  if (fabs(pivot) <= pivot_floor) pivot = -pivot_floor;
  if (pivot < 0) below++;
  for (int32_t i = 1; i < 2 * p; i++) {
    const double off = i % 2 == 1 ? diagonal[(i - 1) >> 1] : superdiagonal[(i >> 1) - 1];
    pivot = -threshold - (off * off) / pivot;
    if (fabs(pivot) <= pivot_floor) pivot = -pivot_floor;
    if (pivot < 0) below++;
  }
  return 2 * p - below;
}

/* bidiagonalSingularValue(bidiagonal, 0, tolerance): the largest singular value by bisection (p ≥ 1). */
static double largest_singular_value(const double *diagonal, const double *superdiagonal, int32_t p, double tolerance) {
  double upper = 0;
  for (int32_t i = 0; i < p; i++) {
    const double left = i > 0 ? fabs(superdiagonal[i - 1]) : 0;
    const double right = i < p - 1 ? fabs(superdiagonal[i]) : 0;
    upper = max_js(upper, fabs(diagonal[i]) + max_js(left, right));
  }
  double low = 0, high = upper;
  if (count_above(diagonal, superdiagonal, p, 0) <= 0) return 0;
  for (int32_t step = 0; step < 200 && high - low > tolerance * high; step++) {
    const double middle = 0.5 * (low + high);
    if (count_above(diagonal, superdiagonal, p, middle) > 0)
      low = middle;
    else
      high = middle;
  }
  return 0.5 * (low + high);
}

/* rankAboveFloor: singular values above max(ε·σ_max, floor), or p when the floor sets the bar and the count is not stable under doubling it. */
int32_t mother_rank_above_floor(const double *diagonal, const double *superdiagonal, int32_t p, double epsilon, double noise_floor) {
  const double largest = count_above(diagonal, superdiagonal, p, 0) == 0 ? 0 : largest_singular_value(diagonal, superdiagonal, p, 1e-6);
  if (largest == 0) return 0;
  const int32_t rank = count_above(diagonal, superdiagonal, p, max_js(epsilon * largest, noise_floor));
  if (noise_floor <= epsilon * largest || rank == 0) return rank;
  const int stable = count_above(diagonal, superdiagonal, p, 2 * noise_floor) >= STABLE_RANK_FRACTION * rank;
  return stable ? rank : p;
}

/*
 * ranks[q] = rankAboveFloor of the bidiagonalised sketches[pairs[2q]] − sketches[pairs[2q + 1]]
 * (each sketch `count` = rows × cols f64 values, rows ≥ cols, slot s at s · count) with
 * floors[q]; difference (count), diagonal (cols), superdiagonal (cols − 1), reflector (rows) and
 * projection (cols) are scratch.
 */
void mother_rank_differences(const double *sketches, int32_t rows, int32_t cols, const int32_t *pairs, int32_t pair_count, const double *floors,
                             double epsilon, double *difference, double *diagonal, double *superdiagonal, double *reflector, double *projection,
                             int32_t *ranks) {
  const int64_t count = (int64_t)rows * cols;
  for (int32_t q = 0; q < pair_count; q++) {
    const double *a = sketches + pairs[2 * q] * count;
    const double *b = sketches + pairs[2 * q + 1] * count;
    for (int64_t i = 0; i < count; i++) difference[i] = a[i] - b[i];
    mother_bidiagonalize(difference, rows, cols, diagonal, superdiagonal, reflector, projection);
    ranks[q] = mother_rank_above_floor(diagonal, superdiagonal, cols, epsilon, floors[q]);
  }
}

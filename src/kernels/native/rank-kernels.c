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
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

/* rankAboveFloor once σ_max (`largest`, 0 when no singular value is above 0) is known. */
static int32_t rank_from_largest(const double *diagonal, const double *superdiagonal, int32_t p, double epsilon, double noise_floor, double largest) {
  if (largest == 0) return 0;
  const int32_t rank = count_above(diagonal, superdiagonal, p, max_js(epsilon * largest, noise_floor));
  if (noise_floor <= epsilon * largest || rank == 0) return rank;
  const int stable = count_above(diagonal, superdiagonal, p, 2 * noise_floor) >= STABLE_RANK_FRACTION * rank;
  return stable ? rank : p;
}

/* rankAboveFloor: singular values above max(ε·σ_max, floor), or p when the floor sets the bar and the count is not stable under doubling it. */
int32_t mother_rank_above_floor(const double *diagonal, const double *superdiagonal, int32_t p, double epsilon, double noise_floor) {
  const double largest = count_above(diagonal, superdiagonal, p, 0) == 0 ? 0 : largest_singular_value(diagonal, superdiagonal, p, 1e-6);
  return rank_from_largest(diagonal, superdiagonal, p, epsilon, noise_floor, largest);
}

/* count_above's pivot floor of one bidiagonal (a function of it alone), or 0 when every value is 0 (count_above answers 0 then). */
static double pivot_floor_of(const double *diagonal, const double *superdiagonal, int32_t p) {
  double largest = 0;
  for (int32_t i = 0; i < p; i++) largest = max_js(largest, fabs(diagonal[i]));
  for (int32_t i = 0; i < p - 1; i++) largest = max_js(largest, fabs(superdiagonal[i]));
  return largest == 0 ? 0 : 0x1p-1014 * max_js(1, largest * largest);
}

/*
 * count_above for four bidiagonals of one size at once, one per lane: d4[i·4 + l] and
 * s4[i·4 + l] are value i of lane l, floors[l] its pivot floor (pivot_floor_of; 0: the lane
 * answers 0). Each lane's operations are count_above's — a negation, a multiply, a divide and a
 * subtraction a step, the same comparisons — so each lane's count is count_above's; side by side,
 * the four chains of dependent divisions overlap where one at a time each waited for the last.
 */
static void count_above4(const double *d4, const double *s4, int32_t p, const double floors[4], const double thresholds[4], int32_t out[4]) {
  const __m256d sign = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
  const __m256d floor = _mm256_loadu_pd(floors), negative_floor = _mm256_xor_pd(floor, sign);
  const __m256d negative_threshold = _mm256_xor_pd(_mm256_loadu_pd(thresholds), sign);
  __m256d pivot = negative_threshold;
  pivot = _mm256_blendv_pd(pivot, negative_floor, _mm256_cmp_pd(_mm256_andnot_pd(sign, pivot), floor, _CMP_LE_OQ));
  __m256i below = _mm256_castpd_si256(_mm256_cmp_pd(pivot, zero, _CMP_LT_OQ));
  __m256i count = _mm256_sub_epi64(_mm256_setzero_si256(), below);
  for (int32_t i = 1; i < 2 * p; i++) {
    const __m256d off = _mm256_loadu_pd(i % 2 == 1 ? d4 + (int64_t)((i - 1) >> 1) * 4 : s4 + (int64_t)((i >> 1) - 1) * 4);
    pivot = _mm256_sub_pd(negative_threshold, _mm256_div_pd(_mm256_mul_pd(off, off), pivot));
    pivot = _mm256_blendv_pd(pivot, negative_floor, _mm256_cmp_pd(_mm256_andnot_pd(sign, pivot), floor, _CMP_LE_OQ));
    count = _mm256_sub_epi64(count, _mm256_castpd_si256(_mm256_cmp_pd(pivot, zero, _CMP_LT_OQ)));
  }
  int64_t counted[4];
  _mm256_storeu_si256((__m256i *)counted, count);
  for (int l = 0; l < 4; l++) out[l] = floors[l] == 0 ? 0 : 2 * p - (int32_t)counted[l];
}

/*
 * largest_singular_value(diagonal[l], superdiagonal[l], p, tolerance) for `lanes` (≤ 4)
 * bidiagonals of one size (p ≥ 1), their bisections side by side (count_above4), each lane
 * stepping as its own loop would and stopping where it would; `d4`, `s4` scratch of 4p values.
 */
static void largest_singular_values4(const double *const diagonal[4], const double *const superdiagonal[4], int32_t lanes, int32_t p, double tolerance,
                                     double *d4, double *s4, double out[4]) {
  double floors[4], low[4], high[4], thresholds[4];
  int32_t steps[4], active[4], counts[4];
  for (int l = 0; l < 4; l++) {
    /* Lanes past `lanes` repeat the first one: valid values whose counts are never read. */
    const int32_t from = l < lanes ? l : 0;
    for (int32_t i = 0; i < p; i++) d4[i * 4 + l] = diagonal[from][i];
    for (int32_t i = 0; i < p - 1; i++) s4[i * 4 + l] = superdiagonal[from][i];
    floors[l] = pivot_floor_of(diagonal[from], superdiagonal[from], p);
    double upper = 0;
    for (int32_t i = 0; i < p; i++) {
      const double left = i > 0 ? fabs(superdiagonal[from][i - 1]) : 0;
      const double right = i < p - 1 ? fabs(superdiagonal[from][i]) : 0;
      upper = max_js(upper, fabs(diagonal[from][i]) + max_js(left, right));
    }
    low[l] = 0, high[l] = upper, steps[l] = 0, thresholds[l] = 0;
    active[l] = l < lanes && count_above(diagonal[from], superdiagonal[from], p, 0) > 0;
    out[l] = 0;
  }
  for (;;) {
    int any = 0;
    for (int l = 0; l < 4; l++) {
      if (active[l] && !(steps[l] < 200 && high[l] - low[l] > tolerance * high[l])) {
        out[l] = 0.5 * (low[l] + high[l]);
        active[l] = 0;
      }
      if (active[l]) thresholds[l] = 0.5 * (low[l] + high[l]), any = 1;
    }
    if (!any) return;
    count_above4(d4, s4, p, floors, thresholds, counts);
    for (int l = 0; l < 4; l++) {
      if (!active[l]) continue;
      if (counts[l] > 0)
        low[l] = thresholds[l];
      else
        high[l] = thresholds[l];
      steps[l]++;
    }
  }
}

/*
 * out[b] = bidiagonalSingularValue(bidiagonal b, 0, tolerance) for `count` bidiagonals of size p
 * (diagonals[b·p …], superdiagonals[b·(p − 1) …]), four at a time as mother_rank_differences
 * bisects them: the tests' window on largest_singular_values4 (a rank hides σ_max's last bits).
 */
void mother_largest_singular_values(const double *diagonals, const double *superdiagonals, int32_t count, int32_t p, double tolerance, double *out) {
  if (p < 1) {
    for (int32_t b = 0; b < count; b++) out[b] = 0;
    return;
  }
  double *scratch = malloc(sizeof(double) * (size_t)p * 8);
  if (!scratch) {
    for (int32_t b = 0; b < count; b++)
      out[b] = count_above(diagonals + (int64_t)b * p, superdiagonals + (int64_t)b * (p - 1), p, 0) == 0
                   ? 0
                   : largest_singular_value(diagonals + (int64_t)b * p, superdiagonals + (int64_t)b * (p - 1), p, tolerance);
    return;
  }
  for (int32_t b0 = 0; b0 < count; b0 += 4) {
    const int32_t lanes = count - b0 < 4 ? count - b0 : 4;
    const double *d[4], *s[4];
    for (int32_t l = 0; l < 4; l++) {
      const int32_t b = b0 + (l < lanes ? l : 0);
      d[l] = diagonals + (int64_t)b * p, s[l] = superdiagonals + (int64_t)b * (p - 1);
    }
    double largest[4];
    largest_singular_values4(d, s, lanes, p, tolerance, scratch, scratch + (int64_t)p * 4, largest);
    for (int32_t l = 0; l < lanes; l++) out[b0 + l] = largest[l];
  }
  free(scratch);
}

/*
 * Whether rankAboveFloor of `difference` (rows × cols, row-major, rows ≥ cols ≥ k ≥ 1), as
 * mother_rank_differences computes it, is proven to be at least k without a bidiagonalisation.
 *
 * rankAboveFloor counts the computed singular values σ̂ above max(ε·σ̂_max, floor) — and when
 * the floor sets that bar, either the same count or cols — so it is ≥ k whenever
 * σ̂_k > max(ε·σ̂_max, 2·floor): above the floor's doubling, the count is at least k whether it
 * is stable or not. Householder bidiagonalisation is backward stable (σ̂_i within a few
 * rows·cols·u·‖Δ‖_F of σ_i, ~1e-12‖Δ‖_F here) and the bisection stops within 1e-6 of σ̂_max ≤
 * ‖Δ‖_F, so σ_k > 2·max(ε‖Δ‖_F, 2·floor) + 1e-9‖Δ‖_F suffices, with room to spare. The singular
 * values of a column submatrix interlace Δ's: σ_k(Δ) ≥ σ_min(Δ_S) for any k columns S (here the
 * k of largest norm: an empty bucket of the sketch's sparse map leaves a column at zero). And
 * σ_min(Δ_S)² > s when the floating-point Cholesky factorisation of fl(Δ_SᵀΔ_S) − (s + δ)·I runs
 * to completion, δ = 8·(rows + k + 1)·u·tr(Δ_SᵀΔ_S) covering the rounding of the Gram matrix
 * (γ_rows·tr) and of the factorisation (Demmel; Rump, BIT 46, 2006: γ_{k+1}·tr). A tiny,
 * non-finite or zero Δ is left to the bidiagonalisation; so is any Δ the test cannot certify.
 * `scratch` holds (k + rows)·(k rounded up to 4) + cols + k values.
 */
static int rank_proven_at_least(const double *difference, int32_t rows, int32_t cols, int32_t k, double epsilon, double noise_floor, double *scratch) {
  /* scratch: the Gram matrix (k rows of `stride`), the column norms (cols), the chosen columns row by row (rows × stride), their indices. */
  const int32_t stride = (k + 3) & ~3;
  double *gram = scratch, *norms = gram + (int64_t)k * stride, *chosen_rows = norms + cols;
  int32_t *chosen = (int32_t *)(chosen_rows + (int64_t)rows * stride);
  double frobenius = 0;
  for (int32_t c = 0; c < cols; c++) norms[c] = 0;
  for (int32_t r = 0; r < rows; r++) {
    const double *row = difference + (int64_t)r * cols;
    int32_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      const __m256d x = _mm256_loadu_pd(row + c);
      _mm256_storeu_pd(norms + c, _mm256_add_pd(_mm256_loadu_pd(norms + c), _mm256_mul_pd(x, x)));
    }
    for (; c < cols; c++) norms[c] += row[c] * row[c];
  }
  for (int32_t c = 0; c < cols; c++) frobenius += norms[c];
  if (!(frobenius > 0x1p-900 && frobenius < 0x1p900) || !(epsilon >= 0) || !(noise_floor >= 0) || !(noise_floor < 0x1p400)) return 0;
  /* The k columns of largest norm (selection by insertion; ties by position). */
  for (int32_t i = 0; i < k; i++) chosen[i] = -1;
  for (int32_t c = 0; c < cols; c++) {
    int32_t at = k;
    while (at > 0 && (chosen[at - 1] < 0 || norms[chosen[at - 1]] < norms[c])) at--;
    if (at == k) continue;
    for (int32_t i = k - 1; i > at; i--) chosen[i] = chosen[i - 1];
    chosen[at] = c;
  }
  double trace = 0;
  for (int32_t i = 0; i < k; i++) trace += norms[chosen[i]];
  for (int32_t r = 0; r < rows; r++) {
    double *row = chosen_rows + (int64_t)r * stride;
    const double *from = difference + (int64_t)r * cols;
    int32_t i = 0;
    for (; i + 4 <= k; i += 4) _mm256_storeu_pd(row + i, _mm256_i32gather_pd(from, _mm_loadu_si128((const __m128i *)(chosen + i)), 8));
    for (; i < k; i++) row[i] = from[chosen[i]];
    for (; i < stride; i++) row[i] = 0;
  }
  const double root = sqrt(frobenius);
  const double bar = epsilon * root > 2 * noise_floor ? epsilon * root : 2 * noise_floor;
  const double target = 2 * bar + 1e-9 * root;
  const double shift = target * target + 8.0 * (rows + k + 1) * 0x1p-53 * trace;
  /*
   * fl(Δ_SᵀΔ_S), lower triangle (and a few values past it, never read), in 4 × 4 blocks summed
   * over the rows in registers: four independent sums a block row (any order: the bound is γ_rows·tr).
   */
  for (int32_t i0 = 0; i0 < k; i0 += 4)
    for (int32_t j0 = 0; j0 <= i0; j0 += 4) {
      __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
      for (int32_t r = 0; r < rows; r++) {
        const double *row = chosen_rows + (int64_t)r * stride;
        const __m256d y = _mm256_loadu_pd(row + j0);
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_set1_pd(row[i0]), y));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(_mm256_set1_pd(row[i0 + 1]), y));
        s2 = _mm256_add_pd(s2, _mm256_mul_pd(_mm256_set1_pd(row[i0 + 2]), y));
        s3 = _mm256_add_pd(s3, _mm256_mul_pd(_mm256_set1_pd(row[i0 + 3]), y));
      }
      const __m256d sums[4] = {s0, s1, s2, s3};
      for (int32_t b = 0; b < 4 && i0 + b < k; b++) _mm256_storeu_pd(gram + (int64_t)(i0 + b) * stride + j0, sums[b]);
    }
  /*
   * Cholesky of gram − shift·I, right-looking: column j's factor formed, then taken out of the
   * trailing rows, each row's update one contiguous loop of independent operations. A pivot not
   * above 0 fails the test.
   */
  double *column = norms; /* the norms are read no more: column j of the factor, below its pivot */
  for (int32_t i = 0; i < k; i++) gram[(int64_t)i * stride + i] -= shift;
  for (int32_t j = 0; j < k; j++) {
    const double pivot = gram[(int64_t)j * stride + j];
    if (!(pivot > 0)) return 0;
    const double diagonal = sqrt(pivot);
    for (int32_t i = j + 1; i < k; i++) column[i] = gram[(int64_t)i * stride + j] / diagonal;
    for (int32_t i = j + 1; i < k; i++) {
      double *row = gram + (int64_t)i * stride;
      const double factor = column[i];
      const __m256d f = _mm256_set1_pd(factor);
      int32_t c = j + 1;
      for (; c + 4 <= i + 1; c += 4) _mm256_storeu_pd(row + c, _mm256_sub_pd(_mm256_loadu_pd(row + c), _mm256_mul_pd(f, _mm256_loadu_pd(column + c))));
      for (; c <= i; c++) row[c] -= factor * column[c];
    }
  }
  return 1;
}

/*
 * ranks[q] = rankAboveFloor of the bidiagonalised sketches[pairs[2q]] − sketches[pairs[2q + 1]]
 * (each sketch `count` = rows × cols f64 values, rows ≥ cols, slot s at s · count) with
 * floors[q]; difference (count), diagonal (cols), superdiagonal (cols − 1), reflector (rows) and
 * projection (cols) are scratch. With 1 ≤ at_least ≤ cols, a pair whose rank is proven ≥ at_least
 * (rank_proven_at_least) is given at_least, unbisected: for a caller that asks only whether each
 * rank is below it (auto's probe); 0 ranks every pair.
 */
void mother_rank_differences(const double *sketches, int32_t rows, int32_t cols, const int32_t *pairs, int32_t pair_count, const double *floors,
                             double epsilon, int32_t at_least, double *difference, double *diagonal, double *superdiagonal, double *reflector,
                             double *projection, int32_t *ranks) {
  const int64_t count = (int64_t)rows * cols;
  /* The pairs left to rank, in order: every pair, or those the test did not certify. */
  int32_t *left = malloc(sizeof(int32_t) * (size_t)(pair_count > 0 ? pair_count : 1));
  const size_t proof_scratch = ((size_t)at_least + (size_t)rows) * (size_t)((at_least + 3) & ~3) + (size_t)cols + (size_t)at_least;
  double *gram = at_least >= 1 && at_least <= cols && rows >= cols ? malloc(sizeof(double) * proof_scratch) : NULL;
  int32_t left_count = 0;
  for (int32_t q = 0; q < pair_count; q++) {
    if (gram && left) {
      const double *a = sketches + pairs[2 * q] * count;
      const double *b = sketches + pairs[2 * q + 1] * count;
      for (int64_t i = 0; i < count; i++) difference[i] = a[i] - b[i];
      if (rank_proven_at_least(difference, rows, cols, at_least, epsilon, floors[q], gram)) {
        ranks[q] = at_least;
        continue;
      }
    }
    if (left) left[left_count++] = q;
  }
  free(gram);
  /* Four pairs at a time: their bidiagonals kept, their σ_max bisected side by side (largest_singular_values4). */
  double *kept = cols > 0 && left ? malloc(sizeof(double) * (size_t)cols * 16) : NULL;
  if (kept) {
    double *d4 = kept + (int64_t)cols * 8, *s4 = d4 + (int64_t)cols * 4;
    for (int32_t q0 = 0; q0 < left_count; q0 += 4) {
      const int32_t lanes = left_count - q0 < 4 ? left_count - q0 : 4;
      const double *lane_diagonal[4], *lane_superdiagonal[4];
      for (int32_t l = 0; l < lanes; l++) {
        const int32_t q = left[q0 + l];
        const double *a = sketches + pairs[2 * q] * count;
        const double *b = sketches + pairs[2 * q + 1] * count;
        for (int64_t i = 0; i < count; i++) difference[i] = a[i] - b[i];
        double *d = kept + (int64_t)l * 2 * cols, *s = d + cols;
        mother_bidiagonalize(difference, rows, cols, d, s, reflector, projection);
        lane_diagonal[l] = d, lane_superdiagonal[l] = s;
      }
      for (int32_t l = lanes; l < 4; l++) lane_diagonal[l] = lane_diagonal[0], lane_superdiagonal[l] = lane_superdiagonal[0];
      double largest[4];
      largest_singular_values4(lane_diagonal, lane_superdiagonal, lanes, cols, 1e-6, d4, s4, largest);
      for (int32_t l = 0; l < lanes; l++) {
        const int32_t q = left[q0 + l];
        ranks[q] = rank_from_largest(lane_diagonal[l], lane_superdiagonal[l], cols, epsilon, floors[q], largest[l]);
      }
    }
    free(kept);
    free(left);
    return;
  }
  for (int32_t at = 0; at < (left ? left_count : pair_count); at++) {
    const int32_t q = left ? left[at] : at;
    const double *a = sketches + pairs[2 * q] * count;
    const double *b = sketches + pairs[2 * q + 1] * count;
    for (int64_t i = 0; i < count; i++) difference[i] = a[i] - b[i];
    mother_bidiagonalize(difference, rows, cols, diagonal, superdiagonal, reflector, projection);
    ranks[q] = mother_rank_above_floor(diagonal, superdiagonal, cols, epsilon, floors[q]);
  }
  free(left);
}

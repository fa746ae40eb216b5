/*
 * Native kernels for the small per-layer and per-tree scans of an exact tree recovery, which in
 * JavaScript cost more than the sweeps themselves on small models (docs/scale.md):
 *
 *   mother_layer_start   a layer's first chunk: the power-sum shift, the share of exact zeros and
 *                        the quantisation grid of its first rows (layer-pass.ts; the TypeScript
 *                        twins are powerSumShift, zeroFractionOf and gridOf, and this gives their
 *                        bits: the same f64 operations in the same order, nothing fused)
 *   mother_layer_dots    per-layer inner products of two models' merge samples (the merge
 *                        screen's shared products, detect-merges-screen.ts; four-lane FMA sums,
 *                        which round differently from the TypeScript dot by far less than the
 *                        screen's slack)
 *
 * Compiled into the same library as weight-kernels.c (build-native.ts), with the same flags.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

/* Relative slack of a grid test (src/stats/quantisation-grid.ts, GRID_TOLERANCE). */
#define GRID_TOLERANCE 1e-3
/* Rows shorter than this say nothing about a grid (quantisation-grid.ts). */
#define GRID_MIN_ROW 32

/* onGrid: every value within GRID_TOLERANCE of offset + k · step (a NaN k passes, as in TypeScript). */
static int on_grid(const float *row, int32_t cols, double offset, double step) {
  if (!(step > 0)) return 0;
  for (int32_t i = 0; i < cols; i++) {
    double k = ((double)row[i] - offset) / step;
    /* The distance to the nearest integer does not depend on how ties round (Math.round or rint). */
    if (fabs(k - __builtin_rint(k)) > GRID_TOLERANCE) return 0;
  }
  return 1;
}

/* gridLevels: 16, 255 or 0 for one row; a NaN anywhere makes the range NaN (Math.min/max), hence 0. */
static int32_t grid_levels(const float *row, int32_t cols) {
  if (cols < GRID_MIN_ROW) return 0;
  double largest = 0, min = INFINITY, max = -INFINITY;
  for (int32_t i = 0; i < cols; i++) {
    double v = row[i];
    if (v != v) return 0;
    double magnitude = fabs(v);
    if (magnitude > largest) largest = magnitude;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (on_grid(row, cols, min, (max - min) / 15)) return 16;
  if (on_grid(row, cols, 0, largest / 127)) return 255;
  return 0;
}

/*
 * The start of one layer of one model, `count` f32 values: out[0] = the mean of the first
 * min(count, shift_sample) values (a sequential f64 sum, as powerSumShift), out[1] = the share
 * of exact zeros among the first min(count, zero_sample), out[2] = the grid every one of the
 * first min(grid_rows, count / cols) rows of `cols` values lies on (0 when cols is 0: not a matrix).
 */
void mother_layer_start(const float *values, int32_t count, int32_t cols, int32_t shift_sample, int32_t zero_sample, int32_t grid_rows, double *out) {
  int32_t sample = count < shift_sample ? count : shift_sample;
  double shift = 0;
  for (int32_t i = 0; i < sample; i++) shift += values[i];
  out[0] = sample == 0 ? 0 : shift / sample;

  int32_t counted = count < zero_sample ? count : zero_sample;
  int32_t zeros = 0;
  for (int32_t i = 0; i < counted; i++) zeros += values[i] == 0.0f;
  out[1] = counted == 0 ? 0 : (double)zeros / counted;

  int32_t levels = 0;
  int32_t rows = cols > 0 ? count / cols : 0;
  if (rows > grid_rows) rows = grid_rows;
  if (rows > 0) {
    levels = grid_levels(values, cols);
    /* Every row must agree; a first row on no grid decides at once. */
    for (int32_t r = 1; r < rows && levels != 0; r++)
      if (grid_levels(values + (int64_t)r * cols, cols) != levels) levels = 0;
  }
  out[2] = levels;
}

/* out[l] = ⟨a, b⟩ over values offsets[l] … offsets[l + 1] − 1, for l < layers. */
void mother_layer_dots(const double *a, const double *b, const int32_t *offsets, int32_t layers, double *out) {
  for (int32_t l = 0; l < layers; l++) {
    int32_t i = offsets[l];
    const int32_t end = offsets[l + 1];
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    for (; i + 16 <= end; i += 16) {
      s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i), _mm256_loadu_pd(b + i), s0);
      s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i + 4), _mm256_loadu_pd(b + i + 4), s1);
      s2 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i + 8), _mm256_loadu_pd(b + i + 8), s2);
      s3 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i + 12), _mm256_loadu_pd(b + i + 12), s3);
    }
    __m256d s = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    double sum = _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
    for (; i < end; i++) sum += a[i] * b[i];
    out[l] = sum;
  }
}

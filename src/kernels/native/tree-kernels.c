/*
 * Native kernels for the small per-layer scans of an exact tree recovery, which in JavaScript
 * cost more than the sweeps themselves on small models (docs/scale.md; the merge screen's are in
 * merge-screen.c):
 *
 *   mother_layer_first_chunks  a one-chunk layer's start and power sums for every model in one call
 *   mother_held_layers   several such layers and their pairwise |Δ| in one call (a tree's clustering sample)
 *   mother_layer_start   a layer's first chunk: the power-sum shift, the share of exact zeros and
 *                        the quantisation grid of its first rows (layer-pass.ts; the TypeScript
 *                        twins are powerSumShift, zeroFractionOf and gridOf, and this gives their
 *                        bits: the same f64 operations, nothing fused, and the shift's sum in
 *                        lanes only where it is exact in any order)
 *
 * Compiled into the same library as weight-kernels.c (build-native.ts), with the same flags.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
 * Σ values[0 … count) in f64 with the bits of a left-to-right sum (powerSumShift's). When every
 * partial sum of any order is exact — the values finite, and their largest magnitude within
 * 2^(53 − log₂ count) of the finest step any of them has — the order cannot matter, and eight
 * lanes sum at once; otherwise (a range too wide, a NaN or ±Inf) left to right. A left-to-right
 * f64 sum waits ~4 cycles on each add: 1,024 of them were most of a small layer's start.
 */
static double exact_sum(const float *values, int32_t count) {
  const __m256i magnitude = _mm256_set1_epi32(0x7fffffff);
  __m256i most = _mm256_setzero_si256(), least = _mm256_set1_epi32(0x7fffffff);
  int32_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256i bits = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(values + i)), magnitude);
    most = _mm256_max_epi32(most, bits);
    /* Zeros say nothing about the finest step: they count as the largest magnitude there. */
    least = _mm256_min_epi32(least, _mm256_blendv_epi8(bits, magnitude, _mm256_cmpeq_epi32(bits, _mm256_setzero_si256())));
  }
  int32_t lanes_most[8], lanes_least[8];
  _mm256_storeu_si256((__m256i *)lanes_most, most);
  _mm256_storeu_si256((__m256i *)lanes_least, least);
  uint32_t largest = 0, smallest = 0x7fffffff;
  for (int lane = 0; lane < 8; lane++) {
    if ((uint32_t)lanes_most[lane] > largest) largest = (uint32_t)lanes_most[lane];
    if ((uint32_t)lanes_least[lane] < smallest) smallest = (uint32_t)lanes_least[lane];
  }
  for (int32_t j = i; j < count; j++) {
    uint32_t bits;
    memcpy(&bits, values + j, 4);
    bits &= 0x7fffffff;
    if (bits > largest) largest = bits;
    if (bits != 0 && bits < smallest) smallest = bits;
  }
  int32_t log_count = 0;
  while (log_count < 31 && (1 << log_count) < count) log_count++;
  /* Biased exponents: a value below 2^(E − 126), on a grid of 2^(max(E, 1) − 150). */
  int32_t top = (int32_t)(largest >> 23), fine = (int32_t)(smallest >> 23);
  if (fine < 1) fine = 1;
  const int exact = largest < 0x7f800000u && (top - 126 + log_count) <= (fine - 150 + 53);
  if (!exact) {
    double sum = 0;
    for (int32_t j = 0; j < count; j++) sum += values[j];
    return sum;
  }
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (i = 0; i + 8 <= count; i += 8) {
    __m256 v = _mm256_loadu_ps(values + i);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  __m256d s = _mm256_add_pd(s0, s1);
  __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  double sum = _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  for (; i < count; i++) sum += values[i];
  return sum;
}

/* Exact zeros (±0) among values[0 … count). */
static int32_t zero_count(const float *values, int32_t count) {
  int32_t zeros = 0, i = 0;
  const __m256 zero = _mm256_setzero_ps();
  for (; i + 8 <= count; i += 8) zeros += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(values + i), zero, _CMP_EQ_OQ)));
  for (; i < count; i++) zeros += values[i] == 0.0f;
  return zeros;
}

/*
 * The start of one layer of one model, `count` f32 values: out[0] = the mean of the first
 * min(count, shift_sample) values (a sequential f64 sum, as powerSumShift), out[1] = the share
 * of exact zeros among the first min(count, zero_sample), out[2] = the grid every one of the
 * first min(grid_rows, count / cols) rows of `cols` values lies on (0 when cols is 0: not a matrix).
 */
void mother_layer_start(const float *values, int32_t count, int32_t cols, int32_t shift_sample, int32_t zero_sample, int32_t grid_rows, double *out) {
  int32_t sample = count < shift_sample ? count : shift_sample;
  out[0] = sample == 0 ? 0 : exact_sum(values, sample) / sample;

  int32_t counted = count < zero_sample ? count : zero_sample;
  out[1] = counted == 0 ? 0 : (double)zero_count(values, counted) / counted;

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

/* In weight-kernels.c (the same library). */
double mother_add_power_sums(const float *values, int32_t count, double shift, double scale, double *out);
void mother_add_pairwise(const uint8_t *base, const uint32_t *table, int32_t models, int32_t count, double *out);

/*
 * A one-chunk layer's start and power sums for every model at once: for model m (its f32 values
 * at base + values[m], its accumulator at base + sums[m]), mother_layer_start, the shift rounded
 * to f32 (Math.fround), then mother_add_power_sums from scale 0 — the calls the layer pass makes
 * per model, in its order, so the same bits; out[4m …] = shift, zero share, grid levels, scale.
 * One call a layer instead of two per model and their JavaScript (layer-pass.ts).
 */
void mother_layer_first_chunks(const uint8_t *base, const uint32_t *values, const uint32_t *sums, int32_t models, int32_t count, int32_t cols,
                               int32_t shift_sample, int32_t zero_sample, int32_t grid_rows, double *out) {
  for (int32_t m = 0; m < models; m++) {
    const float *v = (const float *)(base + values[m]);
    double start[3];
    mother_layer_start(v, count, cols, shift_sample, zero_sample, grid_rows, start);
    const double shift = (double)(float)start[0];
    out[4 * m] = shift;
    out[4 * m + 1] = start[1];
    out[4 * m + 2] = start[2];
    out[4 * m + 3] = mother_add_power_sums(v, count, shift, 0.0, (double *)(base + sums[m]));
  }
}

/*
 * Every layer of a plan, each read in one chunk where it lies (a tree's clustering sample: twelve
 * layers a tree), in one call instead of one a layer and its JavaScript (layer-pass.ts,
 * analyseHeldLayers). Layer l's words in `plan`, after the layers before it: models, count, cols,
 * its accumulators' region (the m-th at + 48·m), its group count, each model's values (kernel
 * offsets from `base`), then each group's model count k, its out (2·k·k f64 at a kernel offset) and
 * its members (indices among the layer's models). For each layer, mother_layer_first_chunks,
 * into out[4m …] after the layers before it, then each group's pairwise |Δ| from zero
 * (mother_add_pairwise over its members' values), finished in place as WeightKernels.readPairMeans
 * reads an accumulator: its max |Δ| symmetric, its Σ|Δ| divided by the count (k × k max, then k × k
 * mean). The calls and operations the layer pass makes a layer, in its order, so the same bits.
 */
void mother_held_layers(const uint8_t *base, const uint32_t *plan, int32_t layers, int32_t shift_sample, int32_t zero_sample, int32_t grid_rows,
                        double *out) {
  for (int32_t l = 0; l < layers; l++) {
    const int32_t models = (int32_t)plan[0], count = (int32_t)plan[1], cols = (int32_t)plan[2], groups = (int32_t)plan[4];
    const uint32_t *values = plan + 5;
    uint32_t sums[models > 0 ? models : 1];
    for (int32_t m = 0; m < models; m++) sums[m] = plan[3] + (uint32_t)(6 * sizeof(double)) * (uint32_t)m; /* one accumulator: s1–s4, min, max */
    mother_layer_first_chunks(base, values, sums, models, count, cols, shift_sample, zero_sample, grid_rows, out);
    const uint32_t *group = values + models;
    for (int32_t g = 0; g < groups; g++) {
      const int32_t k = (int32_t)group[0];
      double *pairs = (double *)(base + group[1]);
      uint32_t table[k > 0 ? k : 1];
      for (int32_t i = 0; i < k; i++) table[i] = values[group[2 + i]];
      memset(pairs, 0, 2 * (size_t)k * (size_t)k * sizeof(double));
      mother_add_pairwise(base, table, k, count, pairs);
      double *max = pairs, *sum = pairs + (size_t)k * (size_t)k;
      for (int32_t i = 0; i < k; i++) {
        sum[i * k + i] = sum[i * k + i] / count;
        for (int32_t j = i + 1; j < k; j++) {
          max[j * k + i] = max[i * k + j];
          sum[i * k + j] = sum[j * k + i] = sum[i * k + j] / count;
        }
      }
      group += 2 + k;
    }
    plan = group;
    out += 4 * models;
  }
}

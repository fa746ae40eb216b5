/*
 * Native kernels for the small per-layer and per-tree scans of an exact tree recovery, which in
 * JavaScript cost more than the sweeps themselves on small models (docs/scale.md):
 *
 *   mother_layer_start   a layer's first chunk: the power-sum shift, the share of exact zeros and
 *                        the quantisation grid of its first rows (layer-pass.ts; the TypeScript
 *                        twins are powerSumShift, zeroFractionOf and gridOf, and this gives their
 *                        bits: the same f64 operations, nothing fused, and the shift's sum in
 *                        lanes only where it is exact in any order)
 *   mother_screen_children  the screen's verdicts for every child of a small tree and each start, in one call
 *   mother_widen_gather  a tree's merge samples widened to f64 from its held files (merge-samples.ts)
 *   mother_unchanged_count  bit-identical non-zero weights of two merge samples (the TIES/DARE
 *                        screen, detect-sparse-merges.ts: unchangedShare's count)
 *   mother_layer_dots    per-layer inner products of two models' merge samples (the merge
 *   mother_screen_products  screen's shared products, detect-merges-screen.ts: one pair, or every
 *                        pair of a small tree at once, in tiles of 2 × 4 models; FMA sums in
 *                        lanes, which round differently from the TypeScript dot by far less
 *                        than the screen's slack)
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

/* ⟨a, b⟩ over values from … end − 1: four four-lane FMA sums, then the tail. */
static double dot4(const double *a, const double *b, int32_t from, int32_t end) {
  int32_t i = from;
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
  return sum;
}

/*
 * out[targets[q] + v] = the f32 value at base + sources[q] (byte offsets, f64-exact) + 4v, widened
 * exactly, for v < counts[q], q < n: a tree's merge samples, every model's and layer's first
 * values from its held file in one call (merge-samples.ts), where each was a typed-array copy.
 */
void mother_widen_gather(const uint8_t *base, const double *sources, const int32_t *counts, const int32_t *targets, int32_t n, double *out) {
  for (int32_t q = 0; q < n; q++) {
    const float *from = (const float *)(base + (int64_t)sources[q]);
    double *to = out + targets[q];
    const int32_t count = counts[q];
    int32_t v = 0;
    for (; v + 4 <= count; v += 4) _mm256_storeu_pd(to + v, _mm256_cvtps_pd(_mm_loadu_ps(from + v)));
    for (; v < count; v++) to[v] = (double)from[v];
  }
}

/*
 * How many i < n have a[i] == b[i] and a[i] != 0 (IEEE comparisons, as in TypeScript: −0 equals
 * +0 and is no weight, NaN equals nothing): unchangedShare of detect-sparse-merges.ts, the
 * TIES/DARE screen's count for every child and candidate of a tree.
 */
int32_t mother_unchanged_count(const double *a, const double *b, int32_t n) {
  const __m256d zero = _mm256_setzero_pd();
  int32_t same = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d x = _mm256_loadu_pd(a + i);
    const __m256d kept = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_loadu_pd(b + i), _CMP_EQ_OQ), _mm256_cmp_pd(x, zero, _CMP_NEQ_UQ));
    same += __builtin_popcount((unsigned)_mm256_movemask_pd(kept));
  }
  for (; i < n; i++) same += a[i] == b[i] && a[i] != 0;
  return same;
}

/* out[l] = ⟨a, b⟩ over values offsets[l] … offsets[l + 1] − 1, for l < layers. */
void mother_layer_dots(const double *a, const double *b, const int32_t *offsets, int32_t layers, double *out) {
  for (int32_t l = 0; l < layers; l++) out[l] = dot4(a, b, offsets[l], offsets[l + 1]);
}

/*
 * Every product of the merge screen at once, layer by layer so that a layer's samples of every
 * model stay in cache: `samples` holds `models` rows of offsets[layers] values (model 0 is r),
 * `centred` receives s_i − r in the same layout; then, with L = layers,
 *   pairs[(i·models + j)·L + l] = ⟨s_i − r, s_j − r⟩ (both orders), offsets_out[i·L + l] = ⟨s_i − r, r⟩,
 *   reference[l] = ⟨r, r⟩ — offsets_out and reference the bits of mother_layer_dots on the same
 *   differences, the pairs within the screen's slack of them (dots_2x4).
 */
/*
 * out[r·4 + c] = ⟨a_r, b_c⟩ over [from, end) for two rows and four columns at once: each vector
 * step loads 6 vectors for 8 FMAs where separate dots load 16 (the products are load-bound).
 * Eight running sums a product, so it rounds unlike dot4, far below the screen's slack.
 */
static void dots_2x4(const double *const a[2], const double *const b[4], int32_t from, int32_t end, double out[8]) {
  /* Written out: with -O2 an array of accumulators indexed in a loop stays in memory. */
  __m256d s00 = _mm256_setzero_pd(), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const double *a0 = a[0], *a1 = a[1], *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  int32_t i = from;
  for (; i + 4 <= end; i += 4) {
    const __m256d x0 = _mm256_loadu_pd(a0 + i), x1 = _mm256_loadu_pd(a1 + i);
    __m256d y = _mm256_loadu_pd(b0 + i);
    s00 = _mm256_fmadd_pd(x0, y, s00);
    s10 = _mm256_fmadd_pd(x1, y, s10);
    y = _mm256_loadu_pd(b1 + i);
    s01 = _mm256_fmadd_pd(x0, y, s01);
    s11 = _mm256_fmadd_pd(x1, y, s11);
    y = _mm256_loadu_pd(b2 + i);
    s02 = _mm256_fmadd_pd(x0, y, s02);
    s12 = _mm256_fmadd_pd(x1, y, s12);
    y = _mm256_loadu_pd(b3 + i);
    s03 = _mm256_fmadd_pd(x0, y, s03);
    s13 = _mm256_fmadd_pd(x1, y, s13);
  }
  const __m256d sums[8] = {s00, s01, s02, s03, s10, s11, s12, s13};
  for (int t = 0; t < 8; t++) {
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(sums[t]), _mm256_extractf128_pd(sums[t], 1));
    double total = _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
    for (int32_t v = i; v < end; v++) total += a[t / 4][v] * b[t % 4][v];
    out[t] = total;
  }
}

void mother_screen_products(const double *samples, int32_t models, const int32_t *offsets, int32_t layers, double *centred, double *pairs, double *offsets_out,
                            double *reference) {
  const int64_t stride = offsets[layers];
#define SCREEN_PAIR(i, j, product)                                     \
  do {                                                                 \
    pairs[((int64_t)(i) * models + (j)) * layers + l] = (product);     \
    pairs[((int64_t)(j) * models + (i)) * layers + l] = (product);     \
  } while (0)
  for (int32_t l = 0; l < layers; l++) {
    const int32_t from = offsets[l], end = offsets[l + 1];
    /* s_i − r, four values a step (the compiler left this loop scalar: half the products' time). */
    for (int32_t i = 0; i < models; i++) {
      int32_t v = from;
      for (; v + 4 <= end; v += 4)
        _mm256_storeu_pd(centred + i * stride + v, _mm256_sub_pd(_mm256_loadu_pd(samples + i * stride + v), _mm256_loadu_pd(samples + v)));
      for (; v < end; v++) centred[i * stride + v] = samples[i * stride + v] - samples[v];
    }
    reference[l] = dot4(samples, samples, from, end);
    for (int32_t i = 0; i < models; i++) offsets_out[(int64_t)i * layers + l] = dot4(centred + i * stride, samples, from, end);
    /* The upper triangle (j ≥ i) in tiles of two rows by four columns; an odd last row is its own second row. */
    for (int32_t i = 0; i < models; i += 2) {
      const int32_t rows[2] = {i, i + 1 < models ? i + 1 : i};
      const double *const a[2] = {centred + rows[0] * stride, centred + rows[1] * stride};
      for (int32_t j = i; j < models; j += 4) {
        if (j + 4 <= models) {
          const double *const b[4] = {centred + j * stride, centred + (j + 1) * stride, centred + (j + 2) * stride, centred + (j + 3) * stride};
          double tile[8];
          dots_2x4(a, b, from, end, tile);
          for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
              if (j + c >= rows[r]) SCREEN_PAIR(rows[r], j + c, tile[r * 4 + c]);
        } else {
          for (int r = 0; r < 2; r++)
            for (int32_t c = j; c < models; c++)
              if (c >= rows[r]) SCREEN_PAIR(rows[r], c, dot4(a[r], centred + c * stride, from, end));
        }
      }
    }
  }
#undef SCREEN_PAIR
}

/* Math.min and Math.max as JavaScript defines them: NaN wins, −0 below +0. */
static double js_min(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static double js_max(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/*
 * One child's products as the merge screen's SharedLayer reads them (detect-merges-screen.ts):
 * members 0 … m − 1, child m. Either gathered for the child (`members` NULL: products layers × n
 * × n, offsets layers × n) or read in place from every product of the tree (screenProducts'
 * layout: products (k × k) × layers, offsets k × layers, member i being model members[i]).
 */
typedef struct {
  const double *products;
  const double *offsets;
  const double *reference;
  const int32_t *members;
  int32_t n;
  int32_t k;
  int32_t layers;
} screen_layers;

static inline double screen_p(const screen_layers *s, int32_t l, int32_t i, int32_t j) {
  if (!s->members) return s->products[((int64_t)l * s->n + i) * s->n + j];
  return s->products[((int64_t)s->members[i] * s->k + s->members[j]) * s->layers + l];
}

static inline double screen_u(const screen_layers *s, int32_t l, int32_t i) {
  if (!s->members) return s->offsets[(int64_t)l * s->n + i];
  return s->offsets[(int64_t)s->members[i] * s->layers + l];
}

static double screen_target(const screen_layers *s, int32_t l) {
  const int32_t c = s->n - 1;
  return screen_p(s, l, c, c) - 2 * screen_p(s, l, c, 0) + screen_p(s, l, 0, 0);
}

static double screen_gram(const screen_layers *s, int32_t l, int32_t a, int32_t b) {
  if (a > b) return screen_gram(s, l, b, a);
  const double p11 = screen_p(s, l, 0, 0);
  if (b == 0) return p11 + 2 * screen_u(s, l, 0) + s->reference[l];
  if (a == 0) return screen_p(s, l, b, 0) - p11 + screen_u(s, l, b) - screen_u(s, l, 0);
  return screen_p(s, l, a, b) - screen_p(s, l, a, 0) - screen_p(s, l, b, 0) + p11;
}

static double screen_right(const screen_layers *s, int32_t l, int32_t a) {
  const int32_t c = s->n - 1;
  const double p11 = screen_p(s, l, 0, 0);
  if (a == 0) return screen_p(s, l, 0, c) - p11 + screen_u(s, l, c) - screen_u(s, l, 0);
  return screen_p(s, l, a, c) - screen_p(s, l, a, 0) - screen_p(s, l, 0, c) + p11;
}

#define SCREEN_MAX_SET 16

/* solveSymmetric of detect-merges.ts, operation for operation (Cholesky with its tiny ridge). */
static void solve_symmetric(const double *gram, const double *right, int32_t m, double *x) {
  /* Every entry read below is written first: no zeroing (a 2 KB memset per solve was ~15 % of the screen). */
  double lower[SCREEN_MAX_SET * SCREEN_MAX_SET], z[SCREEN_MAX_SET];
  double trace = 0;
  for (int32_t a = 0; a < m; a++) trace += gram[a * m + a];
  const double mean = trace / m;
  const double ridge = 1e-12 * ((mean != 0 && mean == mean) ? mean : 1);
  for (int32_t a = 0; a < m; a++) {
    for (int32_t b = 0; b <= a; b++) {
      double sum = gram[a * m + b] + (a == b ? ridge : 0.0);
      for (int32_t c = 0; c < b; c++) sum -= lower[a * m + c] * lower[b * m + c];
      lower[a * m + b] = a == b ? sqrt(js_max(sum, ridge)) : sum / lower[b * m + b];
    }
  }
  for (int32_t a = 0; a < m; a++) {
    double sum = right[a];
    for (int32_t c = 0; c < a; c++) sum -= lower[a * m + c] * z[c];
    z[a] = sum / lower[a * m + a];
  }
  for (int32_t a = m - 1; a >= 0; a--) {
    double sum = z[a];
    for (int32_t c = a + 1; c < m; c++) sum -= lower[c * m + a] * x[c];
    x[a] = sum / lower[a * m + a];
  }
}

/*
 * Every ⟨v_a, v_b⟩, ⟨v_a, y⟩ and ⟨y, y⟩ of one child's search, per layer, formed once from the
 * products (the search reads each many times: once per trial set holding it): the same
 * expressions as screen_gram, screen_right and screen_target, so the same values.
 */
typedef struct {
  double *gram;   /* layers × m × m */
  double *right;  /* layers × m */
  double *target; /* layers */
  int32_t m;
  const screen_layers *s;
  int full; /* every ⟨v_a, v_b⟩ formed, or only those the first step reads (screen_table_complete) */
} screen_table;

/*
 * The table for the search's first step: ⟨y, y⟩, every ⟨v_a, y⟩, and ⟨v_a, v_b⟩ with a or b = 0
 * or a = b — the only products a two-regressor trial {0, a} reads (3m of m² per layer; most
 * children stop at that step). screen_table_complete forms the others when a step passes.
 */
static int screen_table_fill(const screen_layers *s, int32_t m, screen_table *t) {
  const int64_t layers = s->layers;
  t->m = m;
  t->s = s;
  t->full = 0;
  t->gram = malloc(sizeof(double) * (size_t)(layers * m * m + layers * m + layers));
  if (!t->gram) return 0;
  t->right = t->gram + layers * m * m;
  t->target = t->right + layers * m;
  for (int32_t l = 0; l < layers; l++) {
    double *gram = t->gram + (int64_t)l * m * m;
    t->target[l] = screen_target(s, l);
    gram[0] = screen_gram(s, l, 0, 0);
    for (int32_t a = 0; a < m; a++) t->right[(int64_t)l * m + a] = screen_right(s, l, a);
    for (int32_t a = 1; a < m; a++) {
      gram[a] = screen_gram(s, l, 0, a);
      gram[a * m] = screen_gram(s, l, a, 0);
      gram[a * m + a] = screen_gram(s, l, a, a);
    }
  }
  return 1;
}

/* The rest of the table: every ⟨v_a, v_b⟩ with 0 < a ≠ b, the same expression as the others. */
static void screen_table_complete(screen_table *t) {
  if (t->full) return;
  const int32_t m = t->m;
  for (int32_t l = 0; l < t->s->layers; l++) {
    double *gram = t->gram + (int64_t)l * m * m;
    for (int32_t a = 1; a < m; a++)
      for (int32_t b = 1; b < m; b++)
        if (a != b) gram[a * m + b] = screen_gram(t->s, l, a, b);
  }
  t->full = 1;
}

/*
 * solve_symmetric's explained part Σ x_a · right_a for two regressors, its operations written out
 * in the same order (the greedy search's first step, where every fine-tune stops, solves only these).
 */
static double explained_by_two(double g00, double g01, double g10, double g11, double r0, double r1) {
  double trace = 0;
  trace += g00;
  trace += g11;
  const double mean = trace / 2;
  const double ridge = 1e-12 * ((mean != 0 && mean == mean) ? mean : 1);
  const double l00 = sqrt(js_max(g00 + ridge, ridge));
  const double l10 = (g10 + 0.0) / l00;
  double sum = g11 + ridge;
  sum -= l10 * l10;
  const double l11 = sqrt(js_max(sum, ridge));
  (void)g01; /* the lower triangle alone is read, as in solve_symmetric */
  const double z0 = r0 / l00;
  double z1 = r1;
  z1 -= l10 * z0;
  z1 = z1 / l11;
  const double x1 = z1 / l11;
  double x0 = z0;
  x0 -= l10 * x1;
  x0 = x0 / l00;
  double explained = 0;
  explained += x0 * r0;
  explained += x1 * r1;
  return explained;
}

/* residualOf of detect-merges.ts: √Σ_l max(0, ⟨y, y⟩ − the fit's explained part) for the regressors `chosen`. */
static double screen_residual(const screen_table *t, int32_t layers, const int32_t *chosen, int32_t count) {
  double total = 0, gram[SCREEN_MAX_SET * SCREEN_MAX_SET], right[SCREEN_MAX_SET], x[SCREEN_MAX_SET];
  const int32_t m = t->m;
  if (count == 2) {
    const int32_t a = chosen[0], b = chosen[1];
    for (int32_t l = 0; l < layers; l++) {
      const double *layer_gram = t->gram + (int64_t)l * m * m;
      const double explained = explained_by_two(layer_gram[a * m + a], layer_gram[a * m + b], layer_gram[b * m + a], layer_gram[b * m + b],
                                                t->right[(int64_t)l * m + a], t->right[(int64_t)l * m + b]);
      total += js_max(0, t->target[l] - explained);
    }
    return sqrt(total);
  }
  for (int32_t l = 0; l < layers; l++) {
    const double *layer_gram = t->gram + (int64_t)l * m * m;
    for (int32_t i = 0; i < count; i++) {
      right[i] = t->right[(int64_t)l * m + chosen[i]];
      for (int32_t j = 0; j < count; j++) gram[i * count + j] = layer_gram[chosen[i] * m + chosen[j]];
    }
    solve_symmetric(gram, right, count, x);
    double explained = 0;
    for (int32_t a = 0; a < count; a++) explained += x[a] * right[a];
    total += js_max(0, t->target[l] - explained);
  }
  return sqrt(total);
}

static int32_t screen_search(screen_table *t, int32_t layers, double slack, double nearer, int32_t nearer_known, int32_t max_parents,
                             double min_step_gain, double merge_residual);

/*
 * greedyFit of detect-merges.ts on one child's shared products, operation for operation, so its
 * verdict is the TypeScript one's: 1 when it finds a fit (the child may be a merge), 0 when it
 * finds none, −1 when it cannot tell without `nearer` (nearer_known 0: the caller's bar is not
 * computed yet, and a step reached the acceptance test; the caller then searches in TypeScript).
 */
static int32_t screen_fit(const screen_layers *sp, double slack, double nearer, int32_t nearer_known, int32_t max_parents, double min_step_gain,
                          double merge_residual) {
  const int32_t layers = sp->layers, m = sp->n - 1;
  if (max_parents > SCREEN_MAX_SET || m < 1) return -1;
  screen_table t;
  if (!screen_table_fill(sp, m, &t)) return -1;
  const int32_t verdict = screen_search(&t, layers, slack, nearer, nearer_known, max_parents, min_step_gain, merge_residual);
  free(t.gram);
  return verdict;
}

/* The search itself on a child's table (screen_fit). */
static int32_t screen_search(screen_table *t, int32_t layers, double slack, double nearer, int32_t nearer_known, int32_t max_parents,
                             double min_step_gain, double merge_residual) {
  const int32_t m = t->m;
  double single = INFINITY;
  for (int32_t at = 0; at < m; at++) {
    double sum = 0;
    for (int32_t l = 0; l < layers; l++) {
      const double target = t->target[l];
      sum = sum + (at == 0 ? target : target - 2 * t->right[(int64_t)l * m + at] + t->gram[((int64_t)l * m + at) * m + at]);
    }
    single = js_min(single, sum);
  }
  single = sqrt(single);
  if (!(single > 0)) return slack > 0 ? 1 : 0;
  int32_t chosen[SCREEN_MAX_SET] = {0};
  int32_t size = 1;
  double residual = single;
  while (size < max_parents) {
    /* A trial of three regressors or more reads products between candidates. */
    if (size >= 2) screen_table_complete(t);
    int32_t best = -1;
    double best_residual = 0;
    for (int32_t at = 1; at < m; at++) {
      int taken = 0;
      for (int32_t i = 0; i < size; i++) taken |= chosen[i] == at;
      if (taken) continue;
      chosen[size] = at;
      const double trial = screen_residual(t, layers, chosen, size + 1);
      if (best < 0 || trial < best_residual) best = at, best_residual = trial;
    }
    if (best < 0 || best_residual > (1 - min_step_gain) * (1 + slack) * residual) return 0;
    chosen[size++] = best;
    residual = best_residual;
    /* min(single, nearer) ≤ single: above the bar at `single` it is above the bar at any `nearer`. */
    if (nearer_known) {
      if (residual <= merge_residual * (1 + slack) * js_min(single, nearer)) return 1;
    } else if (residual <= merge_residual * (1 + slack) * single) {
      return -1;
    }
  }
  return 0;
}

/*
 * The search on one child's n products: gathered for it (`members` NULL, MergeScreen.gather's
 * layout; k unread) or read in place from every product of a tree of k models (screenProducts'
 * layout), members[0 … n − 2] the set and members[n − 1] the child: nothing gathered.
 */
int32_t mother_screen_fit(const double *products, const double *offsets, const double *reference, int32_t layers, int32_t k, const int32_t *members, int32_t n,
                          double slack, double nearer, int32_t nearer_known, int32_t max_parents, double min_step_gain, double merge_residual) {
  const screen_layers s = {products, offsets, reference, members, n, members ? k : 0, layers};
  return screen_fit(&s, slack, nearer, nearer_known, max_parents, min_step_gain, merge_residual);
}

/*
 * The screen for every child of a small tree at once (every product in place, screenProducts'
 * layout): child q (children[q]) has counts[q] candidates at candidates[q · width …], nearest
 * first; start s searches candidates s … with the bar +∞ known for s = 0 and not yet computed
 * after (detect-merges.ts, linearMergeOf). out[q] = the first start whose search does not reject
 * the child (a fit, or undecided: the caller searches from there as before), or the number of
 * starts tried when every one rejects it. One call a tree instead of one per child and start.
 */
void mother_screen_children(const double *products, const double *offsets, const double *reference, int32_t layers, int32_t k, const int32_t *candidates,
                            const int32_t *counts, const int32_t *children, int32_t child_count, int32_t width, int32_t starts, double slack,
                            int32_t max_parents, double min_step_gain, double merge_residual, int32_t *out) {
  int32_t members[SCREEN_MAX_SET * 4 + 1];
  for (int32_t q = 0; q < child_count; q++) {
    const int32_t count = counts[q];
    int32_t s = 0;
    for (; s < starts && s < count - 1; s++) {
      /* A set larger than this buffer is left to the caller, as undecided. */
      if (count - s + 1 > SCREEN_MAX_SET * 4 + 1) break;
      for (int32_t i = s; i < count; i++) members[i - s] = candidates[(int64_t)q * width + i];
      members[count - s] = children[q];
      const screen_layers view = {products, offsets, reference, members, count - s + 1, k, layers};
      if (screen_fit(&view, slack, INFINITY, s == 0, max_parents, min_step_gain, merge_residual) != 0) break;
    }
    out[q] = s;
  }
}

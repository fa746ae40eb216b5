/*
 * Native kernels for what merge detection reads (merge-samples.ts, detect-merges-screen.ts,
 * detect-sparse-merges.ts), which in JavaScript cost more than the sweeps themselves on small
 * models (docs/scale.md):
 *
 *   mother_widen_gather  a tree's merge samples widened to f64 from its held files (merge-samples.ts)
 *   mother_unchanged_count  bit-identical non-zero weights of two merge samples (the TIES/DARE
 *                        screen, detect-sparse-merges.ts: unchangedShare's count)
 *   mother_layer_dots    per-layer inner products of two models' merge samples (the merge
 *   mother_screen_products  screen's shared products, detect-merges-screen.ts: one pair, or every
 *                        pair of a small tree at once, in tiles of 2 × 4 models; FMA sums in
 *                        lanes, which round differently from the TypeScript dot by far less
 *                        than the screen's slack)
 *
 * The screen's search on those products is merge-screen.c. Compiled into the same library as
 * weight-kernels.c (build-native.ts), with the same flags.
 */
#include <immintrin.h>
#include <stdint.h>

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

/*
 * Every product of the merge screen at once, layer by layer so that a layer's samples of every
 * model stay in cache: `samples` holds `models` rows of offsets[layers] values (model 0 is r);
 * `centred` is scratch for s_i − r of one layer at a time (`models` rows as long as the longest
 * layer: ~160 KB for 20 models of 1,008-value layers, which stay in L2 for the products, where a
 * whole tree's differences, ~1.9 MB, did not); then, with L = layers,
 *   pairs[(i·models + j)·L + l] = ⟨s_i − r, s_j − r⟩ (both orders), offsets_out[i·L + l] = ⟨s_i − r, r⟩,
 *   reference[l] = ⟨r, r⟩ — offsets_out and reference the bits of mother_layer_dots on the same
 *   differences, the pairs within the screen's slack of them (dots_2x4).
 */
void mother_screen_products(const double *samples, int32_t models, const int32_t *offsets, int32_t layers, double *centred, double *pairs, double *offsets_out,
                            double *reference) {
  const int64_t stride = offsets[layers];
  int64_t width = 0;
  for (int32_t l = 0; l < layers; l++)
    if (offsets[l + 1] - offsets[l] > width) width = offsets[l + 1] - offsets[l];
#define SCREEN_PAIR(i, j, product)                                     \
  do {                                                                 \
    pairs[((int64_t)(i) * models + (j)) * layers + l] = (product);     \
    pairs[((int64_t)(j) * models + (i)) * layers + l] = (product);     \
  } while (0)
  for (int32_t l = 0; l < layers; l++) {
    const int32_t from = offsets[l], end = offsets[l + 1];
    /* s_i − r, four values a step (the compiler left this loop scalar: half the products' time); value v of row i at centred + i · width + v − from. */
    const int32_t length = end - from;
    for (int32_t i = 0; i < models; i++) {
      const double *own = samples + i * stride + from, *root = samples + from;
      double *row = centred + i * width;
      int32_t v = 0;
      for (; v + 4 <= length; v += 4) _mm256_storeu_pd(row + v, _mm256_sub_pd(_mm256_loadu_pd(own + v), _mm256_loadu_pd(root + v)));
      for (; v < length; v++) row[v] = own[v] - root[v];
    }
    reference[l] = dot4(samples, samples, from, end);
    for (int32_t i = 0; i < models; i++) offsets_out[(int64_t)i * layers + l] = dot4(centred + i * width, samples + from, 0, length);
    /* The upper triangle (j ≥ i) in tiles of two rows by four columns; an odd last row is its own second row. */
    for (int32_t i = 0; i < models; i += 2) {
      const int32_t rows[2] = {i, i + 1 < models ? i + 1 : i};
      const double *const a[2] = {centred + rows[0] * width, centred + rows[1] * width};
      for (int32_t j = i; j < models; j += 4) {
        if (j + 4 <= models) {
          const double *const b[4] = {centred + j * width, centred + (j + 1) * width, centred + (j + 2) * width, centred + (j + 3) * width};
          double tile[8];
          dots_2x4(a, b, 0, length, tile);
          for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
              if (j + c >= rows[r]) SCREEN_PAIR(rows[r], j + c, tile[r * 4 + c]);
        } else {
          for (int r = 0; r < 2; r++)
            for (int32_t c = j; c < models; c++)
              if (c >= rows[r]) SCREEN_PAIR(rows[r], c, dot4(a[r], centred + c * width, 0, length));
        }
      }
    }
  }
#undef SCREEN_PAIR
}

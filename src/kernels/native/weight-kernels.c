/*
 * Native (x86-64 AVX2 + FMA + F16C) versions of the recovery pass's hottest kernels: the
 * per-model power sums, the pairwise |Δ|, the two sketch halves, the bidiagonalisation behind
 * ℓ_LoRA's ranks, and the 16-bit widening. They compute what their WebAssembly twins in
 * ../assembly/weight-kernels.ts compute (same blocking, same f32 products and f64
 * accumulation; see the comments there for the precision argument), twice the lanes at a
 * time, and they work in place on the WebAssembly memory the reader filled:
 * src/kernels/native-kernels.ts passes them absolute addresses into it.
 *
 * Built at install by the machine's C compiler with fixed flags (src/kernels/build-native.ts:
 * -mavx2 -mfma -mf16c -ffp-contract=off, no -march=native, no fast-math), so every x86-64 CPU
 * with AVX2 runs the same instructions and gets the same bits: the arithmetic is the explicit
 * intrinsics below plus IEEE scalar code the compiler may neither fuse nor reorder. Where there
 * is no C compiler, or the CPU lacks AVX2, FMA or F16C (mother_cpu_supported), the WebAssembly
 * kernels serve alone.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "the native kernels need AVX2, FMA and F16C (the WebAssembly kernels serve elsewhere)"
#endif

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * 1 when this CPU (and its operating system) can run the kernels below. Compiled for the
 * x86-64 baseline, so that asking never executes an instruction the answer may rule out.
 */
__attribute__((target("arch=x86-64"))) int32_t mother_cpu_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

/* Values per f32 partial sum in mother_add_power_sums: 8 per lane of each of two accumulators. */
#define POWER_BLOCK 128
/* A chunk fed with an earlier chunk's scale is redone with its own when |y|·scale exceeds this. */
#define LARGEST_SCALED 16777216.0 /* 2^24 */
/* Values per run of f32 |Δ| sums before they are added into f64: 16 per lane of each of 4 accumulators. */
#define RUN 512

static inline double sum_f64x4(__m256d v) {
  __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

/* The eight f32 lanes of v summed pairwise into four f64 lanes. */
static inline __m256d widen_sum(__m256 v) {
  return _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

static inline float min_lane(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_min_ss(m, _mm_shuffle_ps(m, m, 1)));
}

static inline float max_lane(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

static inline void store_range(double *out, float lo, float hi) {
  if ((double)lo < out[4]) out[4] = lo;
  if ((double)hi > out[5]) out[5] = hi;
}

static inline __attribute__((always_inline)) __m256 load8_f32(const void *values, int32_t i) { return _mm256_loadu_ps((const float *)values + i); }
static inline __attribute__((always_inline)) float load1_f32(const void *values, int32_t i) { return ((const float *)values)[i]; }
/* A bf16 is the top half of an f32: widened in registers, exactly. */
static inline __attribute__((always_inline)) __m256 load8_bf16(const void *values, int32_t i) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)values + i))), 16));
}
static inline __attribute__((always_inline)) float load1_bf16(const void *values, int32_t i) {
  union { uint32_t u; float f; } bits = {.u = (uint32_t)((const uint16_t *)values)[i] << 16};
  return bits.f;
}
/* f16 → f32 in registers (F16C), exactly. */
static inline __attribute__((always_inline)) __m256 load8_f16(const void *values, int32_t i) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)values + i))); }
static inline __attribute__((always_inline)) float load1_f16(const void *values, int32_t i) { return _cvtsh_ss(((const uint16_t *)values)[i]); }

/*
 * A power-sum accumulation in progress: four f64 lanes of each of Σy … Σy⁴ (one 128-value block's
 * f32 partial sums added at a time) and eight f32 lanes of the running min and max.
 */
typedef struct {
  __m256d t1, t2, t3, t4;
  __m256 low, high;
} power_state;
_Static_assert(sizeof(power_state) == 192, "weight-kernels.ts's POWER_STATE_BYTES");

static inline power_state power_start(void) {
  return (power_state){_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_set1_ps(INFINITY), _mm256_set1_ps(-INFINITY)};
}

/*
 * One POWER_BLOCK of values [start, start + 128) into `s`: y = (x − shift)·scale as one fused
 * x·c − kc (c = scale, kc = shift·scale: scale is a power of two, so both products are exact and
 * the single rounding equals the separate subtraction's), f32 partial sums in two accumulators
 * of 8 lanes, then added into the f64 lanes. The range is tracked unless the caller found it first.
 */
static inline __attribute__((always_inline)) void power_block(const void *values, int32_t start, __m256 c, __m256 kc, int track_range, power_state *s,
                                                              __m256 (*load8)(const void *, int32_t)) {
  __m256 a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps(), a4 = _mm256_setzero_ps();
  __m256 b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps(), b4 = _mm256_setzero_ps();
  __m256 low = s->low, high = s->high;
  for (int32_t i = start; i < start + POWER_BLOCK; i += 16) {
    const __m256 v = load8(values, i);
    const __m256 w = load8(values, i + 8);
    if (track_range) {
      low = _mm256_min_ps(_mm256_min_ps(v, w), low);
      high = _mm256_max_ps(_mm256_max_ps(v, w), high);
    }
    const __m256 y = _mm256_fmsub_ps(v, c, kc);
    const __m256 z = _mm256_fmsub_ps(w, c, kc);
    const __m256 yy = _mm256_mul_ps(y, y), zz = _mm256_mul_ps(z, z);
    a1 = _mm256_add_ps(a1, y);
    b1 = _mm256_add_ps(b1, z);
    a2 = _mm256_add_ps(a2, yy);
    b2 = _mm256_add_ps(b2, zz);
    a3 = _mm256_fmadd_ps(yy, y, a3);
    b3 = _mm256_fmadd_ps(zz, z, b3);
    a4 = _mm256_fmadd_ps(yy, yy, a4);
    b4 = _mm256_fmadd_ps(zz, zz, b4);
  }
  s->low = low;
  s->high = high;
  s->t1 = _mm256_add_pd(s->t1, widen_sum(_mm256_add_ps(a1, b1)));
  s->t2 = _mm256_add_pd(s->t2, widen_sum(_mm256_add_ps(a2, b2)));
  s->t3 = _mm256_add_pd(s->t3, widen_sum(_mm256_add_ps(a3, b3)));
  s->t4 = _mm256_add_pd(s->t4, widen_sum(_mm256_add_ps(a4, b4)));
}

/*
 * Ends a chunk's power sums: the f64 lanes summed, the values [blocked, count) that fill no
 * block added one by one, and the sums scaled back into `out`. With a given scale (the range
 * tracked in `s`, not found first: `lo`, `hi` unused) a chunk whose |y| would exceed
 * LARGEST_SCALED leaves `out` alone and returns 0 (the caller redoes it with its own scale).
 */
static inline __attribute__((always_inline)) double power_finish(const void *values, int32_t blocked, int32_t count, double shift, double scale, int derived, float lo,
                                                                 float hi, const power_state *s, double *out, float (*load1)(const void *, int32_t)) {
  double s1 = sum_f64x4(s->t1), s2 = sum_f64x4(s->t2), s3 = sum_f64x4(s->t3), s4 = sum_f64x4(s->t4);
  if (!derived) {
    lo = min_lane(s->low);
    hi = max_lane(s->high);
  }
  for (int32_t i = blocked; i < count; i++) {
    const float x = load1(values, i);
    if (!derived) {
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    const double y = (double)((x - (float)shift) * (float)scale);
    const double yy = y * y;
    s1 += y;
    s2 += yy;
    s3 += yy * y;
    s4 += yy * yy;
  }
  if (!derived && fmax((double)hi - shift, shift - (double)lo) * scale > LARGEST_SCALED) return 0;
  store_range(out, lo, hi);
  const double unscale = 1 / scale;
  const double unscale2 = unscale * unscale;
  out[0] += s1 * unscale;
  out[1] += s2 * unscale2;
  out[2] += s3 * unscale2 * unscale;
  out[3] += s4 * unscale2 * unscale2;
  return scale;
}

/*
 * As addPowerSums in ../assembly/weight-kernels.ts: adds [Σy, Σy², Σy³, Σy⁴, min x, max x] of
 * y = (x − shift)·scale over `count` values (f32, or 16-bit ones that load8/load1 widen in
 * registers) into `out`, and returns the scale used (0 when a given scale was too small for this
 * chunk, which is then left out). Scale 0 finds it from the chunk's range first.
 */
static inline __attribute__((always_inline)) double power_sums(const void *values, int32_t count, double shift, double scale, double *out, __m256 (*load8)(const void *, int32_t),
                                                             float (*load1)(const void *, int32_t)) {
  const int32_t vectors = count & ~7;
  float lo = INFINITY, hi = -INFINITY;
  const int derived = scale == 0;
  if (derived) {
    __m256 low = _mm256_set1_ps(INFINITY), high = _mm256_set1_ps(-INFINITY);
    for (int32_t i = 0; i < vectors; i += 8) {
      const __m256 v = load8(values, i);
      low = _mm256_min_ps(v, low);
      high = _mm256_max_ps(v, high);
    }
    lo = min_lane(low);
    hi = max_lane(high);
    for (int32_t i = vectors; i < count; i++) {
      const float x = load1(values, i);
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    const double deviation = fmax((double)hi - shift, shift - (double)lo);
    if (deviation == 0) {
      store_range(out, lo, hi);
      return 0;
    }
    // As the WebAssembly kernel: 2^−(e+1) for deviation = m·2^e; a NaN or infinite deviation gives NaN sums.
    union { double d; uint64_t u; } bits = {.d = deviation};
    const int64_t exponent = (int64_t)((bits.u >> 52) & 0x7ff);
    if (exponent >= 2046) scale = 0.0;
    else {
      bits.u = (uint64_t)(2045 - exponent) << 52;
      scale = bits.d;
    }
  }
  const __m256 c = _mm256_set1_ps((float)scale);
  const __m256 kc = _mm256_set1_ps((float)shift * (float)scale);
  power_state s = power_start();
  const int32_t blocked = count & ~(POWER_BLOCK - 1);
  for (int32_t start = 0; start < blocked; start += POWER_BLOCK) power_block(values, start, c, kc, !derived, &s, load8);
  return power_finish(values, blocked, count, shift, scale, derived, lo, hi, &s, out, load1);
}

double mother_add_power_sums(const float *values, int32_t count, double shift, double scale, double *out) {
  return power_sums(values, count, shift, scale, out, load8_f32, load1_f32);
}

/*
 * The same sums straight from 16-bit weights, widened in registers: a layer read only for its
 * statistics need not be widened into memory first (bf16/f16 values are exact in f32, so the
 * sums are bit for bit those of the widened chunk).
 */
double mother_add_power_sums_bf16(const uint16_t *values, int32_t count, double shift, double scale, double *out) {
  return power_sums(values, count, shift, scale, out, load8_bf16, load1_bf16);
}

double mother_add_power_sums_f16(const uint16_t *values, int32_t count, double shift, double scale, double *out) {
  return power_sums(values, count, shift, scale, out, load8_f16, load1_f16);
}

/*
 * Run [start, start + RUN) of every pair of the `models` f32 arrays (at base + table[i]) folded
 * into `out` (max |a − b| at [i·n + j], Σ|a − b| at [n² + i·n + j], i < j): f32 sums in four
 * accumulators of 8 lanes, added into f64 once per run. The run stays in L1 across the pairs.
 */
static inline __attribute__((always_inline)) void pairwise_run(const uint8_t *base, const uint32_t *table, int32_t models, int32_t start, double *out) {
  double *sums = out + (int64_t)models * models;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int32_t i = 0; i < models; i++) {
    const float *a = (const float *)(base + table[i]) + start;
    for (int32_t j = i + 1; j < models; j++) {
      const float *b = (const float *)(base + table[j]) + start;
      __m256 m0 = _mm256_setzero_ps(), m1 = _mm256_setzero_ps(), m2 = _mm256_setzero_ps(), m3 = _mm256_setzero_ps();
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
      for (int32_t e = 0; e < RUN; e += 32) {
        const __m256 d0 = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e)));
        const __m256 d1 = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(a + e + 8), _mm256_loadu_ps(b + e + 8)));
        const __m256 d2 = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(a + e + 16), _mm256_loadu_ps(b + e + 16)));
        const __m256 d3 = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(a + e + 24), _mm256_loadu_ps(b + e + 24)));
        m0 = _mm256_max_ps(d0, m0);
        m1 = _mm256_max_ps(d1, m1);
        m2 = _mm256_max_ps(d2, m2);
        m3 = _mm256_max_ps(d3, m3);
        s0 = _mm256_add_ps(s0, d0);
        s1 = _mm256_add_ps(s1, d1);
        s2 = _mm256_add_ps(s2, d2);
        s3 = _mm256_add_ps(s3, d3);
      }
      const int64_t at = (int64_t)i * models + j;
      const double most = max_lane(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
      if (most > out[at]) out[at] = most;
      sums[at] += sum_f64x4(widen_sum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))));
    }
  }
}

/* Values [from, count) of every pair (fewer than a run) folded into `out` one by one, in f64. */
static inline void pairwise_tail(const uint8_t *base, const uint32_t *table, int32_t models, int32_t from, int32_t count, double *out) {
  double *sums = out + (int64_t)models * models;
  for (int32_t i = 0; i < models; i++) {
    const float *a = (const float *)(base + table[i]);
    for (int32_t j = i + 1; j < models; j++) {
      const float *b = (const float *)(base + table[j]);
      const int64_t at = (int64_t)i * models + j;
      double most = out[at], total = sums[at];
      for (int32_t e = from; e < count; e++) {
        const double d = fabs((double)(a[e] - b[e]));
        most = d > most ? d : most;
        total += d;
      }
      out[at] = most;
      sums[at] = total;
    }
  }
}

/*
 * As addPairwiseAbsoluteDifferences in ../assembly/weight-kernels.ts: folds max |a − b| and
 * Σ|a − b| of every pair of the `models` f32 arrays (at base + table[i]) over `count` values into
 * `out` (max at [i·n + j], sum at [n² + i·n + j], i < j), in runs that stay in L1.
 */
void mother_add_pairwise(const uint8_t *base, const uint32_t *table, int32_t models, int32_t count, double *out) {
  const int32_t blocked = count & ~(RUN - 1);
  for (int32_t start = 0; start < blocked; start += RUN) pairwise_run(base, table, models, start, out);
  pairwise_tail(base, table, models, blocked, count, out);
}

/* Columns per tile of mother_sketch_rows: a tile of every bucket row (≤ ~170 × 2 KB) stays in L2. */
#define SKETCH_TILE 256

/*
 * As sketchRows in ../assembly/weight-kernels.ts: for each row r of the rows × cols f32 matrix
 * W and each of its `sparsity` (bucket, sign) pairs, out[bucket, :] += sign · W[r, :] in f64,
 * one column tile at a time so the bucket rows' tile stays in cache.
 */
void mother_sketch_rows(const float *weights, int32_t rows, int32_t cols, const int32_t *buckets, const double *signs, int32_t sparsity, double *out) {
  for (int32_t tile = 0; tile < cols; tile += SKETCH_TILE) {
    const int32_t end = tile + SKETCH_TILE < cols ? tile + SKETCH_TILE : cols;
    for (int32_t r = 0; r < rows; r++) {
      const float *row = weights + (int64_t)r * cols;
      for (int32_t s = 0; s < sparsity; s++) {
        const int64_t pick = (int64_t)r * sparsity + s;
        double *target = out + (int64_t)buckets[pick] * cols;
        const double scalar = signs[pick];
        const __m256d sign = _mm256_set1_pd(scalar);
        int32_t c = tile;
        for (; c + 4 <= end; c += 4) {
          const __m256d value = _mm256_cvtps_pd(_mm_loadu_ps(row + c));
          _mm256_storeu_pd(target + c, _mm256_add_pd(_mm256_loadu_pd(target + c), _mm256_mul_pd(sign, value)));
        }
        for (; c < end; c++) target[c] += scalar * (double)row[c];
      }
    }
  }
}

/*
 * As sketchColumns in ../assembly/weight-kernels.ts: for each row i of the rows × cols f64
 * `left` and each column c with its `sparsity` (bucket, sign) pairs, out[i, bucket] += sign ·
 * left[i, c]; `out` (rows × width) is zeroed by the caller.
 */
void mother_sketch_columns(const double *left, int32_t rows, int32_t cols, const int32_t *buckets, const double *signs, int32_t sparsity, int32_t width, double *out) {
  for (int32_t i = 0; i < rows; i++) {
    const double *source = left + (int64_t)i * cols;
    double *target = out + (int64_t)i * width;
    for (int32_t c = 0; c < cols; c++) {
      const double value = source[c];
      for (int32_t s = 0; s < sparsity; s++) {
        const int64_t pick = (int64_t)c * sparsity + s;
        target[buckets[pick]] += signs[pick] * value;
      }
    }
  }
}

/* Σ a[j]·b[j] for j in [from, to), four lanes at a time. */
static double dot(const double *a, const double *b, int32_t from, int32_t to) {
  __m256d sum = _mm256_setzero_pd();
  int32_t j = from;
  for (; j + 4 <= to; j += 4) sum = _mm256_fmadd_pd(_mm256_loadu_pd(a + j), _mm256_loadu_pd(b + j), sum);
  double total = sum_f64x4(sum);
  for (; j < to; j++) total += a[j] * b[j];
  return total;
}

/* y[j] += scale · x[j] for j in [from, to), four lanes at a time. */
static void axpy(double *y, const double *x, double scale, int32_t from, int32_t to) {
  const __m256d s = _mm256_set1_pd(scale);
  int32_t j = from;
  for (; j + 4 <= to; j += 4) _mm256_storeu_pd(y + j, _mm256_fmadd_pd(s, _mm256_loadu_pd(x + j), _mm256_loadu_pd(y + j)));
  for (; j < to; j++) y[j] += scale * x[j];
}

/*
 * As bidiagonalize in ../assembly/weight-kernels.ts (the reflections of
 * src/distance/bidiagonal-singular-values.ts, in the same order): Householder
 * bidiagonalisation of the rows × cols (rows ≥ cols) row-major f64 `matrix` (overwritten) into
 * `diagonal` (cols) and `superdiagonal` (cols − 1); `reflector` (rows) and `projection` (cols)
 * are scratch. Its sums run four lanes at a time with fused multiply-adds, so singular values
 * agree with the WebAssembly kernel's to rounding, not bit for bit.
 */
void mother_bidiagonalize(double *matrix, int32_t rows, int32_t cols, double *diagonal, double *superdiagonal, double *reflector, double *projection) {
  for (int32_t k = 0; k < cols; k++) {
    // Left reflector: zero column k below the diagonal.
    double norm = 0;
    for (int32_t i = k; i < rows; i++) {
      const double x = matrix[(int64_t)i * cols + k];
      norm += x * x;
    }
    norm = sqrt(norm);
    if (norm == 0) {
      diagonal[k] = 0;
    } else {
      const double head = matrix[(int64_t)k * cols + k];
      const double alpha = head > 0 ? -norm : norm;
      double vNorm2 = 0;
      for (int32_t i = k; i < rows; i++) {
        const double v = i == k ? head - alpha : matrix[(int64_t)i * cols + k];
        reflector[i] = v;
        vNorm2 += v * v;
      }
      diagonal[k] = alpha;
      if (vNorm2 > 0) {
        const double beta = 2 / vNorm2;
        for (int32_t j = k + 1; j < cols; j++) projection[j] = 0;
        // projection = vᵀ A[k:, k+1:]
        for (int32_t i = k; i < rows; i++) axpy(projection, matrix + (int64_t)i * cols, reflector[i], k + 1, cols);
        // A[k:, k+1:] −= β v projectionᵀ
        for (int32_t r = k; r < rows; r++) {
          const double scale = beta * reflector[r];
          if (scale != 0) axpy(matrix + (int64_t)r * cols, projection, -scale, k + 1, cols);
        }
      }
    }
    if (k >= cols - 1) continue;

    // Right reflector: zero row k right of the superdiagonal.
    double *rowK = matrix + (int64_t)k * cols;
    norm = sqrt(dot(rowK, rowK, k + 1, cols));
    if (norm == 0) {
      superdiagonal[k] = 0;
      continue;
    }
    const double head = rowK[k + 1];
    const double alpha = head > 0 ? -norm : norm;
    for (int32_t j = k + 1; j < cols; j++) reflector[j] = j == k + 1 ? head - alpha : rowK[j];
    const double vNorm2 = dot(reflector, reflector, k + 1, cols);
    superdiagonal[k] = alpha;
    if (vNorm2 == 0) continue;
    const double beta = 2 / vNorm2;
    // A[k+1:, k+1:] ← A (I − β v vᵀ)
    for (int32_t i = k + 1; i < rows; i++) {
      double *row = matrix + (int64_t)i * cols;
      axpy(row, reflector, -beta * dot(row, reflector, k + 1, cols), k + 1, cols);
    }
  }
}

/* bf16 → f32 for `count` values: each is the top half of an f32. Exact, NaN and ±Inf included. */
void mother_widen_bf16(const uint16_t *source, float *target, int32_t count) {
  int32_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(source + i)));
    _mm256_storeu_si256((__m256i *)(target + i), _mm256_slli_epi32(wide, 16));
  }
  for (; i < count; i++) {
    union { uint32_t u; float f; } bits = {.u = (uint32_t)source[i] << 16};
    target[i] = bits.f;
  }
}

/* f16 → f32 for `count` values, exactly (F16C; ±Inf kept, a NaN stays a NaN). */
void mother_widen_f16(const uint16_t *source, float *target, int32_t count) {
  int32_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(target + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(source + i))));
  for (; i < count; i++) target[i] = _cvtsh_ss(source[i]);
}

/* One f16 at bytes[0..1] (little-endian) as f32. */
static inline float half_at(const uint8_t *bytes) {
  return _cvtsh_ss((unsigned short)(bytes[0] | (bytes[1] << 8)));
}

/*
 * GGUF Q8_0 → f32 for `count` values (whole 32-value blocks of an f16 d and 32 signed bytes):
 * value = q · d, one f32 product as in ggml's dequantize_row_q8_0 (src/io/gguf/dequantize.ts is
 * the TypeScript twin the WebAssembly path uses).
 */
void mother_dequantize_q8_0(const uint8_t *blocks, float *target, int32_t count) {
  for (int32_t b = 0; b < count / 32; b++) {
    const uint8_t *block = blocks + 34 * (int64_t)b;
    const __m256 d = _mm256_set1_ps(half_at(block));
    for (int j = 0; j < 32; j += 8) {
      const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(block + 2 + j)));
      _mm256_storeu_ps(target + 32 * (int64_t)b + j, _mm256_mul_ps(_mm256_cvtepi32_ps(q), d));
    }
  }
}

/* Sub-block j's (0–7) 6-bit scale and min in a Q4_K/Q5_K super-block's 12 packed bytes (ggml's get_scale_min_k4). */
static inline int k_scale(const uint8_t *scales, int j) { return j < 4 ? scales[j] & 63 : (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4); }
static inline int k_min(const uint8_t *scales, int j) { return j < 4 ? scales[j + 4] & 63 : (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4); }

/*
 * GGUF Q4_K → f32 for `count` values (whole 256-value super-blocks: f16 d and dmin, 12 bytes of
 * 6-bit sub-block scales and mins, 128 bytes of nibbles): value = (d·sc)·q − dmin·m, products and
 * difference rounded to f32 one by one as in ggml's dequantize_row_q4_K (no FMA: -std=c11 does not
 * contract).
 */
void mother_dequantize_q4_k(const uint8_t *blocks, float *target, int32_t count) {
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 144 * (int64_t)b;
    const float d = half_at(block), dmin = half_at(block + 2);
    const uint8_t *scales = block + 4, *q = block + 16;
    float *y = target + 256 * (int64_t)b;
    for (int pair = 0; pair < 4; pair++, q += 32, y += 64) {
      const int j = 2 * pair;
      const int sc1 = k_scale(scales, j), m1 = k_min(scales, j), sc2 = k_scale(scales, j + 1), m2 = k_min(scales, j + 1);
      const __m256 d1 = _mm256_set1_ps(d * (float)sc1), min1 = _mm256_set1_ps(dmin * (float)m1);
      const __m256 d2 = _mm256_set1_ps(d * (float)sc2), min2 = _mm256_set1_ps(dmin * (float)m2);
      const __m256i low = _mm256_set1_epi32(0xF);
      for (int l = 0; l < 32; l += 8) {
        const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + l)));
        const __m256 lo = _mm256_cvtepi32_ps(_mm256_and_si256(bytes, low));
        const __m256 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(bytes, 4));
        _mm256_storeu_ps(y + l, _mm256_sub_ps(_mm256_mul_ps(d1, lo), min1));
        _mm256_storeu_ps(y + 32 + l, _mm256_sub_ps(_mm256_mul_ps(d2, hi), min2));
      }
    }
  }
}

/* Eight signed bytes (the low or high half of `v`'s 128-bit half `half`, `upper` selecting) as f32. */
static inline __m256 bytes_to_f32(__m128i half, int upper) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(upper ? _mm_srli_si128(half, 8) : half));
}

/* The 32 bytes of `v` as four runs of 8 f32 each multiplied by its scale and less its min: y = fl(fl(scale·q) − min), ggml's order. */
static inline void store_scaled(float *y, __m256i v, const float scale[4], const float min[4]) {
  const __m128i low = _mm256_castsi256_si128(v), high = _mm256_extracti128_si256(v, 1);
  for (int k = 0; k < 4; k++) {
    const __m256 q = bytes_to_f32(k < 2 ? low : high, k & 1);
    _mm256_storeu_ps(y + 8 * k, _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(scale[k]), q), _mm256_set1_ps(min[k])));
  }
}

/*
 * GGUF Q5_K → f32 (whole 256-value super-blocks: f16 d and dmin, 12 bytes of 6-bit scales and
 * mins, 32 bytes of fifth bits, 128 bytes of low nibbles): value = (d·sc)·(q + 16·h) − dmin·m, as
 * ggml's dequantize_row_q5_K, each product and the difference rounded to f32 — 32 values per
 * register of bytes.
 */
void mother_dequantize_q5_k(const uint8_t *blocks, float *target, int32_t count) {
  const __m256i nibble = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 176 * (int64_t)b;
    const float d = half_at(block), dmin = half_at(block + 2);
    const uint8_t *scales = block + 4, *q = block + 48;
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(block + 16));
    float *y = target + 256 * (int64_t)b;
    for (int pair = 0; pair < 4; pair++, q += 32, y += 64) {
      const int j = 2 * pair;
      const float d1 = d * (float)k_scale(scales, j), min1 = dmin * (float)k_min(scales, j);
      const float d2 = d * (float)k_scale(scales, j + 1), min2 = dmin * (float)k_min(scales, j + 1);
      const __m256i bytes = _mm256_loadu_si256((const __m256i *)q);
      // Fifth bits 2·pair and 2·pair + 1 of each qh byte, moved to bit 4.
      const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * pair), one), 4);
      const __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * pair + 1), one), 4);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(bytes, nibble), h1);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble), h2);
      store_scaled(y, lo, (const float[4]){d1, d1, d1, d1}, (const float[4]){min1, min1, min1, min1});
      store_scaled(y + 32, hi, (const float[4]){d2, d2, d2, d2}, (const float[4]){min2, min2, min2, min2});
    }
  }
}

/*
 * Half n (0 or 1) of a Q6_K super-block as q − 32 in four registers of bytes: values l, l + 32,
 * l + 64, l + 96 of the half's 128 (l < 32), a nibble and two high bits each. Shared by the
 * decoder below and the integer moments (block-moments.c).
 */
static inline void q6_k_unpack(const uint8_t *block, int n, __m256i q[4]) {
  const __m256i nibble = _mm256_set1_epi8(0x0F), pair = _mm256_set1_epi8(3), bias = _mm256_set1_epi8(32);
  const uint8_t *ql = block + 64 * n;
  const __m256i low = _mm256_loadu_si256((const __m256i *)ql), high = _mm256_loadu_si256((const __m256i *)(ql + 32));
  const __m256i qh = _mm256_loadu_si256((const __m256i *)(block + 128 + 32 * n));
  q[0] = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(low, nibble), _mm256_slli_epi16(_mm256_and_si256(qh, pair), 4)), bias);
  q[1] = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(high, nibble), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), pair), 4)), bias);
  q[2] = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(low, 4), nibble), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), pair), 4)), bias);
  q[3] = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(high, 4), nibble), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), pair), 4)), bias);
}

/*
 * GGUF Q6_K → f32 (whole 256-value super-blocks: 128 bytes of low nibbles, 64 bytes of high bit
 * pairs, 16 signed scales, f16 d): value = (d·sc)·(q − 32), as ggml's dequantize_row_q6_K — 32
 * values per register of bytes.
 */
void mother_dequantize_q6_k(const uint8_t *blocks, float *target, int32_t count) {
  const float zero[4] = {0, 0, 0, 0};
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 210 * (int64_t)b;
    const float d = half_at(block + 208);
    float *y = target + 256 * (int64_t)b;
    for (int n = 0; n < 2; n++, y += 128) {
      const int8_t *sc = (const int8_t *)(block + 192 + 8 * n);
      __m256i q[4];
      q6_k_unpack(block, n, q);
      for (int k = 0; k < 4; k++) {
        // Values 0–15 of each 32 take scale sc[2k], values 16–31 sc[2k + 1].
        const float first = d * (float)sc[2 * k], second = d * (float)sc[2 * k + 1];
        store_scaled(y + 32 * k, q[k], (const float[4]){first, first, second, second}, zero);
      }
    }
  }
}

#include "block-moments.c"

/*
 * What a model's chunk is in mother_layer_chunk: f32 values already at its target, or GGUF blocks
 * to decode there; CHUNK_INTEGER_SUMS: its power sums from the blocks' integers
 * (mother_block_power_sums, Q8_0, Q4_K and Q6_K), CHUNK_NO_DECODE: no decode (a layer read only for its statistics).
 */
enum { CHUNK_F32 = 0, CHUNK_Q8_0 = 1, CHUNK_Q4_K = 2, CHUNK_Q5_K = 3, CHUNK_Q6_K = 4, CHUNK_INTEGER_SUMS = 0x100, CHUNK_NO_DECODE = 0x200 };

/* Values [from, from + count) (whole blocks) of a model's chunk decoded into target[from…]. */
static inline void decode_values(int32_t kind, const uint8_t *blocks, float *target, int32_t from, int32_t count) {
  switch (kind) {
  case CHUNK_Q8_0: mother_dequantize_q8_0(blocks + (int64_t)from / 32 * 34, target + from, count); break;
  case CHUNK_Q4_K: mother_dequantize_q4_k(blocks + (int64_t)from / 256 * 144, target + from, count); break;
  case CHUNK_Q5_K: mother_dequantize_q5_k(blocks + (int64_t)from / 256 * 176, target + from, count); break;
  case CHUNK_Q6_K: mother_dequantize_q6_k(blocks + (int64_t)from / 256 * 210, target + from, count); break;
  default: break;
  }
}

/*
 * One chunk of a layer for every model at once, a RUN of values at a time: each model's run is
 * decoded into its f32 target (GGUF blocks; f32 chunks are there already), folded into its power
 * sums while in L1, and then every pair of each group is folded in from L1 — the same arithmetic,
 * in the same order per model and per pair, as mother_dequantize_*, then mother_add_power_sums
 * with the model's given scale, then mother_add_pairwise, so the bits are theirs; only each
 * value's trips through memory are saved. Runs start at multiples of RUN, so a run is whole
 * blocks of every type when the chunk is.
 *
 *   plan[4m …]   kind (CHUNK_* and its flags), source, target, power-sum accumulator (byte offsets from base)
 *   scales[m]    in: the model's scale (0: no power sums here, the caller sums the target);
 *                out: the scale used, or 0 when the chunk overflowed it (redo it with scale 0)
 *   groups[3g …] pairwise table, member count, accumulator (as mother_add_pairwise's)
 *   states       models × sizeof(power_state) bytes of scratch (any alignment)
 */
void mother_layer_chunk(const uint8_t *base, const uint32_t *plan, int32_t models, int32_t count, const double *shifts, double *scales, const uint32_t *groups,
                        int32_t group_count, uint8_t *states) {
  const int32_t runs = count & ~(RUN - 1);
  const int32_t blocked = count & ~(POWER_BLOCK - 1);
  for (int32_t m = 0; m < models; m++) {
    const power_state start = power_start();
    memcpy(states + (int64_t)m * sizeof(power_state), &start, sizeof(power_state));
    const uint32_t *model = plan + 4 * m;
    // Summed from the integers, whole chunk at once (the caller gives scale 0: no f32 sums).
    if (model[0] & CHUNK_INTEGER_SUMS) mother_block_power_sums((int32_t)(model[0] & 0xFF), base + model[1], count, shifts[m], (double *)(base + model[3]));
  }
  for (int32_t from = 0; from < count; from += RUN) {
    const int32_t end = from + RUN <= count ? from + RUN : count;
    for (int32_t m = 0; m < models; m++) {
      const uint32_t *model = plan + 4 * m;
      float *target = (float *)(base + model[2]);
      if (!(model[0] & CHUNK_NO_DECODE)) decode_values((int32_t)(model[0] & 0xFF), base + model[1], target, from, end - from);
      if (scales[m] == 0) continue;
      const __m256 c = _mm256_set1_ps((float)scales[m]);
      const __m256 kc = _mm256_set1_ps((float)shifts[m] * (float)scales[m]);
      power_state s;
      memcpy(&s, states + (int64_t)m * sizeof(power_state), sizeof(power_state));
      const int32_t last = end < blocked ? end : blocked;
      for (int32_t block = from; block < last; block += POWER_BLOCK) power_block(target, block, c, kc, 1, &s, load8_f32);
      memcpy(states + (int64_t)m * sizeof(power_state), &s, sizeof(power_state));
    }
    if (end - from < RUN) break;
    for (int32_t g = 0; g < group_count; g++) {
      const uint32_t *group = groups + 3 * g;
      pairwise_run(base, (const uint32_t *)(base + group[0]), (int32_t)group[1], from, (double *)(base + group[2]));
    }
  }
  for (int32_t g = 0; g < group_count; g++) {
    const uint32_t *group = groups + 3 * g;
    pairwise_tail(base, (const uint32_t *)(base + group[0]), (int32_t)group[1], runs, count, (double *)(base + group[2]));
  }
  for (int32_t m = 0; m < models; m++) {
    if (scales[m] == 0) continue;
    power_state s;
    memcpy(&s, states + (int64_t)m * sizeof(power_state), sizeof(power_state));
    const uint32_t *model = plan + 4 * m;
    scales[m] = power_finish(base + model[2], blocked, count, shifts[m], scales[m], 0, 0, 0, &s, (double *)(base + model[3]), load1_f32);
  }
}

/*
 * Rows [first_row, first_row + rows) of a PEFT adapter's layer read as a model's: out = stored +
 * L·R, L (scaled B) rows × rank and R (A) rank × cols in f64, the sum rounded to f32 once
 * (src/io/peft/adapter-tensor.ts is the TypeScript twin, the same sums in another order). Four
 * columns a register, all rank terms summed there: out is written once per value.
 */
void mother_add_low_rank_rows(const float *stored, const double *left, const double *right, float *out, int32_t first_row, int32_t rows, int32_t cols,
                              int32_t rank) {
  for (int32_t r = 0; r < rows; r++) {
    const double *l = left + (int64_t)(first_row + r) * rank;
    const float *s = stored + (int64_t)r * cols;
    float *o = out + (int64_t)r * cols;
    int32_t j = 0;
    // Sixteen columns at a time: four independent chains of rank adds, so the adds' latency is hidden.
    for (; j + 16 <= cols; j += 16) {
      __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd(), sum2 = _mm256_setzero_pd(), sum3 = _mm256_setzero_pd();
      for (int32_t k = 0; k < rank; k++) {
        const __m256d factor = _mm256_set1_pd(l[k]);
        const double *row = right + (int64_t)k * cols + j;
        sum0 = _mm256_add_pd(sum0, _mm256_mul_pd(factor, _mm256_loadu_pd(row)));
        sum1 = _mm256_add_pd(sum1, _mm256_mul_pd(factor, _mm256_loadu_pd(row + 4)));
        sum2 = _mm256_add_pd(sum2, _mm256_mul_pd(factor, _mm256_loadu_pd(row + 8)));
        sum3 = _mm256_add_pd(sum3, _mm256_mul_pd(factor, _mm256_loadu_pd(row + 12)));
      }
      _mm_storeu_ps(o + j, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(s + j)), sum0)));
      _mm_storeu_ps(o + j + 4, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(s + j + 4)), sum1)));
      _mm_storeu_ps(o + j + 8, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(s + j + 8)), sum2)));
      _mm_storeu_ps(o + j + 12, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(s + j + 12)), sum3)));
    }
    for (; j + 4 <= cols; j += 4) {
      __m256d sum = _mm256_setzero_pd();
      for (int32_t k = 0; k < rank; k++) sum = _mm256_add_pd(sum, _mm256_mul_pd(_mm256_set1_pd(l[k]), _mm256_loadu_pd(right + (int64_t)k * cols + j)));
      _mm_storeu_ps(o + j, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(s + j)), sum)));
    }
    for (; j < cols; j++) {
      double sum = 0;
      for (int32_t k = 0; k < rank; k++) sum += l[k] * right[(int64_t)k * cols + j];
      o[j] = (float)((double)s[j] + sum);
    }
  }
}

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
 * intrinsics below plus IEEE scalar code the compiler may neither fuse nor reorder (GGUF's
 * integer sums also have an AVX-512 path, chosen at run time, that gives the same bits:
 * block-moments-wide.c). Where there
 * is no C compiler, or the CPU lacks AVX2, FMA or F16C (mother_cpu_supported), the WebAssembly
 * kernels serve alone.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "the native kernels need AVX2, FMA and F16C (the WebAssembly kernels serve elsewhere)"
#endif

#include <immintrin.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
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
 * Run [start, start + RUN) of every pair of the `models` f32 arrays (at members[i]) folded
 * into `out` (max |a − b| at [i·n + j], Σ|a − b| at [n² + i·n + j], i < j): f32 sums in four
 * accumulators of 8 lanes, added into f64 once per run. The run stays in L1 across the pairs.
 */
static inline __attribute__((always_inline)) void pairwise_run(const float *const *members, int32_t models, int32_t start, double *out) {
  double *sums = out + (int64_t)models * models;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int32_t i = 0; i < models; i++) {
    const float *a = members[i] + start;
    for (int32_t j = i + 1; j < models; j++) {
      const float *b = members[j] + start;
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

/*
 * pairwise_tail's layout while it is filled from the members, which a layer stream may have mapped
 * (layer-stream.c): a SIGBUS there (the file cut short meanwhile) leaves through the stream's
 * guard by siglongjmp, past the free, and the guard frees it instead. Volatile and fenced so the
 * compiler keeps the stores where they are; hidden, one per thread, initial-exec as the guard's.
 */
__attribute__((visibility("hidden"), tls_model("initial-exec"))) _Thread_local void *volatile mother_pairwise_room;

/* Whether this thread holds a pairwise_tail layout now: a test's check that the guard freed the one it jumped out of. */
int32_t mother_pairwise_room_held(void) { return mother_pairwise_room != 0; }

/*
 * Values [from, count) of every pair (fewer than a run) folded into `out` one by one, in f64:
 * for each pair, max(d, most) and total + d with d = |f64(a − b)| (the f32 difference, widened).
 * Each pair's sum is one chain of dependent adds, and a 2304-value layer's 256-value tail cost as
 * much as its four SIMD runs one pair at a time. So the tail's values are laid out value-major
 * (every model's value e together) and each value e is folded into every pair before the next:
 * four pairs of a row per vector, their running max and sum in `out` — every pair's operations
 * and their order unchanged (MAXPD(d, most) is d > most ? d : most; andnot the sign is fabs).
 */
static inline void pairwise_tail(const float *const *members, int32_t models, int32_t from, int32_t count, double *out) {
  const int32_t length = count - from;
  if (length <= 0 || models < 2) return;
  double *sums = out + (int64_t)models * models;
  const size_t padded = (size_t)models + 4;
  /* The value-major layout, then each row's running max and sum (f64, 8-byte aligned after the floats: length · padded is rounded up). */
  float *values = malloc(sizeof(float) * (((size_t)length * padded + 1) & ~(size_t)1) + 2 * sizeof(double) * (size_t)models * padded);
  if (!values) {
    /* No memory for the layout: pair by pair, the same operations. */
    for (int32_t i = 0; i < models; i++) {
      const float *a = members[i];
      for (int32_t j = i + 1; j < models; j++) {
        const float *b = members[j];
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
    return;
  }
  mother_pairwise_room = values;
  atomic_signal_fence(memory_order_seq_cst);
  /* Rows padded to `stride` (≥ models + 3, zeros past the end): every row's pairs in whole vectors; the padding's lanes are never copied back. */
  const int64_t stride = models + 4;
  double *most = (double *)(values + ((length * stride + 1) & ~(int64_t)1));
  double *total = most + (int64_t)models * stride;
  for (int32_t m = 0; m < models; m++) {
    const float *a = members[m] + from;
    for (int32_t e = 0; e < length; e++) values[e * stride + m] = a[e];
  }
  for (int32_t e = 0; e < length; e++)
    for (int64_t m = models; m < stride; m++) values[e * stride + m] = 0;
  for (int32_t i = 0; i < models; i++) {
    memcpy(most + i * stride, out + (int64_t)i * models, sizeof(double) * (size_t)models);
    memcpy(total + i * stride, sums + (int64_t)i * models, sizeof(double) * (size_t)models);
    for (int64_t m = models; m < stride; m++) most[i * stride + m] = total[i * stride + m] = 0;
  }
  const __m256d sign = _mm256_set1_pd(-0.0);
  for (int32_t e = 0; e < length; e++) {
    const float *row = values + e * stride;
    for (int32_t i = 0; i < models - 1; i++) {
      const __m128 x = _mm_set1_ps(row[i]);
      double *m = most + i * stride, *t = total + i * stride;
      for (int32_t j = i + 1; j < models; j += 4) {
        const __m256d d = _mm256_andnot_pd(sign, _mm256_cvtps_pd(_mm_sub_ps(x, _mm_loadu_ps(row + j))));
        _mm256_storeu_pd(m + j, _mm256_max_pd(d, _mm256_loadu_pd(m + j)));
        _mm256_storeu_pd(t + j, _mm256_add_pd(_mm256_loadu_pd(t + j), d));
      }
    }
  }
  for (int32_t i = 0; i < models; i++)
    for (int32_t j = i + 1; j < models; j++) {
      out[(int64_t)i * models + j] = most[i * stride + j];
      sums[(int64_t)i * models + j] = total[i * stride + j];
    }
  atomic_signal_fence(memory_order_seq_cst);
  mother_pairwise_room = 0;
  free(values);
}

/*
 * As addPairwiseAbsoluteDifferences in ../assembly/weight-kernels.ts: folds max |a − b| and
 * Σ|a − b| of every pair of the `models` f32 arrays (at base + table[i]) over `count` values into
 * `out` (max at [i·n + j], sum at [n² + i·n + j], i < j), in runs that stay in L1.
 */
void mother_add_pairwise(const uint8_t *base, const uint32_t *table, int32_t models, int32_t count, double *out) {
  const float *members[models > 0 ? models : 1];
  for (int32_t i = 0; i < models; i++) members[i] = (const float *)(base + table[i]);
  const int32_t blocked = count & ~(RUN - 1);
  for (int32_t start = 0; start < blocked; start += RUN) pairwise_run(members, models, start, out);
  pairwise_tail(members, models, blocked, count, out);
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

/* ℓ_LoRA's sketches and bidiagonalisation, and adapter rows (low-rank-kernels.c); GGUF blocks (gguf-blocks.c). One translation unit, one build. */
#include "low-rank-kernels.c"
#include "gguf-blocks.c"

/*
 * block-moments.c's Q8_0 and Q4_K integer power sums with AVX-512 (BW, VL, DQ, VNNI), chosen at run time
 * (mother_block_power_sums asks wide_kernels()): the library is still built for AVX2 alone
 * (build-native.ts's flags), these functions carry their own target attribute, and run only on a
 * CPU that reports the instructions. They give the same bits as the AVX2 path: the per-block
 * integer sums Sⱼ are exact either way, and they enter the same f64 lanes through the same
 * operations (add_scaled_blocks, add_blocks: per lane, two groups a register at most), added into
 * the accumulators a group at a time in block order; the range is tested and folded in the same
 * order from the same products (test/kernels/block-moments-wide.test.ts runs both on one input).
 * A NaN scale gives a NaN either way, whose sign and payload follow the compiler's choice of
 * instruction forms (x86 returns the first source's NaN), as they already did in the AVX2 path.
 *
 * How: sixteen Q8_0 blocks (or sixteen 32-byte rows of Q4_K nibbles, four super-blocks) are loaded
 * two to a register and transposed as 32-bit units, so that lane j of every register holds four
 * bytes of block (row) j. The sums then accumulate down the registers with no horizontal
 * reduction: for Q8_0 vpdpbusd for Σq and Σ(q + 128)·q (= Σq² + 128·Σq), vpdpwssd of the bytes
 * widened to 16 bits in place (even and odd bytes: a shift pair) for Σq³ and Σq⁴; for Q4_K byte
 * products only (q4_k_sums4).
 *
 * Included by block-moments.c before mother_block_power_sums (one translation unit).
 */

#include <cpuid.h>
#include <stdatomic.h>

/*
 * The wide path needs a compiler that knows AVX-512 VNNI (target("avx512vnni"), _mm512_dpbusd_epi32):
 * GCC 8, clang 7 (Apple's clang 11). An older compiler still builds the library, without it: then
 * wide_kernels() is 0 and the AVX2 path runs everywhere, with the same bits. -DMOTHER_NO_WIDE_KERNELS
 * builds that library with any compiler (test/kernels/block-moments-narrow.test.ts).
 */
#if defined(MOTHER_NO_WIDE_KERNELS)
#define WIDE_BUILT 0
#elif defined(__clang__)
#if defined(__apple_build_version__)
#define WIDE_BUILT (__clang_major__ >= 11)
#else
#define WIDE_BUILT (__clang_major__ >= 7)
#endif
#elif defined(__GNUC__)
#define WIDE_BUILT (__GNUC__ >= 8)
#else
#define WIDE_BUILT 0
#endif

#if WIDE_BUILT

#define WIDE_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq")))

/*
 * 0: not asked yet; 1: AVX-512 BW/VL/DQ/VNNI present and used; 2: absent, or turned off (mother_use_wide_kernels).
 * Atomic because every worker thread reads it and the first ones to ask write it (all the same answer;
 * relaxed order is enough: nothing else is published through it).
 */
static _Atomic int wide_state = 0;

/*
 * Whether the CPU runs AVX-512 F/BW/VL/DQ/VNNI and the OS saves their registers (CPUID leaf 7 and
 * XCR0's opmask and ZMM bits, as __builtin_cpu_supports checks them; asked by CPUID directly so that
 * no compiler's list of feature names matters).
 */
static int wide_present(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0; // OSXSAVE: XGETBV may be asked
  unsigned int low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  if ((low & 0xE6) != 0xE6) return 0; // XMM, YMM, opmask, ZMM upper halves and ZMM16–31 saved by the OS
  if (__get_cpuid_max(0, 0) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned int f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31, vnni = 1u << 11;
  return (b & (f | dq | bw | vl)) == (f | dq | bw | vl) && (c & vnni) != 0;
}

/* Whether the AVX-512 kernels run here (asked of the CPU once; the answer is the same in every thread). */
static int wide_kernels(void) {
  int state = atomic_load_explicit(&wide_state, memory_order_relaxed);
  if (state == 0) {
    state = wide_present() ? 1 : 2;
    atomic_store_explicit(&wide_state, state, memory_order_relaxed);
  }
  return state == 1;
}

/*
 * Turns the AVX-512 kernels off (0) or back on where the CPU has them (1), for tests that compare
 * both paths; returns 1 when they are in use afterwards.
 */
int32_t mother_use_wide_kernels(int32_t on) {
  const int state = on && wide_present() ? 1 : 2;
  atomic_store_explicit(&wide_state, state, memory_order_relaxed);
  return state == 1;
}

/*
 * Eight registers of sixteen 32-bit units, transposed within each 256-bit half: afterwards unit
 * 8h + i of r[k] is unit k of half h of the input r[i].
 */
WIDE_TARGET static inline void transpose_halves(__m512i r[8]) {
  __m512i t[8], u[8];
#pragma GCC unroll 8
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // Per 128-bit lane: u[0] rows 0–3 unit 0, u[1] unit 1, u[2] unit 2, u[3] unit 3; u[4…7] rows 4–7.
#pragma GCC unroll 8
  for (int i = 0; i < 2; i++) {
    u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  // Each 256-bit half: rows 0–3 then rows 4–7 of one unit (the low 128-bit lanes give units 0–3, the high 4–7).
  const __m512i low = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), high = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
#pragma GCC unroll 8
  for (int k = 0; k < 4; k++) {
    r[k] = _mm512_permutex2var_epi64(u[k], low, u[k + 4]);
    r[k + 4] = _mm512_permutex2var_epi64(u[k], high, u[k + 4]);
  }
}

/* The four f64 lanes 4g … 4g + 3 of sixteen int32 lanes. */
WIDE_TARGET static inline __m256d lanes4_pd(__m512i v, int g) {
  const __m128i four = g == 0 ? _mm512_castsi512_si128(v) : g == 1 ? _mm512_extracti32x4_epi32(v, 1) : g == 2 ? _mm512_extracti32x4_epi32(v, 2) : _mm512_extracti32x4_epi32(v, 3);
  return _mm256_cvtepi32_pd(four);
}

/* The four f64 lanes 4g … 4g + 3 of sixteen held in two registers. */
WIDE_TARGET static inline __m256d quarter_pd(const __m512d v[2], int g) {
  return (g & 1) ? _mm512_extractf64x4_pd(v[g / 2], 1) : _mm512_castpd512_pd256(v[g / 2]);
}

/* The four f32 lanes 4g … 4g + 3 of sixteen. */
WIDE_TARGET static inline __m128 lanes4_ps(__m512 v, int g) {
  return g == 0 ? _mm512_castps512_ps128(v) : g == 1 ? _mm512_extractf32x4_ps(v, 1) : g == 2 ? _mm512_extractf32x4_ps(v, 2) : _mm512_extractf32x4_ps(v, 3);
}

/* The largest (most) or smallest signed byte of each 32-bit unit, sign-extended, as f32. */
WIDE_TARGET static inline __m512 unit_extreme_ps(__m512i v, int most) {
  v = most ? _mm512_max_epi8(v, _mm512_srli_epi32(v, 16)) : _mm512_min_epi8(v, _mm512_srli_epi32(v, 16));
  v = most ? _mm512_max_epi8(v, _mm512_srli_epi32(v, 8)) : _mm512_min_epi8(v, _mm512_srli_epi32(v, 8));
  return _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(v, 24), 24));
}

/*
 * Sixteen Q8_0 blocks at `blocks` into `s`: as four q8_0_group calls in order (the same sums,
 * scales and range folds).
 */
WIDE_TARGET static inline __attribute__((always_inline)) void q8_0_sixteen(const uint8_t *blocks, block_sums *s) {
  __m512i r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) {
    const __m256i a = _mm256_loadu_si256((const __m256i *)(blocks + 34 * i + 2)), b = _mm256_loadu_si256((const __m256i *)(blocks + 34 * (i + 8) + 2));
    r[i] = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
  }
  transpose_halves(r); // unit j of every r[k]: four bytes of block j
  const __m512i ones = _mm512_set1_epi8(1), flip = _mm512_set1_epi8((char)0x80);
  __m512i p1 = _mm512_setzero_si512(), p2 = _mm512_setzero_si512(), p3 = _mm512_setzero_si512();
  __m512i p4[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  __m512i most = r[0], least = r[0];
#pragma GCC unroll 8
  for (int k = 0; k < 8; k++) {
    const __m512i q = r[k];
    p1 = _mm512_dpbusd_epi32(p1, ones, q);
    p2 = _mm512_dpbusd_epi32(p2, _mm512_xor_si512(q, flip), q); // (q + 128)·q as an unsigned byte times a signed one
    // Even and odd bytes as int16 in place: q² ≤ 2^14; q⁴ pair sums ≤ 2^29, eight values a lane of p4[·] ≤ 2^31 (exact as u32).
    const __m512i even = _mm512_srai_epi16(_mm512_slli_epi16(q, 8), 8), odd = _mm512_srai_epi16(q, 8);
    const __m512i even2 = _mm512_mullo_epi16(even, even), odd2 = _mm512_mullo_epi16(odd, odd);
    p3 = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(p3, even2, even), odd2, odd);
    p4[k / 2] = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(p4[k / 2], even2, even2), odd2, odd2);
    most = _mm512_max_epi8(most, q);
    least = _mm512_min_epi8(least, q);
  }
  const __m512i s2 = _mm512_sub_epi32(p2, _mm512_slli_epi32(p1, 7));
  // Σq⁴ in f64 (block totals need 34 bits): the four u32 partial sums converted and added exactly.
  __m512d s4[2];
#pragma GCC unroll 2
  for (int h = 0; h < 2; h++) {
    __m512d sum = _mm512_setzero_pd();
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) sum = _mm512_add_pd(sum, _mm512_cvtepu32_pd(h ? _mm512_extracti64x4_epi64(p4[i], 1) : _mm512_castsi512_si256(p4[i])));
    s4[h] = sum;
  }
  const __m512 tops = unit_extreme_ps(most, 1), bottoms = unit_extreme_ps(least, 0);
#pragma GCC unroll 4
  for (int g = 0; g < 4; g++) {
    const __m128 d = q8_0_scales(blocks + 136 * g);
    add_scaled_blocks(s, _mm256_cvtps_pd(d), lanes4_pd(p1, g), lanes4_pd(s2, g), lanes4_pd(p3, g), quarter_pd(s4, g));
    // q8_0_group's test, and q8_0_range's fold from the same extreme bytes.
    const __m128 bound = _mm_mul_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), d), _mm_set1_ps(128));
    const __m128 inside = _mm_and_ps(_mm_cmple_ps(bound, s->high), _mm_cmpge_ps(_mm_sub_ps(_mm_setzero_ps(), bound), s->low));
    if (_mm_movemask_ps(inside) != 0xF) {
      const __m128 high = _mm_mul_ps(d, lanes4_ps(tops, g)), low = _mm_mul_ps(d, lanes4_ps(bottoms, g));
      s->high = _mm_max_ps(s->high, _mm_max_ps(high, low));
      s->low = _mm_min_ps(s->low, _mm_min_ps(high, low));
    }
  }
}

/* Q8_0 blocks [0, count) (count a multiple of 16) into `s`, sixteen at a time. */
WIDE_TARGET static void q8_0_wide(const uint8_t *blocks, int32_t count, block_sums *s) {
  block_sums local = *s; // in registers across the loop
  for (int32_t b = 0; b < count; b += 16) {
    prefetch_span(blocks + 34 * (int64_t)b, 16 * 34);
    q8_0_sixteen(blocks + 34 * (int64_t)b, &local);
  }
  *s = local;
}

/*
 * Four Q4_K super-blocks' sub-block sums of k = Σq, Σq², Σq³, Σq⁴ as f64 (out[k][sb]: lanes =
 * sub-blocks 0–7 of super-block sb). Their 16 rows of 32 nibble bytes are loaded two rows a
 * register and transposed (unit 8h + i of every register: four bytes of row 2i + h); a row holds
 * sub-block 2p in its low nibbles and 2p + 1 in its high ones (p = row mod 4). Byte products by
 * vpdpbusd: q·q, q²·q, q²·(q² − 128) (q² looked up, ≤ 225: an unsigned byte; q² − 128 a signed one);
 * Σq from bytes added down the registers (≤ 8·15 a byte) and summed once.
 */
WIDE_TARGET static inline __attribute__((always_inline)) void q4_k_sums4(const uint8_t *blocks, __m512d out[4][4]) {
  __m512i r[8];
#pragma GCC unroll 4
  for (int sb = 0; sb < 4; sb++) {
    r[2 * sb] = _mm512_loadu_si512((const void *)(blocks + 144 * sb + 16));
    r[2 * sb + 1] = _mm512_loadu_si512((const void *)(blocks + 144 * sb + 80));
  }
  transpose_halves(r);
  const __m512i mask = _mm512_set1_epi8(0x0F), flip = _mm512_set1_epi8((char)0x80);
  const __m512i squares = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, (char)144, (char)169, (char)196, (char)225));
  __m512i bytes[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  __m512i p2[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()}, p3[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  __m512i p4[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
#pragma GCC unroll 8
  for (int k = 0; k < 8; k++) {
#pragma GCC unroll 2
    for (int n = 0; n < 2; n++) {
      const __m512i q = _mm512_and_si512(n ? _mm512_srli_epi16(r[k], 4) : r[k], mask);
      const __m512i q2 = _mm512_shuffle_epi8(squares, q);
      bytes[n] = _mm512_add_epi8(bytes[n], q);
      p2[n] = _mm512_dpbusd_epi32(p2[n], q, q);
      p3[n] = _mm512_dpbusd_epi32(p3[n], q2, q);
      p4[n] = _mm512_dpbusd_epi32(p4[n], q2, _mm512_xor_si512(q2, flip));
    }
  }
  // [low nibbles' sum, high nibbles' sum] per row, in sub-block order: row 4sb + p is unit 2sb + 8(p & 1) + (p >> 1).
  const __m512i first = _mm512_setr_epi32(0, 16, 8, 24, 1, 17, 9, 25, 2, 18, 10, 26, 3, 19, 11, 27);
  const __m512i second = _mm512_setr_epi32(4, 20, 12, 28, 5, 21, 13, 29, 6, 22, 14, 30, 7, 23, 15, 31);
  __m512i sums[4][2];
#pragma GCC unroll 2
  for (int n = 0; n < 2; n++) {
    const __m512i s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), bytes[n], _mm512_set1_epi8(1));
    sums[0][n] = s1;
    sums[1][n] = p2[n];
    sums[2][n] = p3[n];
    sums[3][n] = _mm512_add_epi32(p4[n], _mm512_slli_epi32(p2[n], 7)); // q²·(q² − 128) + 128·q²
  }
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    const __m512i early = _mm512_permutex2var_epi32(sums[k][0], first, sums[k][1]), late = _mm512_permutex2var_epi32(sums[k][0], second, sums[k][1]);
    out[k][0] = _mm512_cvtepi32_pd(_mm512_castsi512_si256(early));
    out[k][1] = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(early, 1));
    out[k][2] = _mm512_cvtepi32_pd(_mm512_castsi512_si256(late));
    out[k][3] = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(late, 1));
  }
}

/*
 * add_blocks for two groups of four sub-blocks at once (eight f64 lanes: the same per-lane
 * products and fused operations), each group's terms then added into `s` in order, as two
 * add_blocks calls would.
 */
WIDE_TARGET static inline void add_blocks8(block_sums *s, __m512d a, __m512d b, double n, __m512d s1, __m512d s2, __m512d s3, __m512d s4) {
  const __m512d a2 = _mm512_mul_pd(a, a);
  const __m512d t1 = _mm512_mul_pd(a, s1), t2 = _mm512_mul_pd(a2, s2), t3 = _mm512_mul_pd(_mm512_mul_pd(a2, a), s3), t4 = _mm512_mul_pd(_mm512_mul_pd(a2, a2), s4);
  const __m512d count = _mm512_set1_pd(n);
  const __m512d b2 = _mm512_mul_pd(b, b), b3 = _mm512_mul_pd(b2, b);
  const __m512d two = _mm512_set1_pd(2), three = _mm512_set1_pd(3), four = _mm512_set1_pd(4), six = _mm512_set1_pd(6);
  const __m512d x1 = _mm512_fnmadd_pd(count, b, t1);
  const __m512d x2 = _mm512_fmadd_pd(count, b2, _mm512_fnmadd_pd(_mm512_mul_pd(two, b), t1, t2));
  const __m512d x3 = _mm512_fnmadd_pd(count, b3, _mm512_fmadd_pd(_mm512_mul_pd(three, b2), t1, _mm512_fnmadd_pd(_mm512_mul_pd(three, b), t2, t3)));
  const __m512d y4 = _mm512_fmadd_pd(_mm512_mul_pd(six, b2), t2, _mm512_fnmadd_pd(_mm512_mul_pd(four, b), t3, t4));
  const __m512d x4 = _mm512_fmadd_pd(count, _mm512_mul_pd(b2, b2), _mm512_fnmadd_pd(_mm512_mul_pd(four, b3), t1, y4));
  s->r1 = _mm256_add_pd(_mm256_add_pd(s->r1, _mm512_castpd512_pd256(x1)), _mm512_extractf64x4_pd(x1, 1));
  s->r2 = _mm256_add_pd(_mm256_add_pd(s->r2, _mm512_castpd512_pd256(x2)), _mm512_extractf64x4_pd(x2, 1));
  s->r3 = _mm256_add_pd(_mm256_add_pd(s->r3, _mm512_castpd512_pd256(x3)), _mm512_extractf64x4_pd(x3, 1));
  s->r4 = _mm256_add_pd(_mm256_add_pd(s->r4, _mm512_castpd512_pd256(x4)), _mm512_extractf64x4_pd(x4, 1));
}

/* Q4_K super-blocks [0, count) (count a multiple of 4) into `s`, as the AVX2 loop in mother_block_power_sums sums them. */
WIDE_TARGET static void q4_k_wide(const uint8_t *blocks, int32_t count, block_sums *s) {
  block_sums local = *s;
  for (int32_t b = 0; b < count; b += 4) {
    const uint8_t *four = blocks + 144 * (int64_t)b;
    prefetch_span(four, 4 * 144);
    __m512d sums[4][4];
    q4_k_sums4(four, sums);
#pragma GCC unroll 4
    for (int sb = 0; sb < 4; sb++) {
      const uint8_t *block = four + 144 * sb;
      const __m128i packed = k_scales_mins(block + 4);
      const __m256 a = _mm256_mul_ps(_mm256_set1_ps(half_at(block)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(packed)));
      const __m256 m = _mm256_mul_ps(_mm256_set1_ps(half_at(block + 2)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(packed, 8))));
      // The range test of each group of four sub-blocks comes after its sums, as in q4_k_group; the sums of
      // the second group do not depend on the first's range, so both groups' sums go first.
      add_blocks8(&local, _mm512_cvtps_pd(a), _mm512_cvtps_pd(m), 32, sums[0][sb], sums[1][sb], sums[2][sb], sums[3][sb]);
#pragma GCC unroll 2
      for (int g = 0; g < 2; g++) {
        const __m128 scale = g ? _mm256_extractf128_ps(a, 1) : _mm256_castps256_ps128(a), offset = g ? _mm256_extractf128_ps(m, 1) : _mm256_castps256_ps128(m);
        const __m128 low = _mm_sub_ps(_mm_setzero_ps(), offset), high = _mm_sub_ps(_mm_mul_ps(scale, _mm_set1_ps(15)), offset);
        const __m128 inside = _mm_and_ps(_mm_cmple_ps(_mm_max_ps(low, high), local.high), _mm_cmpge_ps(_mm_min_ps(low, high), local.low));
        if (_mm_movemask_ps(inside) != 0xF) q4_k_range(block + 16 + 64 * g, scale, offset, &local);
      }
    }
  }
  *s = local;
}

#else

/* Built without the wide path (an older compiler, or -DMOTHER_NO_WIDE_KERNELS): the AVX2 path everywhere. */
static int wide_kernels(void) { return 0; }

/* As above: the AVX-512 kernels are never in use in this build. */
int32_t mother_use_wide_kernels(int32_t on) {
  (void)on;
  return 0;
}

/* Never called (wide_kernels() is 0). */
static void q8_0_wide(const uint8_t *blocks, int32_t count, block_sums *s) { (void)blocks, (void)count, (void)s; }

/* Never called (wide_kernels() is 0). */
static void q4_k_wide(const uint8_t *blocks, int32_t count, block_sums *s) { (void)blocks, (void)count, (void)s; }

#endif

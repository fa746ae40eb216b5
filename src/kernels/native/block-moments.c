/*
 * Power sums of GGUF blocks in the quantized-integer domain (issue #12's speed): a block's
 * values are x = a·q − b with q small integers (Q8_0: a = d, b = 0, q int8, 32 a block; Q4_K:
 * a = d·sc, b = dmin·m per 32-value sub-block, q 4-bit; Q6_K: a = d·sc per 16 values, b = 0,
 * q 6-bit less 32), so
 *
 *   Σ xᵏ = Σⱼ C(k, j) aʲ (−b)ᵏ⁻ʲ Sⱼ,   Sⱼ = Σ qʲ (exact integers, integer SIMD: pmaddwd, psadbw),
 *
 * in f64 per block (four blocks in four lanes), and around the layer's shift s once per chunk:
 * Σ (x − s)ᵏ = Σⱼ C(k, j) (−s)ᵏ⁻ʲ Σ xʲ. No value is decoded to f32: a layer read only for its
 * statistics needs no decode at all. The sums are not the f32 path's bits (it rounds each value
 * and sums 128 at a time in f32): they are nearer the exact sums, with an error of ~2⁻⁵² ·
 * (1 + |s|/σ)⁴ relative (the layer pass keeps the f32 path where |s| is many σ: layer-pass.ts).
 * min and max are those of the decoded values bit for bit: x is monotone in q, so a block's
 * extremes are its extreme q's decoded with ggml's f32 arithmetic.
 *
 * Included by gguf-blocks.c (one translation unit, one build): uses its half_at, k_scale and k_min.
 */

/* Raw power sums Σx … Σx⁴ in four f64 lanes (block i of a group of four in lane i), and the running f32 range. */
typedef struct {
  __m256d r1, r2, r3, r4;
  __m128 low, high;
} block_sums;

/*
 * Adds four blocks' Σ (a·q − b)ᵏ (a, b per lane; n values a block; S1…S4 their integer power
 * sums as f64) into `s`.
 */
static inline void add_blocks(block_sums *s, __m256d a, __m256d b, double n, __m256d s1, __m256d s2, __m256d s3, __m256d s4) {
  const __m256d a2 = _mm256_mul_pd(a, a);
  const __m256d t1 = _mm256_mul_pd(a, s1), t2 = _mm256_mul_pd(a2, s2), t3 = _mm256_mul_pd(_mm256_mul_pd(a2, a), s3), t4 = _mm256_mul_pd(_mm256_mul_pd(a2, a2), s4);
  const __m256d count = _mm256_set1_pd(n);
  const __m256d b2 = _mm256_mul_pd(b, b), b3 = _mm256_mul_pd(b2, b);
  const __m256d two = _mm256_set1_pd(2), three = _mm256_set1_pd(3), four = _mm256_set1_pd(4), six = _mm256_set1_pd(6);
  // Σx = t1 − n·b;  Σx² = t2 − 2b·t1 + n·b²;  Σx³ = t3 − 3b·t2 + 3b²·t1 − n·b³;  Σx⁴ = t4 − 4b·t3 + 6b²·t2 − 4b³·t1 + n·b⁴.
  s->r1 = _mm256_add_pd(s->r1, _mm256_fnmadd_pd(count, b, t1));
  s->r2 = _mm256_add_pd(s->r2, _mm256_fmadd_pd(count, b2, _mm256_fnmadd_pd(_mm256_mul_pd(two, b), t1, t2)));
  const __m256d x3 = _mm256_fmadd_pd(_mm256_mul_pd(three, b2), t1, _mm256_fnmadd_pd(_mm256_mul_pd(three, b), t2, t3));
  s->r3 = _mm256_add_pd(s->r3, _mm256_fnmadd_pd(count, b3, x3));
  const __m256d x4 = _mm256_fmadd_pd(_mm256_mul_pd(six, b2), t2, _mm256_fnmadd_pd(_mm256_mul_pd(four, b), t3, t4));
  s->r4 = _mm256_add_pd(s->r4, _mm256_fmadd_pd(count, _mm256_mul_pd(b2, b2), _mm256_fnmadd_pd(_mm256_mul_pd(four, b3), t1, x4)));
}

/* A Q8_0 block's integer power sums: 8 int32 lanes each of Σq, Σq², Σq³ (lanes ≤ 2^23) and Σq⁴ (lanes ≤ 2^30). */
static inline void q8_0_block(const uint8_t *block, __m256i *p1, __m256i *p2, __m256i *p3, __m256i *p4) {
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i q = _mm256_loadu_si256((const __m256i *)(block + 2));
  const __m256i lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(q)), hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(q, 1));
  // q² ≤ 2^14 fits int16 (q = −128 too); pair sums of q⁴ ≤ 2^29, lanes ≤ 2^30.
  const __m256i lo2 = _mm256_mullo_epi16(lo, lo), hi2 = _mm256_mullo_epi16(hi, hi);
  // Integer multiplies run on one pipe here and bound the kernel: Σq comes from psadbw of q + 128 (each 8-byte
  // sum in a 64-bit lane, 32·128 too many a block), Σq² from one pmaddwd of q²_lo + q²_hi − 2^14 (fits int16; 16·2^14 short a block).
  *p1 = _mm256_sad_epu8(_mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
  *p2 = _mm256_madd_epi16(_mm256_sub_epi16(_mm256_add_epi16(lo2, hi2), _mm256_set1_epi16(16384)), ones);
  *p3 = _mm256_add_epi32(_mm256_madd_epi16(lo2, lo), _mm256_madd_epi16(hi2, hi));
  *p4 = _mm256_add_epi32(_mm256_madd_epi16(lo2, lo2), _mm256_madd_epi16(hi2, hi2));
}

/* Two Q8_0 blocks' sums, half reduced: hadd of each (lanes [a01 a23 b01 b23 | a45 a67 b45 b67]). */
static inline void q8_0_pair(const uint8_t *blocks, __m256i *h1, __m256i *h2, __m256i *h3, __m256i *h4) {
  __m256i a1, a2, a3, a4, b1, b2, b3, b4;
  q8_0_block(blocks, &a1, &a2, &a3, &a4);
  q8_0_block(blocks + 34, &b1, &b2, &b3, &b4);
  *h1 = _mm256_hadd_epi32(a1, b1);
  *h2 = _mm256_hadd_epi32(a2, b2);
  *h3 = _mm256_hadd_epi32(a3, b3);
  *h4 = _mm256_hadd_epi32(a4, b4);
}

/* [Σ of block a, b, c, d] from two pairs' half-reduced sums (lane totals ≤ 2^31). */
static inline __m128i finish4_epi32(__m256i ab, __m256i cd) {
  const __m256i abcd = _mm256_hadd_epi32(ab, cd);
  return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

/*
 * The same for Σq⁴, whose block totals need 34 bits: the half-reduced lanes (≤ 2^31) are exact as
 * u32 and read into f64 through the sign flip (u = (u ⊕ 2^31) as i32 + 2^31); the rest is summed
 * in f64, exactly.
 */
static inline __m256d finish4_wide(__m256i ab, __m256i cd) {
  const __m256i flip = _mm256_set1_epi32((int32_t)0x80000000u);
  ab = _mm256_xor_si256(ab, flip);
  cd = _mm256_xor_si256(cd, flip);
  // [a01 a23 b01 b23] + [a45 a67 b45 b67], each 2·2^31 short.
  const __m256d abs = _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(ab)), _mm256_cvtepi32_pd(_mm256_extracti128_si256(ab, 1)));
  const __m256d cds = _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(cd)), _mm256_cvtepi32_pd(_mm256_extracti128_si256(cd, 1)));
  // hadd_pd gives [a, c, b, d], each 4·2^31 short.
  const __m256d acbd = _mm256_hadd_pd(abs, cds);
  return _mm256_add_pd(_mm256_permute4x64_pd(acbd, _MM_SHUFFLE(3, 1, 2, 0)), _mm256_set1_pd(8589934592.0));
}

/* The f16 scales of four Q8_0 blocks as f32. */
static inline __m128 q8_0_scales(const uint8_t *blocks) {
  const __m128i halves = _mm_setr_epi16((short)(blocks[0] | (blocks[1] << 8)), (short)(blocks[34] | (blocks[35] << 8)), (short)(blocks[68] | (blocks[69] << 8)),
                                        (short)(blocks[102] | (blocks[103] << 8)), 0, 0, 0, 0);
  return _mm_cvtph_ps(halves);
}

/*
 * The largest signed byte of each of most[0…3] and the smallest of each of least[0…3] (16 bytes
 * each), as floats: the eight horizontal reductions done together (bytes, then 16-bit pairs
 * interleaved, then two shifts), a third of the instructions of reducing each on its own.
 * The smallest byte is taken as the largest of the complements (~q is monotone decreasing).
 */
static inline void byte_ranges4(const __m128i most[4], const __m128i least[4], __m128 *top, __m128 *bottom) {
  const __m128i flip = _mm_set1_epi8(-1);
  const __m256i r0 = _mm256_set_m128i(most[1], most[0]), r1 = _mm256_set_m128i(_mm_xor_si128(least[1], flip), _mm_xor_si128(least[0], flip));
  const __m256i r2 = _mm256_set_m128i(most[3], most[2]), r3 = _mm256_set_m128i(_mm_xor_si128(least[3], flip), _mm_xor_si128(least[2], flip));
  // 16-bit unit k of t0: (most, ~least) of block 0 (low lane) or 1 (high lane) over bytes k and k + 8; t1 blocks 2 and 3.
  const __m256i t0 = _mm256_max_epi8(_mm256_unpacklo_epi8(r0, r1), _mm256_unpackhi_epi8(r0, r1));
  const __m256i t1 = _mm256_max_epi8(_mm256_unpacklo_epi8(r2, r3), _mm256_unpackhi_epi8(r2, r3));
  // Each 32-bit unit: [most, ~least] of blocks 0 and 2 (low lane) or 1 and 3 (high lane), four partial units a lane.
  __m256i u = _mm256_max_epi8(_mm256_unpacklo_epi16(t0, t1), _mm256_unpackhi_epi16(t0, t1));
  u = _mm256_max_epi8(u, _mm256_srli_si256(u, 8));
  u = _mm256_max_epi8(u, _mm256_srli_si256(u, 4));
  // Bytes 0–3 of each lane, gathered as [most 0, 1, 2, 3, ~least 0, 1, 2, 3].
  const __m128i units = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(u, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0)));
  const __m128i ordered = _mm_shuffle_epi8(units, _mm_setr_epi8(0, 4, 2, 6, 1, 5, 3, 7, -1, -1, -1, -1, -1, -1, -1, -1));
  *top = _mm_cvtepi32_ps(_mm_cvtepi8_epi32(ordered));
  *bottom = _mm_cvtepi32_ps(_mm_xor_si128(_mm_cvtepi8_epi32(_mm_srli_si128(ordered, 4)), _mm_set1_epi32(-1)));
}

/* The smallest and largest decoded value x = d·q of each of four Q8_0 blocks (exact in f32), folded into the range. */
__attribute__((noinline)) static void q8_0_range(const uint8_t *blocks, __m128 d, block_sums *s) {
  __m128i most[4], least[4];
  for (int i = 0; i < 4; i++) {
    const __m256i q = _mm256_loadu_si256((const __m256i *)(blocks + 34 * i + 2));
    most[i] = _mm_max_epi8(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    least[i] = _mm_min_epi8(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  }
  __m128 top, bottom;
  byte_ranges4(most, least, &top, &bottom);
  const __m128 high = _mm_mul_ps(d, top), low = _mm_mul_ps(d, bottom);
  s->high = _mm_max_ps(s->high, _mm_max_ps(high, low));
  s->low = _mm_min_ps(s->low, _mm_min_ps(high, low));
}

/* Adds four blocks' Σ (a·q)ᵏ = aᵏ·Sₖ (no offset: Q8_0) into `s`. */
static inline void add_scaled_blocks(block_sums *s, __m256d a, __m256d s1, __m256d s2, __m256d s3, __m256d s4) {
  const __m256d a2 = _mm256_mul_pd(a, a);
  s->r1 = _mm256_fmadd_pd(a, s1, s->r1);
  s->r2 = _mm256_fmadd_pd(a2, s2, s->r2);
  s->r3 = _mm256_fmadd_pd(_mm256_mul_pd(a2, a), s3, s->r3);
  s->r4 = _mm256_fmadd_pd(_mm256_mul_pd(a2, a2), s4, s->r4);
}

/*
 * Four Q8_0 blocks at `blocks` into `s`: integer sums of q, scaled by d per lane (b = 0). The
 * range is looked at only when a block could widen it: |x| ≤ 128·|d|.
 */
static inline void q8_0_group(const uint8_t *blocks, block_sums *s) {
  __m256i a1, a2, a3, a4, c1, c2, c3, c4;
  q8_0_pair(blocks, &a1, &a2, &a3, &a4);
  q8_0_pair(blocks + 68, &c1, &c2, &c3, &c4);
  const __m128 d = q8_0_scales(blocks);
  // The biases of p1 (32·128 a block) and p2 (16·2^14 a block) taken back out.
  const __m256d s1 = _mm256_cvtepi32_pd(_mm_sub_epi32(finish4_epi32(a1, c1), _mm_set1_epi32(32 * 128)));
  const __m256d s2 = _mm256_cvtepi32_pd(_mm_add_epi32(finish4_epi32(a2, c2), _mm_set1_epi32(16 * 16384)));
  const __m256d s3 = _mm256_cvtepi32_pd(finish4_epi32(a3, c3));
  const __m256d s4 = finish4_wide(a4, c4);
  add_scaled_blocks(s, _mm256_cvtps_pd(d), s1, s2, s3, s4);
  const __m128 bound = _mm_mul_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), d), _mm_set1_ps(128));
  const __m128 inside = _mm_and_ps(_mm_cmple_ps(bound, s->high), _mm_cmpge_ps(_mm_sub_ps(_mm_setzero_ps(), bound), s->low));
  if (_mm_movemask_ps(inside) != 0xF) q8_0_range(blocks, d, s);
}

/* Q8_0 blocks that fill no group of four, one at a time in scalar f64 (the same sums, added to lane 0). */
static void q8_0_tail(const uint8_t *blocks, int32_t count, block_sums *s) {
  double r[4] = {0, 0, 0, 0};
  float lo = INFINITY, hi = -INFINITY;
  for (int32_t b = 0; b < count; b++) {
    const uint8_t *block = blocks + 34 * (int64_t)b;
    const double d = half_at(block);
    int64_t p[4] = {0, 0, 0, 0};
    for (int i = 0; i < 32; i++) {
      const int64_t q = (int8_t)block[2 + i], q2 = q * q;
      p[0] += q;
      p[1] += q2;
      p[2] += q2 * q;
      p[3] += q2 * q2;
      const float x = (float)q * (float)d;
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    r[0] += d * (double)p[0];
    r[1] += d * d * (double)p[1];
    r[2] += d * d * d * (double)p[2];
    r[3] += d * d * d * d * (double)p[3];
  }
  s->r1 = _mm256_add_pd(s->r1, _mm256_setr_pd(r[0], 0, 0, 0));
  s->r2 = _mm256_add_pd(s->r2, _mm256_setr_pd(r[1], 0, 0, 0));
  s->r3 = _mm256_add_pd(s->r3, _mm256_setr_pd(r[2], 0, 0, 0));
  s->r4 = _mm256_add_pd(s->r4, _mm256_setr_pd(r[3], 0, 0, 0));
  s->low = _mm_min_ps(s->low, _mm_set1_ps(lo));
  s->high = _mm_max_ps(s->high, _mm_set1_ps(hi));
}

/*
 * The integer power sums of the two sub-blocks in 32 bytes of nibbles (A: low nibbles, B: high;
 * q = 0–15), half reduced as q8_0_pair: int32 lanes [A A B B | A A B B] of Σq³ and Σq⁴, and
 * [A B A B | A B A B] of Σq and Σq² (finish4_pairs). Fewer instructions than four separate sums
 * and their hadds: the byte sums of psadbw (one 64-bit lane per 8 bytes) are paired by a shift
 * instead of a hadd, Σq³'s byte products are paired before they are widened, and q⁴ = (q²)² is one
 * pmaddwd of q² widened to 16 bits (q² ≤ 225 is no signed byte, so pmaddubsw cannot square it).
 */
static inline void q4_k_pair(const uint8_t *nibbles, __m256i *h1, __m256i *h2, __m256i *h3, __m256i *h4) {
  const __m256i mask = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
  // q² for q = 0…15 (≤ 225: a byte), looked up.
  const __m256i squares = _mm256_setr_epi8(0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, (char)144, (char)169, (char)196, (char)225, 0, 1, 4, 9, 16, 25, 36, 49, 64,
                                           81, 100, 121, (char)144, (char)169, (char)196, (char)225);
  const __m256i bytes = _mm256_loadu_si256((const __m256i *)nibbles);
  const __m256i a = _mm256_and_si256(bytes, mask), b = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), mask);
  const __m256i a2 = _mm256_shuffle_epi8(squares, a), b2 = _mm256_shuffle_epi8(squares, b);
  // psadbw: each 8-byte sum (≤ 8·225) in the low half of a 64-bit lane; B's moved to the high half.
  *h1 = _mm256_or_si256(_mm256_sad_epu8(a, zero), _mm256_slli_epi64(_mm256_sad_epu8(b, zero), 32));
  *h2 = _mm256_or_si256(_mm256_sad_epu8(a2, zero), _mm256_slli_epi64(_mm256_sad_epu8(b2, zero), 32));
  // q²·q pair sums ≤ 2·3375, summed again in pairs (≤ 13,500: still int16), then widened in pairs.
  *h3 = _mm256_madd_epi16(_mm256_hadd_epi16(_mm256_maddubs_epi16(a2, a), _mm256_maddubs_epi16(b2, b)), ones);
  const __m256i a4 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi8(a2, zero), _mm256_unpacklo_epi8(a2, zero)),
                                      _mm256_madd_epi16(_mm256_unpackhi_epi8(a2, zero), _mm256_unpackhi_epi8(a2, zero)));
  const __m256i b4 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi8(b2, zero), _mm256_unpacklo_epi8(b2, zero)),
                                      _mm256_madd_epi16(_mm256_unpackhi_epi8(b2, zero), _mm256_unpackhi_epi8(b2, zero)));
  *h4 = _mm256_hadd_epi32(a4, b4);
}

/* [Σ of sub-block a, b, c, d] from two pairs' lanes [a b a b | a b a b] and [c d c d | c d c d] (q4_k_pair's Σq and Σq²). */
static inline __m128i finish4_pairs(__m256i ab, __m256i cd) {
  const __m256i sums = _mm256_add_epi32(_mm256_unpacklo_epi64(ab, cd), _mm256_unpackhi_epi64(ab, cd));
  return _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
}

/* The smallest and largest decoded value of each of four Q4_K sub-blocks (64 bytes of nibbles), folded into the range. */
__attribute__((noinline)) static void q4_k_range(const uint8_t *nibbles, __m128 scale, __m128 offset, block_sums *s) {
  __m128i most[4], least[4];
  for (int i = 0; i < 4; i++) {
    const __m256i bytes = _mm256_loadu_si256((const __m256i *)(nibbles + 32 * (i / 2)));
    const __m256i q = _mm256_and_si256(i % 2 ? _mm256_srli_epi16(bytes, 4) : bytes, _mm256_set1_epi8(0x0F));
    // Nibbles 0–15: the signed byte order is theirs.
    most[i] = _mm_max_epi8(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    least[i] = _mm_min_epi8(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  }
  __m128 top, bottom;
  byte_ranges4(most, least, &top, &bottom);
  // Decoded as ggml does, fl(fl(a·q) − b): monotone in q, so the extremes come from the extreme q's.
  const __m128 high = _mm_sub_ps(_mm_mul_ps(scale, top), offset), low = _mm_sub_ps(_mm_mul_ps(scale, bottom), offset);
  s->high = _mm_max_ps(s->high, _mm_max_ps(high, low));
  s->low = _mm_min_ps(s->low, _mm_min_ps(high, low));
}

/*
 * The four Q4_K sub-blocks held by 64 bytes of nibbles into `s`, with a (= d·sc) and b (= dmin·m)
 * per sub-block. The range is looked at only when a sub-block could widen it (q = 0 and q = 15 bound it).
 */
static inline void q4_k_group(const uint8_t *nibbles, __m128 scale, __m128 offset, block_sums *s) {
  __m256i a1, a2, a3, a4, c1, c2, c3, c4;
  q4_k_pair(nibbles, &a1, &a2, &a3, &a4);
  q4_k_pair(nibbles + 32, &c1, &c2, &c3, &c4);
  const __m256d s1 = _mm256_cvtepi32_pd(finish4_pairs(a1, c1));
  const __m256d s2 = _mm256_cvtepi32_pd(finish4_pairs(a2, c2));
  const __m256d s3 = _mm256_cvtepi32_pd(finish4_epi32(a3, c3));
  const __m256d s4 = _mm256_cvtepi32_pd(finish4_epi32(a4, c4));
  add_blocks(s, _mm256_cvtps_pd(scale), _mm256_cvtps_pd(offset), 32, s1, s2, s3, s4);
  const __m128 first = _mm_sub_ps(_mm_setzero_ps(), offset), last = _mm_sub_ps(_mm_mul_ps(scale, _mm_set1_ps(15)), offset);
  const __m128 inside = _mm_and_ps(_mm_cmple_ps(_mm_max_ps(first, last), s->high), _mm_cmpge_ps(_mm_min_ps(first, last), s->low));
  if (_mm_movemask_ps(inside) != 0xF) q4_k_range(nibbles, scale, offset, s);
}

/*
 * The integer power sums of two 16-value Q6_K sub-blocks (int8 q − 32, |q| ≤ 32, in the two 128-bit
 * halves of `q`: A low, B high), each in its own half: int32 lanes [A A A A | B B B B]. Σq and Σq²
 * from byte products (pmaddubsw: 1·q, |q|·|q|); Σq³ and Σq⁴ from q widened to 16 bits within each
 * half (unpack and an arithmetic shift), so no half crosses to the other and no hadd is needed.
 */
static inline void q6_k_pair(__m256i q, __m256i *p1, __m256i *p2, __m256i *p3, __m256i *p4) {
  const __m256i ones = _mm256_set1_epi16(1), one_bytes = _mm256_set1_epi8(1);
  const __m256i magnitude = _mm256_abs_epi8(q);
  *p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(one_bytes, q), ones);
  *p2 = _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, magnitude), ones);
  // Bytes 0–7 and 8–15 of each half, sign-extended: q² ≤ 2^10, pair sums of q⁴ ≤ 2^21, nothing near int32's limit.
  const __m256i low = _mm256_srai_epi16(_mm256_unpacklo_epi8(q, q), 8), high = _mm256_srai_epi16(_mm256_unpackhi_epi8(q, q), 8);
  const __m256i low2 = _mm256_mullo_epi16(low, low), high2 = _mm256_mullo_epi16(high, high);
  *p3 = _mm256_add_epi32(_mm256_madd_epi16(low2, low), _mm256_madd_epi16(high2, high));
  *p4 = _mm256_add_epi32(_mm256_madd_epi16(low2, low2), _mm256_madd_epi16(high2, high2));
}

/* [Σ of sub-block a, b, c, d] from lanes [a a a a | b b b b] and [c c c c | d d d d] (q6_k_pair's). */
static inline __m256d finish4_halves(__m256i ab, __m256i cd) {
  const __m256i pairs = _mm256_hadd_epi32(ab, cd); // [a a c c | b b d d]
  const __m256i sums = _mm256_hadd_epi32(pairs, pairs); // [a c a c | b d b d]
  return _mm256_cvtepi32_pd(_mm_unpacklo_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1)));
}

/* The smallest and largest decoded value of four Q6_K sub-blocks (x = a·q exactly: a has ≤ 18 bits, q 6), folded into the range. */
__attribute__((noinline)) static void q6_k_range(const __m256i q[2], __m128 scale, block_sums *s) {
  __m128i bytes[4];
  for (int i = 0; i < 4; i++) bytes[i] = i % 2 ? _mm256_extracti128_si256(q[i / 2], 1) : _mm256_castsi256_si128(q[i / 2]);
  __m128 top, bottom;
  byte_ranges4(bytes, bytes, &top, &bottom);
  const __m128 high = _mm_mul_ps(scale, top), low = _mm_mul_ps(scale, bottom);
  s->high = _mm_max_ps(s->high, _mm_max_ps(high, low));
  s->low = _mm_min_ps(s->low, _mm_min_ps(high, low));
}

/*
 * One Q6_K super-block into `s`: its values unpacked to q − 32 as mother_dequantize_q6_k does,
 * 32 bytes holding two 16-value sub-blocks (scales sc[2k], sc[2k + 1]), four sub-blocks a group.
 */
static inline void q6_k_block(const uint8_t *block, block_sums *s) {
  const float d = half_at(block + 208);
  for (int n = 0; n < 2; n++) {
    // a = fl(d·sc) per sub-block, as ggml rounds it: the half's eight signed scales at once.
    const __m256 scales = _mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(block + 192 + 8 * n)))));
    __m256i q[4];
    q6_k_unpack(block, n, q);
    for (int g = 0; g < 2; g++) {
      __m256i a1, a2, a3, a4, c1, c2, c3, c4;
      q6_k_pair(q[2 * g], &a1, &a2, &a3, &a4);
      q6_k_pair(q[2 * g + 1], &c1, &c2, &c3, &c4);
      const __m128 scale = g ? _mm256_extractf128_ps(scales, 1) : _mm256_castps256_ps128(scales);
      add_scaled_blocks(s, _mm256_cvtps_pd(scale), finish4_halves(a1, c1), finish4_halves(a2, c2), finish4_halves(a3, c3), finish4_halves(a4, c4));
      const __m128 bound = _mm_mul_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), scale), _mm_set1_ps(32));
      const __m128 inside = _mm_and_ps(_mm_cmple_ps(bound, s->high), _mm_cmpge_ps(_mm_sub_ps(_mm_setzero_ps(), bound), s->low));
      if (_mm_movemask_ps(inside) != 0xF) q6_k_range(q + 2 * g, scale, s);
    }
  }
}

#include "block-moments-wide.c"

/* The kinds block_power_sums reads (layerChunk's CHUNK_* codes). */
enum { MOMENTS_Q8_0 = 1, MOMENTS_Q4_K = 2, MOMENTS_Q6_K = 4 };

/*
 * Adds [Σy, Σy², Σy³, Σy⁴, min x, max x] of y = x − shift over `count` values (whole blocks;
 * Q8_0 a multiple of 32, Q4_K and Q6_K of 256) of `kind` blocks into `out`, from the integers, as the
 * header says. Returns 0, or −1 for a kind it does not read.
 */
int32_t mother_block_power_sums(int32_t kind, const uint8_t *blocks, int32_t count, double shift, double *out) {
  block_sums s = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm_set1_ps(INFINITY), _mm_set1_ps(-INFINITY)};
  // The range so far (a layer's earlier chunks; f32 values) bounds which blocks are looked at: a chunk
  // started from ±∞ would look at its first blocks again. Not when it holds no range (or a NaN).
  if (out[4] <= out[5]) s.low = _mm_set1_ps((float)out[4]), s.high = _mm_set1_ps((float)out[5]);
  if (kind == MOMENTS_Q8_0) {
    const int32_t blocks32 = count / 32, grouped = blocks32 & ~3;
    int32_t b = 0;
    if (wide_kernels()) q8_0_wide(blocks, b = blocks32 & ~15, &s);
    for (; b < grouped; b += 4) {
      prefetch_span(blocks + 34 * (int64_t)b, 4 * 34);
      q8_0_group(blocks + 34 * (int64_t)b, &s);
    }
    q8_0_tail(blocks + 34 * (int64_t)grouped, blocks32 - grouped, &s);
  } else if (kind == MOMENTS_Q4_K) {
    int32_t b = 0;
    if (wide_kernels()) q4_k_wide(blocks, b = count / 256 & ~3, &s);
    for (; b < count / 256; b++) {
      const uint8_t *block = blocks + 144 * (int64_t)b;
      prefetch_span(block, 144);
      // a = fl(d·sc), b = fl(dmin·m) per sub-block, as ggml rounds them (the same f32 products, eight at a time).
      const __m128i packed = k_scales_mins(block + 4);
      const __m256 a = _mm256_mul_ps(_mm256_set1_ps(half_at(block)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(packed)));
      const __m256 m = _mm256_mul_ps(_mm256_set1_ps(half_at(block + 2)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(packed, 8))));
      q4_k_group(block + 16, _mm256_castps256_ps128(a), _mm256_castps256_ps128(m), &s);
      q4_k_group(block + 80, _mm256_extractf128_ps(a, 1), _mm256_extractf128_ps(m, 1), &s);
    }
  } else if (kind == MOMENTS_Q6_K) {
    for (int32_t b = 0; b < count / 256; b++) {
      prefetch_span(blocks + 210 * (int64_t)b, 210);
      q6_k_block(blocks + 210 * (int64_t)b, &s);
    }
  } else return -1;
  const double n = count, r1 = sum_f64x4(s.r1), r2 = sum_f64x4(s.r2), r3 = sum_f64x4(s.r3), r4 = sum_f64x4(s.r4);
  const double c = shift, c2 = c * c;
  out[0] += r1 - n * c;
  out[1] += r2 - 2 * c * r1 + n * c2;
  out[2] += r3 - 3 * c * r2 + 3 * c2 * r1 - n * c2 * c;
  out[3] += r4 - 4 * c * r3 + 6 * c2 * r2 - 4 * c2 * c * r1 + n * c2 * c2;
  const __m256 range = _mm256_set_m128(s.low, s.low), spread = _mm256_set_m128(s.high, s.high);
  const float lo = min_lane(range), hi = max_lane(spread);
  store_range(out, lo, hi);
  return 0;
}

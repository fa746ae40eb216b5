/*
 * GGUF blocks in the native library (included by weight-kernels.c: one translation unit, its
 * flags and its power-sum and pairwise helpers): the block decoders, the integer-domain power
 * sums (block-moments.c), and the fused chunk of a layer (mother_layer_chunk).
 */

/*
 * Blocks the layer stream reads through a file mapping (layer-stream.c) come from memory, not from a
 * window a pread has just copied through the cache: the block loops here and in block-moments.c
 * prefetch the bytes PREFETCH_AHEAD past the ones they read (a prefetch changes no value, and one
 * past a buffer's end or into a page not mapped yet is dropped, never faults).
 */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 16384
#endif
static inline __attribute__((always_inline)) void prefetch_span(const uint8_t *at, int32_t bytes) {
  for (int32_t line = 0; line < bytes; line += 64) _mm_prefetch((const char *)(at + PREFETCH_AHEAD + line), _MM_HINT_T0);
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
    if (b % 2 == 0) prefetch_span(block, 68);
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
 * The eight 6-bit scales (low half) and mins (high half) of a Q4_K/Q5_K super-block's 12 packed
 * bytes, as k_scale and k_min give them one by one (shared by the decoders and block-moments.c): bytes 0–3 hold scales 0–3 (and the top bits of
 * scales 4–7), 4–7 mins 0–3 (and the top bits of mins 4–7), 8–11 the low four bits of scales and
 * mins 4–7, all unpacked in four 32-bit words at once.
 */
static inline __m128i k_scales_mins(const uint8_t *packed) {
  uint32_t w[3];
  memcpy(w, packed, 12);
  const uint32_t six = 0x3f3f3f3fu, four = 0x0f0f0f0fu, two = 0x03030303u;
  return _mm_setr_epi32((int)(w[0] & six), (int)((w[2] & four) | (((w[0] >> 6) & two) << 4)), (int)(w[1] & six),
                        (int)(((w[2] >> 4) & four) | (((w[1] >> 6) & two) << 4)));
}

/*
 * A K-quant super-block's a = fl(d·sc) and b = fl(dmin·m) for its eight sub-blocks (ggml's f32
 * products, eight at once): d and dmin are the f16s at bytes 0–3, the packed scales at 4–15.
 */
static inline void k_scales(const uint8_t *block, float a[8], float b[8]) {
  const __m128i packed = k_scales_mins(block + 4);
  _mm256_storeu_ps(a, _mm256_mul_ps(_mm256_set1_ps(half_at(block)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(packed))));
  _mm256_storeu_ps(b, _mm256_mul_ps(_mm256_set1_ps(half_at(block + 2)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(packed, 8)))));
}

/*
 * GGUF Q4_K → f32 for `count` values (whole 256-value super-blocks: f16 d and dmin, 12 bytes of
 * 6-bit sub-block scales and mins, 128 bytes of nibbles): value = (d·sc)·q − dmin·m, products and
 * difference rounded to f32 one by one as in ggml's dequantize_row_q4_K (no FMA: -std=c11 does not
 * contract).
 */
void mother_dequantize_q4_k(const uint8_t *blocks, float *target, int32_t count) {
  const __m256i low = _mm256_set1_epi32(0xF);
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 144 * (int64_t)b, *q = block + 16;
    prefetch_span(block, 144);
    float a[8], m[8];
    k_scales(block, a, m);
    float *y = target + 256 * (int64_t)b;
    for (int j = 0; j < 8; j += 2, q += 32, y += 64) {
      const __m256 d1 = _mm256_set1_ps(a[j]), min1 = _mm256_set1_ps(m[j]), d2 = _mm256_set1_ps(a[j + 1]), min2 = _mm256_set1_ps(m[j + 1]);
      for (int l = 0; l < 32; l += 8) {
        const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + l)));
        _mm256_storeu_ps(y + l, _mm256_sub_ps(_mm256_mul_ps(d1, _mm256_cvtepi32_ps(_mm256_and_si256(bytes, low))), min1));
        _mm256_storeu_ps(y + 32 + l, _mm256_sub_ps(_mm256_mul_ps(d2, _mm256_cvtepi32_ps(_mm256_srli_epi32(bytes, 4))), min2));
      }
    }
  }
}

/*
 * GGUF Q5_K → f32 (whole 256-value super-blocks: f16 d and dmin, 12 bytes of 6-bit scales and
 * mins, 32 bytes of fifth bits, 128 bytes of low nibbles): value = (d·sc)·(q + 16·h) − dmin·m, as
 * ggml's dequantize_row_q5_K, each product and the difference rounded to f32. Sub-blocks 2p and
 * 2p + 1 take the low and high nibbles of 32 bytes and bits 2p and 2p + 1 of the 32 fifth-bit bytes.
 */
void mother_dequantize_q5_k(const uint8_t *blocks, float *target, int32_t count) {
  const __m256i low = _mm256_set1_epi32(0xF), bit = _mm256_set1_epi32(16);
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 176 * (int64_t)b, *qh = block + 16, *q = block + 48;
    prefetch_span(block, 176);
    float a[8], m[8];
    k_scales(block, a, m);
    float *y = target + 256 * (int64_t)b;
    for (int l = 0; l < 32; l += 8) {
      // Fifth bits of values l … l + 7 of every sub-block, moved up by 4: bit j of sub-block j is then bit j + 4.
      const __m256i h = _mm256_slli_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qh + l))), 4);
      for (int j = 0; j < 8; j += 2) {
        const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + 16 * j + l)));
        const __m256i lo = _mm256_or_si256(_mm256_and_si256(bytes, low), _mm256_and_si256(_mm256_srli_epi32(h, j), bit));
        const __m256i hi = _mm256_or_si256(_mm256_srli_epi32(bytes, 4), _mm256_and_si256(_mm256_srli_epi32(h, j + 1), bit));
        _mm256_storeu_ps(y + 32 * j + l, _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(a[j]), _mm256_cvtepi32_ps(lo)), _mm256_set1_ps(m[j])));
        _mm256_storeu_ps(y + 32 * j + 32 + l, _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(a[j + 1]), _mm256_cvtepi32_ps(hi)), _mm256_set1_ps(m[j + 1])));
      }
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

/* 32 signed bytes times a scale each 16 (first for bytes 0–15, second for 16–31), as f32: y = fl(scale·q). */
static inline void store_scaled16(float *y, __m256i v, float first, float second) {
  const __m128i low = _mm256_castsi256_si128(v), high = _mm256_extracti128_si256(v, 1);
  const __m256 a = _mm256_set1_ps(first), b = _mm256_set1_ps(second);
  _mm256_storeu_ps(y, _mm256_mul_ps(a, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(low))));
  _mm256_storeu_ps(y + 8, _mm256_mul_ps(a, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(low, 8)))));
  _mm256_storeu_ps(y + 16, _mm256_mul_ps(b, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(high))));
  _mm256_storeu_ps(y + 24, _mm256_mul_ps(b, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(high, 8)))));
}

/*
 * GGUF Q6_K → f32 (whole 256-value super-blocks: 128 bytes of low nibbles, 64 bytes of high bit
 * pairs, 16 signed scales, f16 d): value = (d·sc)·(q − 32), as ggml's dequantize_row_q6_K — 32
 * values per register of bytes.
 */
void mother_dequantize_q6_k(const uint8_t *blocks, float *target, int32_t count) {
  for (int32_t b = 0; b < count / 256; b++) {
    const uint8_t *block = blocks + 210 * (int64_t)b;
    prefetch_span(block, 210);
    const float d = half_at(block + 208);
    float *y = target + 256 * (int64_t)b;
    for (int n = 0; n < 2; n++, y += 128) {
      // d·sc for the half's eight scales (values 0–15 of register k take scale 2k, 16–31 scale 2k + 1).
      float a[8];
      _mm256_storeu_ps(a, _mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(block + 192 + 8 * n))))));
      __m256i q[4];
      q6_k_unpack(block, n, q);
      store_scaled16(y, q[0], a[0], a[1]);
      store_scaled16(y + 32, q[1], a[2], a[3]);
      store_scaled16(y + 64, q[2], a[4], a[5]);
      store_scaled16(y + 96, q[3], a[6], a[7]);
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

/* `count` values (whole blocks) of `kind` blocks at `blocks` decoded into `target`. */
static inline void decode_at(int32_t kind, const uint8_t *blocks, float *target, int32_t count) {
  switch (kind) {
  case CHUNK_Q8_0: mother_dequantize_q8_0(blocks, target, count); break;
  case CHUNK_Q4_K: mother_dequantize_q4_k(blocks, target, count); break;
  case CHUNK_Q5_K: mother_dequantize_q5_k(blocks, target, count); break;
  case CHUNK_Q6_K: mother_dequantize_q6_k(blocks, target, count); break;
  default: break;
  }
}

/* Values and bytes of one block of a decoded kind (0 for f32 chunks). */
static inline int32_t kind_block_values(int32_t kind) { return kind == CHUNK_Q8_0 ? 32 : kind == CHUNK_F32 ? 0 : 256; }
static inline int32_t kind_block_bytes(int32_t kind) {
  return kind == CHUNK_Q8_0 ? 34 : kind == CHUNK_Q4_K ? 144 : kind == CHUNK_Q5_K ? 176 : kind == CHUNK_Q6_K ? 210 : 0;
}

/*
 * Values [from, from + count) (whole blocks) of a model's chunk decoded into target[from…]: from
 * its blocks in a row (`rows` null), or, for a chunk whose rows lie apart (rotary rows read in
 * place, layer-stream.c), from rows[r] for its row r of `cols` values — a run split where a row ends
 * (rows hold whole blocks). Each value decodes alone, so either way gives the same bits.
 */
static inline void decode_values(int32_t kind, const uint8_t *blocks, const uint8_t *const *rows, int32_t cols, float *target, int32_t from, int32_t count) {
  const int64_t block_values = kind_block_values(kind), block_bytes = kind_block_bytes(kind);
  if (block_values == 0) return;
  if (!rows) {
    decode_at(kind, blocks + from / block_values * block_bytes, target + from, count);
    return;
  }
  for (int32_t at = from, end = from + count; at < end;) {
    const int32_t row = at / cols, within = at - row * cols;
    const int32_t piece = end - at < cols - within ? end - at : cols - within;
    decode_at(kind, rows[row] + within / block_values * block_bytes, target + at, piece);
    at += piece;
  }
}

void mother_layer_chunk_rows(const uint8_t *base, const uint32_t *plan, const uint8_t *const *sources, const float *const *values,
                             const uint8_t *const *const *rows, int32_t cols, int32_t models, int32_t count, const double *shifts, double *scales,
                             const uint32_t *groups, int32_t group_count, uint8_t *states);

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
  mother_layer_chunk_rows(base, plan, 0, 0, 0, 0, models, count, shifts, scales, groups, group_count, states);
}

/*
 * mother_layer_chunk, where model m's blocks or values may lie outside kernel memory or row by row
 * apart instead of at its source: sources[m] (when sources and sources[m] are not null) is a
 * pointer to its blocks in place of base + its plan's source (layer-stream.c reads a file through
 * a mapping so); values[m] (when values and values[m] are not null) is where an f32 model's values
 * lie in place of base + its plan's target, for its power sums and its pairs (a mapped
 * safetensors f32 tensor); rows[m] (when rows and rows[m] are not null) lists the chunk's rows of
 * `cols` values, in order, each pointing at its blocks (layer-stream.c reads rotary rows in place
 * so, instead of copying them into order first). Such a model decodes (no CHUNK_INTEGER_SUMS, no
 * CHUNK_NO_DECODE).
 */
void mother_layer_chunk_rows(const uint8_t *base, const uint32_t *plan, const uint8_t *const *sources, const float *const *values,
                             const uint8_t *const *const *rows, int32_t cols, int32_t models, int32_t count, const double *shifts, double *scales,
                             const uint32_t *groups, int32_t group_count, uint8_t *states) {
  const int32_t runs = count & ~(RUN - 1);
  const int32_t blocked = count & ~(POWER_BLOCK - 1);
  // Every group's members as pointers (a model whose values lie elsewhere, values[m], is found by its target).
  int64_t member_count = 0;
  for (int32_t g = 0; g < group_count; g++) member_count += groups[3 * g + 1];
  const float *members[member_count > 0 ? member_count : 1];
  for (int32_t g = 0, at = 0; g < group_count; g++) {
    const uint32_t *table = (const uint32_t *)(base + groups[3 * g]);
    for (uint32_t i = 0; i < groups[3 * g + 1]; i++, at++) {
      members[at] = (const float *)(base + table[i]);
      for (int32_t m = 0; values && m < models; m++)
        if (values[m] && plan[4 * m + 2] == table[i]) members[at] = values[m];
    }
  }
  for (int32_t m = 0; m < models; m++) {
    const power_state start = power_start();
    memcpy(states + (int64_t)m * sizeof(power_state), &start, sizeof(power_state));
    const uint32_t *model = plan + 4 * m;
    // Summed from the integers, whole chunk at once (the caller gives scale 0: no f32 sums).
    const uint8_t *blocks = sources && sources[m] ? sources[m] : base + model[1];
    if (model[0] & CHUNK_INTEGER_SUMS) mother_block_power_sums((int32_t)(model[0] & 0xFF), blocks, count, shifts[m], (double *)(base + model[3]));
  }
  for (int32_t from = 0; from < count; from += RUN) {
    const int32_t end = from + RUN <= count ? from + RUN : count;
    for (int32_t m = 0; m < models; m++) {
      const uint32_t *model = plan + 4 * m;
      float *target = (float *)(base + model[2]);
      const uint8_t *blocks = sources && sources[m] ? sources[m] : base + model[1];
      if (!(model[0] & CHUNK_NO_DECODE)) decode_values((int32_t)(model[0] & 0xFF), blocks, rows ? rows[m] : 0, cols, target, from, end - from);
      const float *summed = values && values[m] ? values[m] : target;
      if (summed != target) prefetch_span((const uint8_t *)(summed + from), RUN * 4); // values read from memory, not a just-filled buffer
      if (scales[m] == 0) continue;
      const __m256 c = _mm256_set1_ps((float)scales[m]);
      const __m256 kc = _mm256_set1_ps((float)shifts[m] * (float)scales[m]);
      power_state s;
      memcpy(&s, states + (int64_t)m * sizeof(power_state), sizeof(power_state));
      const int32_t last = end < blocked ? end : blocked;
      for (int32_t block = from; block < last; block += POWER_BLOCK) power_block(summed, block, c, kc, 1, &s, load8_f32);
      memcpy(states + (int64_t)m * sizeof(power_state), &s, sizeof(power_state));
    }
    if (end - from < RUN) break;
    for (int32_t g = 0, at = 0; g < group_count; at += (int32_t)groups[3 * g + 1], g++) {
      const uint32_t *group = groups + 3 * g;
      pairwise_run(members + at, (int32_t)group[1], from, (double *)(base + group[2]));
    }
  }
  for (int32_t g = 0, at = 0; g < group_count; at += (int32_t)groups[3 * g + 1], g++) {
    const uint32_t *group = groups + 3 * g;
    pairwise_tail(members + at, (int32_t)group[1], runs, count, (double *)(base + group[2]));
  }
  for (int32_t m = 0; m < models; m++) {
    if (scales[m] == 0) continue;
    power_state s;
    memcpy(&s, states + (int64_t)m * sizeof(power_state), sizeof(power_state));
    const uint32_t *model = plan + 4 * m;
    const void *summed = values && values[m] ? (const void *)values[m] : (const void *)(base + model[2]);
    scales[m] = power_finish(summed, blocked, count, shifts[m], scales[m], 0, 0, 0, &s, (double *)(base + model[3]), load1_f32);
  }
}

/*
 * Low-rank kernels of the native library (included by weight-kernels.c: one translation unit,
 * its flags and helpers): ℓ_LoRA's two sketch halves and the bidiagonalisation behind its ranks,
 * and a PEFT adapter's rows (stored + L·R).
 */

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

/*
 * Row-sample sketches (makeRowSampleSketcher's streamInKernels) of `models` whole rows × cols f32
 * layers, model m's at base + offsets[m]: out[m] (k_left × width, zeroed here) = (S W_m) Ω, S
 * picking rows sampled[0 … k_left). Each sampled row widened to f64 as mother_sketch_rows adds
 * it through the identity map into a zeroed partial (0 + 1·x), then mother_sketch_columns' sums
 * in its order: the bits of those two calls and their JavaScript per model, in one call.
 */
void mother_row_sample_sketches(const uint8_t *base, const uint32_t *offsets, int32_t models, int32_t cols, const int32_t *sampled, int32_t k_left,
                                const int32_t *buckets, const double *signs, int32_t sparsity, int32_t width, double *out) {
  for (int32_t m = 0; m < models; m++) {
    const float *weights = (const float *)(base + offsets[m]);
    double *sketch = out + (int64_t)m * k_left * width;
    for (int32_t i = 0; i < k_left; i++) {
      const float *row = weights + (int64_t)sampled[i] * cols;
      double *target = sketch + (int64_t)i * width;
      for (int32_t b = 0; b < width; b++) target[b] = 0;
      for (int32_t c = 0; c < cols; c++) {
        const double value = 0.0 + 1.0 * (double)row[c];
        for (int32_t s = 0; s < sparsity; s++) {
          const int64_t pick = (int64_t)c * sparsity + s;
          target[buckets[pick]] += signs[pick] * value;
        }
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

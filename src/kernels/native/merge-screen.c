/*
 * The merge screen's greedy least-squares search natively (detect-merges-screen.ts), on the
 * shared products of merge-products.c:
 *
 *   mother_screen_fit    the search for one child, the TypeScript greedyFit operation for
 *                        operation (same Cholesky, ridge and bars), so the same verdicts
 *   mother_screen_children  its verdicts for every child of a small tree and each start, in one call
 *
 * Compiled into the same library as weight-kernels.c (build-native.ts), with the same flags.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
} screen_table;

/*
 * The table for the search's first step: ⟨y, y⟩, every ⟨v_a, y⟩, and ⟨v_a, v_b⟩ with a or b = 0
 * or a = b — the only products a two-regressor trial {0, a} reads (3m of m² per layer; most
 * children stop at that step). screen_table_row forms a chosen regressor's others when a step passes.
 */
static int screen_table_fill(const screen_layers *s, int32_t m, screen_table *t) {
  const int64_t layers = s->layers;
  t->m = m;
  t->s = s;
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

/*
 * ⟨v_c, v_b⟩ and ⟨v_b, v_c⟩ for every other b > 0, the same expression as the others: a trial
 * reads the products among its chosen regressors and the candidate, so each regressor's row is
 * formed when it is chosen (m of the m² a layer), not the whole table.
 */
static void screen_table_row(screen_table *t, int32_t c) {
  const int32_t m = t->m;
  for (int32_t l = 0; l < t->s->layers; l++) {
    double *gram = t->gram + (int64_t)l * m * m;
    for (int32_t b = 1; b < m; b++) {
      if (b == c) continue;
      gram[c * m + b] = screen_gram(t->s, l, c, b);
      gram[b * m + c] = screen_gram(t->s, l, b, c);
    }
  }
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

/* js_max for four lanes: NaN wins, on equal values the one without the sign bit (+0 above −0), else the larger. */
static inline __m256d js_max4(__m256d a, __m256d b) {
  const __m256d larger = _mm256_blendv_pd(b, a, _mm256_cmp_pd(a, b, _CMP_GT_OQ));
  /* Equal: signbit(a) ? b : a — blendv picks by the sign bit of its mask, here a itself. */
  const __m256d tie = _mm256_blendv_pd(a, b, a);
  const __m256d either = _mm256_blendv_pd(larger, tie, _mm256_cmp_pd(a, b, _CMP_EQ_OQ));
  return _mm256_blendv_pd(either, _mm256_set1_pd(NAN), _mm256_cmp_pd(a, b, _CMP_UNORD_Q));
}

/* The most regressors screen_residual4 takes (MAX_PARENTS of detect-merges.ts), and the most candidates a search lays out for it. */
#define SCREEN_LANES_SET 4
#define SCREEN_LANES_CANDIDATES 64

/*
 * screen_residual for four trial sets at once, chosen[0 … size − 1] and then at[q], one set per
 * lane (size + 1 ≤ SCREEN_LANES_SET): each lane's operations are screen_residual's —
 * solve_symmetric's Cholesky, ridge, js_max and substitutions in the same order, nothing fused —
 * so each lane's residual is its set's. A step's trials are independent, so their chains of
 * square roots and divisions run side by side instead of one after the other.
 */
static void screen_residual4(const screen_table *t, int32_t layers, const int32_t *chosen, int32_t size, const int32_t at[4], double out[4]) {
  const int32_t m = t->m, count = size + 1;
  const __m256d zero = _mm256_setzero_pd();
  __m256d total = zero;
  for (int32_t l = 0; l < layers; l++) {
    const double *g = t->gram + (int64_t)l * m * m, *r = t->right + (int64_t)l * m;
    __m256d gram[SCREEN_LANES_SET * SCREEN_LANES_SET], right[SCREEN_LANES_SET], lower[SCREEN_LANES_SET * SCREEN_LANES_SET], z[SCREEN_LANES_SET],
        x[SCREEN_LANES_SET];
    for (int32_t i = 0; i < count; i++) {
      right[i] = i < size ? _mm256_set1_pd(r[chosen[i]]) : _mm256_set_pd(r[at[3]], r[at[2]], r[at[1]], r[at[0]]);
      for (int32_t j = 0; j < count; j++) {
        if (i < size && j < size)
          gram[i * count + j] = _mm256_set1_pd(g[chosen[i] * m + chosen[j]]);
        else if (i < size)
          gram[i * count + j] = _mm256_set_pd(g[chosen[i] * m + at[3]], g[chosen[i] * m + at[2]], g[chosen[i] * m + at[1]], g[chosen[i] * m + at[0]]);
        else if (j < size)
          gram[i * count + j] = _mm256_set_pd(g[at[3] * m + chosen[j]], g[at[2] * m + chosen[j]], g[at[1] * m + chosen[j]], g[at[0] * m + chosen[j]]);
        else
          gram[i * count + j] = _mm256_set_pd(g[at[3] * m + at[3]], g[at[2] * m + at[2]], g[at[1] * m + at[1]], g[at[0] * m + at[0]]);
      }
    }
    /* solve_symmetric, lane by lane. */
    __m256d trace = zero;
    for (int32_t a = 0; a < count; a++) trace = _mm256_add_pd(trace, gram[a * count + a]);
    const __m256d mean = _mm256_div_pd(trace, _mm256_set1_pd(count));
    /* (mean != 0 && mean == mean) ? mean : 1 — ordered and not equal to 0. */
    const __m256d ridge = _mm256_mul_pd(_mm256_set1_pd(1e-12), _mm256_blendv_pd(_mm256_set1_pd(1), mean, _mm256_cmp_pd(mean, zero, _CMP_NEQ_OQ)));
    for (int32_t a = 0; a < count; a++) {
      for (int32_t b = 0; b <= a; b++) {
        __m256d sum = _mm256_add_pd(gram[a * count + b], a == b ? ridge : zero);
        for (int32_t c = 0; c < b; c++) sum = _mm256_sub_pd(sum, _mm256_mul_pd(lower[a * count + c], lower[b * count + c]));
        lower[a * count + b] = a == b ? _mm256_sqrt_pd(js_max4(sum, ridge)) : _mm256_div_pd(sum, lower[b * count + b]);
      }
    }
    for (int32_t a = 0; a < count; a++) {
      __m256d sum = right[a];
      for (int32_t c = 0; c < a; c++) sum = _mm256_sub_pd(sum, _mm256_mul_pd(lower[a * count + c], z[c]));
      z[a] = _mm256_div_pd(sum, lower[a * count + a]);
    }
    for (int32_t a = count - 1; a >= 0; a--) {
      __m256d sum = z[a];
      for (int32_t c = a + 1; c < count; c++) sum = _mm256_sub_pd(sum, _mm256_mul_pd(lower[c * count + a], x[c]));
      x[a] = _mm256_div_pd(sum, lower[a * count + a]);
    }
    __m256d explained = zero;
    for (int32_t a = 0; a < count; a++) explained = _mm256_add_pd(explained, _mm256_mul_pd(x[a], right[a]));
    total = _mm256_add_pd(total, js_max4(zero, _mm256_sub_pd(_mm256_set1_pd(t->target[l]), explained)));
  }
  _mm256_storeu_pd(out, _mm256_sqrt_pd(total));
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
    int32_t best = -1;
    double best_residual = 0;
    if (size + 1 <= SCREEN_LANES_SET && m <= SCREEN_LANES_CANDIDATES) {
      /* The step's trials four at a time (screen_residual4), then the same choice, in candidate order. */
      int32_t candidates[SCREEN_LANES_CANDIDATES];
      double trials[SCREEN_LANES_CANDIDATES];
      int32_t n = 0;
      for (int32_t at = 1; at < m; at++) {
        int taken = 0;
        for (int32_t i = 0; i < size; i++) taken |= chosen[i] == at;
        if (!taken) candidates[n++] = at;
      }
      for (int32_t q = 0; q < n; q += 4) {
        /* Lanes past the last candidate repeat it; their residuals are not read. */
        const int32_t four[4] = {candidates[q], candidates[q + 1 < n ? q + 1 : n - 1], candidates[q + 2 < n ? q + 2 : n - 1], candidates[q + 3 < n ? q + 3 : n - 1]};
        double residuals[4];
        screen_residual4(t, layers, chosen, size, four, residuals);
        for (int32_t k = 0; k < 4 && q + k < n; k++) trials[q + k] = residuals[k];
      }
      for (int32_t q = 0; q < n; q++)
        if (best < 0 || trials[q] < best_residual) best = candidates[q], best_residual = trials[q];
    } else {
      for (int32_t at = 1; at < m; at++) {
        int taken = 0;
        for (int32_t i = 0; i < size; i++) taken |= chosen[i] == at;
        if (taken) continue;
        chosen[size] = at;
        const double trial = screen_residual(t, layers, chosen, size + 1);
        if (best < 0 || trial < best_residual) best = at, best_residual = trial;
      }
    }
    if (best < 0 || best_residual > (1 - min_step_gain) * (1 + slack) * residual) return 0;
    chosen[size++] = best;
    /* The next step's trials read the products between `best` and the other candidates. */
    if (size < max_parents) screen_table_row(t, best);
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

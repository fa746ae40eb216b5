/*
 * Chu-Liu/Edmonds in Tarjan's dense O(n²) form natively: `solve` of src/tree/chu-liu-edmonds.ts
 * step for step — the same slots, the same order over live slots and cycle members, the same
 * strict comparisons (ties to the first candidate) and the same subtractions, so the same
 * arborescence for the same weights. Recovery solves each tree 4–6 times (two orientations, a
 * fallback rule, a root tie), ~60 µs each in TypeScript for 20 models.
 *
 * Compiled into the same library as weight-kernels.c (build-native.ts), with the same flags.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * parent[v] for v < n (−1 at `root`) of the minimum arborescence of the n × n `weights`
 * (weights[u·n + v]: u → v; +∞ no edge; the diagonal ignored). Returns 0, 1 when some node has
 * no finite incoming edge left (the TypeScript solve's assertion), 2 when memory ran out.
 */
int32_t mother_arborescence(const double *weights, int32_t n, int32_t root, int32_t *parent) {
  const int64_t cells = (int64_t)n * n;
  const int32_t ids = 2 * n;
  double *cost = malloc(sizeof(double) * (size_t)(cells + ids));
  int32_t *ints = malloc(sizeof(int32_t) * (size_t)(2 * cells + 14 * (int64_t)ids));
  uint8_t *bytes = malloc((size_t)ids + (size_t)n);
  if (!cost || !ints || !bytes) {
    free(cost), free(ints), free(bytes);
    return 2;
  }
  double *chosen_cost = cost + cells;
  int32_t *source = ints, *target = source + cells;
  int32_t *slot_of = target + cells, *id_of_slot = slot_of + ids, *absorbed_by = id_of_slot + ids;
  int32_t *chosen_source = absorbed_by + ids, *chosen_target = chosen_source + ids;
  int32_t *alive = chosen_target + ids, *path = alive + n;
  /* Contractions: members of contraction c at member_of[first[c] … first[c + 1]), with their cycle edges. */
  int32_t *first = path + ids, *member_of = first + ids, *member_source = member_of + ids, *member_target = member_source + ids;
  int32_t *in_source = member_target + ids, *in_target = in_source + ids, *contraction_id = in_target + ids;
  uint8_t *state = bytes, *in_cycle = bytes + ids;
  for (int32_t u = 0; u < n; u++) {
    for (int32_t v = 0; v < n; v++) {
      cost[(int64_t)u * n + v] = weights[(int64_t)u * n + v];
      source[(int64_t)u * n + v] = u;
      target[(int64_t)u * n + v] = v;
    }
    cost[(int64_t)u * n + u] = INFINITY;
  }
  for (int32_t i = 0; i < ids; i++) slot_of[i] = -1, absorbed_by[i] = -1, chosen_source[i] = -1, chosen_target[i] = -1, chosen_cost[i] = 0, state[i] = 0;
  for (int32_t i = 0; i < n; i++) id_of_slot[i] = i, slot_of[i] = i, alive[i] = i, in_cycle[i] = 0;
  int32_t alive_count = n, next_id = n, contractions = 0, members_total = 0;
  first[0] = 0;
  state[root] = 2;
  int32_t failed = 0;

  for (int32_t start = 0; start < n && !failed; start++) {
    if (state[start] != 0) continue;
    int32_t length = 0;
    path[length++] = start;
    state[start] = 1;
    while (length > 0) {
      const int32_t v = path[length - 1];
      const int32_t slot = slot_of[v];
      double best = INFINITY;
      int32_t best_slot = -1;
      for (int32_t a = 0; a < alive_count; a++) {
        const int32_t k = alive[a];
        const double w = cost[(int64_t)k * n + slot];
        if (w < best) best = w, best_slot = k;
      }
      if (best_slot < 0) {
        failed = 1;
        break;
      }
      chosen_source[v] = source[(int64_t)best_slot * n + slot];
      chosen_target[v] = target[(int64_t)best_slot * n + slot];
      chosen_cost[v] = best;
      const int32_t u = id_of_slot[best_slot];
      if (state[u] == 2) {
        for (int32_t p = 0; p < length; p++) state[path[p]] = 2;
        length = 0;
      } else if (state[u] == 0) {
        state[u] = 1;
        path[length++] = u;
      } else {
        /* Members in the order the TypeScript pops them off the path: v first, u last. */
        const int32_t from = members_total;
        int32_t x;
        do {
          x = path[--length];
          member_of[members_total++] = x;
        } while (x != u);
        const int32_t count = members_total - from;
        const int32_t *members = member_of + from;
        const int32_t id = next_id++;
        const int32_t keep = slot_of[members[0]];
        for (int32_t j = 0; j < count; j++) in_cycle[slot_of[members[j]]] = 1;
        for (int32_t a = 0; a < alive_count; a++) {
          const int32_t y = alive[a];
          if (in_cycle[y]) continue;
          double best_in = INFINITY, best_out = INFINITY;
          int64_t in_at = -1, out_at = -1;
          for (int32_t j = 0; j < count; j++) {
            const int32_t m = members[j], s = slot_of[m];
            const double into = cost[(int64_t)y * n + s];
            /* Entering the cycle at m replaces m's cycle edge: pay the difference. */
            if (into - chosen_cost[m] < best_in) best_in = into - chosen_cost[m], in_at = (int64_t)y * n + s;
            const double out = cost[(int64_t)s * n + y];
            if (out < best_out) best_out = out, out_at = (int64_t)s * n + y;
          }
          const int64_t into_keep = (int64_t)y * n + keep, out_of_keep = (int64_t)keep * n + y;
          if (in_at >= 0) source[into_keep] = source[in_at], target[into_keep] = target[in_at];
          cost[into_keep] = best_in;
          if (out_at >= 0) source[out_of_keep] = source[out_at], target[out_of_keep] = target[out_at];
          cost[out_of_keep] = best_out;
        }
        for (int32_t j = 0; j < count; j++) {
          in_cycle[slot_of[members[j]]] = 0;
          absorbed_by[members[j]] = id;
          member_source[from + j] = chosen_source[members[j]];
          member_target[from + j] = chosen_target[members[j]];
        }
        /* The members' slots but the kept one leave the live slots, which keep their order. */
        int32_t kept = 0;
        for (int32_t a = 0; a < alive_count; a++) {
          const int32_t y = alive[a];
          int dropped = 0;
          for (int32_t j = 0; j < count && !dropped; j++) dropped = slot_of[members[j]] == y && y != keep;
          if (!dropped) alive[kept++] = y;
        }
        alive_count = kept;
        slot_of[id] = keep;
        id_of_slot[keep] = id;
        contraction_id[contractions++] = id;
        first[contractions] = members_total;
        state[id] = 1;
        path[length++] = id;
      }
    }
  }

  if (!failed) {
    /* Expand: each contraction's incoming edge goes to the member holding its target; the others keep their cycle edges. */
    for (int32_t id = 0; id < next_id; id++) {
      const int outside = absorbed_by[id] == -1 && id != root;
      in_source[id] = outside ? chosen_source[id] : -1;
      in_target[id] = outside ? chosen_target[id] : -1;
    }
    for (int32_t c = contractions - 1; c >= 0; c--) {
      const int32_t id = contraction_id[c];
      int32_t entry = in_target[id];
      while (absorbed_by[entry] != id) entry = absorbed_by[entry];
      for (int32_t j = first[c]; j < first[c + 1]; j++) {
        const int32_t m = member_of[j];
        in_source[m] = m == entry ? in_source[id] : member_source[j];
        in_target[m] = m == entry ? in_target[id] : member_target[j];
      }
    }
    for (int32_t v = 0; v < n; v++) parent[v] = in_source[v];
    parent[root] = -1;
  }
  free(cost), free(ints), free(bytes);
  return failed;
}

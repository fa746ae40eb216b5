#!/bin/bash
# The table of docs/gguf.md "Reading through a mapping": bench/mmap-read.c's variants in each page-cache
# state, --rounds rounds, the variants' order reversed every other round; one line per run, then the
# medians. Usage (under flock /work/heavy.lock): bench/mmap-read.sh <file of ~800 MB> [rounds, default 4]
set -euo pipefail
file=$1
rounds=${2:-4}
program=$(mktemp /tmp/mmap-read.XXXXXX)
trap 'rm -f "$program"' EXIT
cc -O2 -mavx2 -o "$program" "$(dirname "$0")/mmap-read.c"
variants=(pread mmap mmap-seq populate populate-win)
runs=$(mktemp /tmp/mmap-read-runs.XXXXXX)
for round in $(seq 1 "$rounds"); do
  for state in settled small cold; do
    order=("${variants[@]}")
    if ((round % 2 == 0)); then order=(); for ((i = ${#variants[@]} - 1; i >= 0; i--)); do order+=("${variants[$i]}"); done; fi
    for variant in "${order[@]}"; do "$program" "$state" "$variant" "$file" 2>&1 | tee -a "$runs"; done
  done
done
# Medians (and ranges) of wall and CPU per state and variant.
awk '/ MB: wall / { key = $1 " " $2; n[key]++; wall[key, n[key]] = $6; cpu[key, n[key]] = $9; faults[key] = $11 }
  function median(a, key, count,   i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = a[key, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2 }
  END { for (key in n) printf "%-22s wall %.3f s  CPU %.3f s  faults %s  (%d runs)\n", key, median(wall, key, n[key]), median(cpu, key, n[key]), faults[key], n[key] }' "$runs" | sort
rm -f "$runs"

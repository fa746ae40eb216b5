/*
 * Reading a big file out of the page cache: pread into a window against mmap (issue #12, docs/gguf.md
 * "mmap against pread"). One run reads one file once, summing its bytes with AVX2 (what any kernel
 * reading the bytes must at least do), and prints its wall and CPU time (user + system, getrusage)
 * and its page faults.
 *
 *   cc -O2 -mavx2 -o /tmp/mmap-read bench/mmap-read.c
 *   /tmp/mmap-read <state> <variant> <file>
 *
 * state: what the file's page cache is made before the timed read (not timed):
 *   settled  dropped (posix_fadvise DONTNEED) and read back sequentially (128 KB reads, as cat):
 *            on ext4 with large folios mostly 2 MB folios, the state bench/recover-gguf.ts settles
 *   small    dropped and read back with readahead off (POSIX_FADV_RANDOM, 1 MB preads): 4 KB folios,
 *            the worst case of a file read in by a jumping reader (the layer pass)
 *   cold     dropped: the timed read reads the disk
 *   as-is    left as it is
 * variant:
 *   pread          1 MB preads into one 1 MB window, the window summed (the layer pass today)
 *   mmap           the whole file mapped where the kernel puts it, summed, unmapped
 *   mmap-2m        the same at a 2 MB-aligned address (a reserved region, MAP_FIXED into it)
 *   mmap-seq       mmap-2m with MADV_SEQUENTIAL
 *   mmap-huge      mmap-2m with MADV_HUGEPAGE
 *   populate       mmap-2m, MADV_POPULATE_READ of the whole file first (kernel >= 5.14), then summed
 *   populate-win   mmap-2m, MADV_POPULATE_READ 8 MB at a time just ahead of the sum
 * It also prints the file's folios (/proc/kpageflags through /proc/self/pagemap; root only) after
 * the state is made: the share of its pages in large folios and in 2 MB ones.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#define WINDOW (1 << 20)
#define HUGE (2 << 20)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu(long *faults) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  if (faults) *faults = u.ru_minflt + u.ru_majflt;
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

/* Sum of bytes (sad against zero), 32 bytes a step: a memory-bound pass over `n` bytes (a multiple of 32). */
static uint64_t sum_bytes(const uint8_t *p, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  const __m256i zero = _mm256_setzero_si256();
  for (size_t i = 0; i + 128 <= n; i += 128) {
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i)), zero));
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 32)), zero));
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 64)), zero));
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 96)), zero));
  }
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, acc);
  uint64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (size_t i = n / 128 * 128; i < n; i++) s += p[i];
  return s;
}

static void drop(int fd) { posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); }

static void read_back(int fd, off_t size, int random) {
  static uint8_t buffer[WINDOW];
  posix_fadvise(fd, 0, 0, random ? POSIX_FADV_RANDOM : POSIX_FADV_NORMAL);
  const size_t step = random ? WINDOW : 128 << 10;
  for (off_t at = 0; at < size; at += step)
    if (pread(fd, buffer, step, at) < 0) perror("pread"), exit(1);
  posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL);
}

/* The file's folios: pages in the page cache that sit in compound (large) folios, and in 2 MB ones (512 pages). */
static void folios(int fd, off_t size) {
  uint8_t *map = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return;
  unsigned char *in_core = malloc(size / 4096 + 1);
  mincore(map, size, in_core);
  int pagemap = open("/proc/self/pagemap", O_RDONLY), flags = open("/proc/kpageflags", O_RDONLY);
  long pages = size / 4096, resident = 0, large = 0, huge = 0, run = 0;
  volatile uint8_t sink = 0;
  // run: pages of the folio being walked (0: none); a folio is counted 2 MB when its head and 511 tails were seen.
  for (long i = 0; i <= pages; i++) {
    uint64_t entry = 0, f = 0;
    if (i < pages && (in_core[i] & 1)) {
      sink += map[i * 4096]; // maps the cached page (no read: it is resident)
      pread(pagemap, &entry, 8, ((uintptr_t)map / 4096 + i) * 8);
    }
    const int present = (entry >> 63) & 1;
    if (present) pread(flags, &f, 8, (entry & ((1ull << 55) - 1)) * 8), resident++;
    const int head = present && ((f >> 15) & 1), tail = present && ((f >> 16) & 1);
    if (head || tail) large++;
    if (tail && run > 0) {
      run++;
      continue;
    }
    if (run == 512) huge += 512;
    run = head ? 1 : 0;
  }
  fprintf(stderr, "folios: %.1f %% resident, %.1f %% in large folios, %.1f %% in 2 MB ones\n", 100.0 * resident / pages, 100.0 * large / (resident ? resident : 1),
          100.0 * huge / (resident ? resident : 1));
  munmap(map, size);
  free(in_core);
  close(pagemap), close(flags);
}

/* A 2 MB-aligned region of `size` bytes reserved (PROT_NONE), the file mapped over it. */
static uint8_t *map_aligned(int fd, size_t size) {
  uint8_t *room = mmap(0, size + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  uint8_t *aligned = (uint8_t *)(((uintptr_t)room + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
  uint8_t *map = mmap(aligned, size, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
  if (map == MAP_FAILED) perror("mmap"), exit(1);
  if (aligned > room) munmap(room, aligned - room);
  munmap(aligned + size, room + size + HUGE - (aligned + size));
  return map;
}

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: mmap-read settled|small|cold|as-is pread|mmap|mmap-2m|mmap-seq|mmap-huge|populate|populate-win <file>\n"), 2;
  const char *state = argv[1], *variant = argv[2];
  const int fd = open(argv[3], O_RDONLY);
  if (fd < 0) return perror(argv[3]), 1;
  struct stat st;
  fstat(fd, &st);
  const off_t size = st.st_size & ~(off_t)127;
  if (!strcmp(state, "settled")) drop(fd), read_back(fd, size, 0);
  else if (!strcmp(state, "small")) drop(fd), read_back(fd, size, 1);
  else if (!strcmp(state, "cold")) drop(fd);
  else if (strcmp(state, "as-is")) return fprintf(stderr, "unknown state %s\n", state), 2;
  if (strcmp(state, "cold")) folios(fd, size);
  static uint8_t window[WINDOW] __attribute__((aligned(64)));
  long faults0, faults1;
  const double wall0 = now(), cpu0 = cpu(&faults0);
  uint64_t s = 0;
  void *where = 0;
  if (!strcmp(variant, "pread")) {
    for (off_t at = 0; at < size; at += WINDOW) {
      const size_t length = size - at < WINDOW ? size - at : WINDOW;
      if (pread(fd, window, length, at) != (ssize_t)length) return perror("pread"), 1;
      s += sum_bytes(window, length);
    }
  } else {
    uint8_t *map;
    if (!strcmp(variant, "mmap")) map = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
    else map = map_aligned(fd, size);
    if (map == MAP_FAILED) return perror("mmap"), 1;
    where = map;
    if (!strcmp(variant, "mmap-seq")) madvise(map, size, MADV_SEQUENTIAL);
    else if (!strcmp(variant, "mmap-huge")) madvise(map, size, MADV_HUGEPAGE);
    else if (!strcmp(variant, "populate") && madvise(map, size, MADV_POPULATE_READ)) return perror("MADV_POPULATE_READ"), 1;
    else if (strcmp(variant, "mmap") && strcmp(variant, "mmap-2m") && strcmp(variant, "populate") && strcmp(variant, "populate-win"))
      return fprintf(stderr, "unknown variant %s\n", variant), 2;
    const int ahead = !strcmp(variant, "populate-win");
    const size_t step = 8 << 20;
    for (off_t at = 0; at < size; at += step) {
      const size_t length = size - at < (off_t)step ? size - at : step;
      if (ahead && madvise(map + at, length, MADV_POPULATE_READ)) return perror("MADV_POPULATE_READ"), 1;
      s += sum_bytes(map + at, length);
    }
    munmap(map, size);
  }
  const double wall = now() - wall0, used = cpu(&faults1) - cpu0;
  printf("%s %s %.1f MB: wall %.4f s, CPU %.4f s, %ld faults, at %p (2 MB-aligned: %s), sum %llu\n", state, variant, size / 1e6, wall, used, faults1 - faults0, where,
         ((uintptr_t)where & (HUGE - 1)) == 0 ? "yes" : "no", (unsigned long long)s);
  return 0;
}

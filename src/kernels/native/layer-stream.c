/*
 * The rest of a staged GGUF layer in one call (issue #12's speed): chunks [first, count) of every
 * model read, put in Hugging Face row order and swept here, instead of one call from TypeScript
 * per chunk with its reads, views and checks around it (src/recover/staged-chunks.ts, which is
 * the per-chunk path this replaces operation for operation: the same reads into the same
 * read-ahead windows, the same rotary row gathers, mother_layer_chunk on each chunk, and the
 * f32 redo of a chunk that overflowed its scale — so the same bits).
 *
 * A model is one of
 *   - a twin (another model's very bytes): its buffer already holds the chunk, nothing summed here;
 *   - a staged GGUF tensor: blocks pread from its file into its window (kernel memory) when the
 *     window does not hold them, then decoded and summed by mother_layer_chunk_rows; rotary rows are
 *     decoded where they lie in the window, in Hugging Face order (a table of row pointers), or, when
 *     its statistics come from the blocks' integers (which read a chunk in one piece), gathered into
 *     its `ordered` room first.
 * Reads go through pread on the descriptor the TypeScript stream opened, or, for a model marked
 * MODEL_MAPPED, through a read-only mapping of its tensor made here for the call (map_tensors): the
 * kernels then read the page cache itself, with no copy into the window (on settled files, whose
 * pages sit in 2 MB folios, a mapping is faulted in a few hundred faults per 800 MB: bench/mmap-read.c).
 * A model whose mapping fails is read through pread. A file cut short (a read that returns fewer
 * bytes than the tensor's extent, a mapped page past the end of the file — SIGBUS, caught on this
 * thread and turned into the same outcome — or a file found shorter than the extent after a mapped
 * sweep, which catches a cut inside the last page, read as zeros) stops the call with the model and
 * position, and the caller names the file (messages.ggufTruncated). The caller checks the size
 * before mapping (staged-chunks.ts sweepRest), so the guard only serves files cut meanwhile.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void mother_layer_chunk_rows(const uint8_t *base, const uint32_t *plan, const uint8_t *const *sources, const float *const *values,
                             const uint8_t *const *const *rows, int32_t cols, int32_t models, int32_t count, const double *shifts, double *scales,
                             const uint32_t *groups, int32_t group_count, uint8_t *states);
double mother_add_power_sums(const float *values, int32_t count, double shift, double scale, double *out);
/* pairwise_tail's layout while it is being filled (weight-kernels.c): the guard frees it when a fault leaves the tail. */
extern __attribute__((visibility("hidden"), tls_model("initial-exec"))) _Thread_local void *volatile mother_pairwise_room;

/* Most models one call sweeps (block-kernels.ts STREAM_MODELS; more are swept chunk by chunk from TypeScript). */
#define STREAM_MODELS 64

/* Fields of a model's descriptor (f64 each: integers, exact below 2^53). */
enum {
  MODEL_STAGED,       /* 1: staged GGUF tensor, 0: twin */
  MODEL_KIND,         /* mother_layer_chunk's kind with its flags (CHUNK_*) */
  MODEL_FD,           /* file descriptor to pread from */
  MODEL_OFFSET,       /* byte offset of the tensor's data in the file */
  MODEL_BYTES,        /* the tensor's byte length */
  MODEL_WINDOW,       /* read-ahead window: kernel pointer */
  MODEL_WINDOW_BYTES, /* and its size */
  MODEL_HELD_START,   /* tensor bytes [start, end) the window holds on entry */
  MODEL_HELD_END,
  MODEL_ORDERED,      /* room for one chunk's rows in Hugging Face order (rotary tensors), or −1 */
  MODEL_BLOCK_VALUES, /* values and bytes of one ggml block */
  MODEL_BLOCK_BYTES,
  MODEL_COLS,         /* values a row */
  MODEL_ROWS,         /* rows of the tensor */
  MODEL_HEADS,        /* rotary heads (0: stored in Hugging Face order) */
  MODEL_TARGET,       /* the model's f32 chunk buffer (kernel pointer) */
  MODEL_SUMS,         /* its power-sum accumulator (kernel pointer) */
  MODEL_SUMMED,       /* 1: its f32 chunk is summed with scales[m] (0: twin or integer sums) */
  MODEL_MAPPED,       /* 1: read through a mapping of the file (0: pread into the window) */
  MODEL_FIELDS
};

/* The stored (llama.cpp) row of Hugging Face row `row` (gguf-names.ts storedRowOf). */
static inline int64_t stored_row(int64_t row, int64_t rows, int64_t heads) {
  const int64_t head_rows = rows / heads, half_rows = head_rows / 2;
  const int64_t head = row / head_rows, within = row - head * head_rows;
  const int64_t half = within >= half_rows ? 1 : 0;
  return head * head_rows + 2 * (within - half * half_rows) + half;
}

/*
 * mother_layer_chunk's kinds (gguf-blocks.c CHUNK_*): f32 values (a staged one is a safetensors
 * f32 tensor, read in chunks of values); the flags: such a model reads its chunk in one piece, or
 * not at all.
 */
enum { KIND_F32 = 0, KIND_INTEGER_SUMS = 0x100, KIND_NO_DECODE = 0x200 };

/* Whether a model (its descriptor) is a staged rotary tensor whose chunks are decoded, so its rows can be decoded where they lie. */
static inline int decoded_in_place(const double *d) {
  return d[MODEL_STAGED] != 0 && d[MODEL_HEADS] > 0 && !((int32_t)d[MODEL_KIND] & (KIND_INTEGER_SUMS | KIND_NO_DECODE));
}

/* Fills `length` bytes at `target` from `fd` at `offset`; the bytes read (short at the end of the file), or −1 − errno. */
static int64_t read_fully(int fd, uint8_t *target, int64_t length, int64_t offset) {
  int64_t filled = 0;
  while (filled < length) {
    const ssize_t got = pread(fd, target + filled, (size_t)(length - filled), (off_t)(offset + filled));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1 - errno;
    if (got == 0) break;
    filled += got;
  }
  return filled;
}

/* The file mapping of a model read through one: `bytes` is its tensor's first byte (null: not mapped). */
typedef struct {
  uint8_t *map;
  size_t length;
  const uint8_t *bytes;
  size_t released; /* bytes from `map` handed back (release_swept) */
} mapping;

/* Mappings start at 2 MB boundaries of the file, where the page cache's largest folios lie. */
#define MAP_ALIGN ((int64_t)2 << 20)

/*
 * A mapping's pages count in the process's resident memory while mapped, and its resident share
 * would grow to the whole tensor by the end of a call; a mapping whose sweep has passed this many
 * bytes of whole 2 MB folios hands them back (MADV_DONTNEED: the pages leave this process, not the
 * page cache), so a model holds about this much mapped, as it held a window before.
 */
#define RELEASE_BYTES ((int64_t)32 << 20)

/*
 * The ranges release_swept handed back, each as [model, first byte, end byte, first and end byte
 * of the chunk then being swept] in the model's file, the last RELEASE_LOG of them (all threads):
 * a test reads them (mother_released_ranges), since a shared file mapping reads the same bits
 * whether or not its pages were handed back, so a release of the wrong range shows nowhere else.
 */
#define RELEASE_LOG 64
#define RELEASE_FIELDS 5
static double release_log[RELEASE_LOG][RELEASE_FIELDS];
static atomic_int release_logged;

/* Copies the logged releases, oldest first (at most `capacity`, RELEASE_FIELDS doubles each), into `out` and empties the log; returns how many were logged. */
int32_t mother_released_ranges(double *out, int32_t capacity) {
  const int32_t logged = atomic_exchange(&release_logged, 0);
  const int32_t kept = logged < RELEASE_LOG ? logged : RELEASE_LOG;
  for (int32_t i = 0; i < kept && i < capacity; i++) memcpy(out + RELEASE_FIELDS * i, release_log[(logged - kept + i) % RELEASE_LOG], sizeof release_log[0]);
  return logged;
}

/*
 * Hands back the whole 2 MB folios of model m's `map` (its file from `file_start` on) before its
 * tensor's byte `swept`, where the chunk being swept starts (it ends at `chunk_end`, logged only),
 * once RELEASE_BYTES of them are past.
 */
static void release_swept(mapping *map, int64_t swept, int64_t chunk_end, int32_t m, int64_t file_start) {
  const uintptr_t start = (uintptr_t)map->map + map->released;
  const uintptr_t end = ((uintptr_t)map->bytes + (uintptr_t)swept) & ~(uintptr_t)(MAP_ALIGN - 1);
  if (end <= start || (int64_t)(end - start) < RELEASE_BYTES) return;
  if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) return;
  double *logged = release_log[atomic_fetch_add(&release_logged, 1) % RELEASE_LOG];
  logged[0] = m, logged[1] = (double)(file_start + (int64_t)map->released);
  map->released = end - (uintptr_t)map->map;
  logged[2] = (double)(file_start + (int64_t)map->released);
  const int64_t tensor_start = file_start + (int64_t)((uintptr_t)map->bytes - (uintptr_t)map->map);
  logged[3] = (double)(tensor_start + swept), logged[4] = (double)(tensor_start + chunk_end);
}

/* The extent of model d's mapping: from the 2 MB boundary of the file before its tensor to the one after it. */
static int64_t map_start(const double *d) { return (int64_t)d[MODEL_OFFSET] / MAP_ALIGN * MAP_ALIGN; }
static size_t map_length(const double *d) {
  return (size_t)(((int64_t)d[MODEL_OFFSET] + (int64_t)d[MODEL_BYTES] - map_start(d) + MAP_ALIGN - 1) / MAP_ALIGN * MAP_ALIGN);
}

/*
 * Maps the tensors of the models marked MODEL_MAPPED read-only, side by side in one reserved region
 * (returned, with its size in *reserved; null when none is mapped), each at a 2 MB boundary of the
 * region and of its file, so every 2 MB folio a tensor touches can be mapped whole (one fault and
 * one TLB entry, not 512); past the file's end when it ends sooner (such pages are never read).
 * One region is one munmap, one TLB flush of the other cores, per call. A model the system will
 * not map is left out (read through pread).
 */
static uint8_t *map_tensors(const double *described, int32_t models, mapping *maps, size_t *reserved) {
  size_t total = 0;
  for (int32_t m = 0; m < models; m++) {
    const double *d = described + m * MODEL_FIELDS;
    if (d[MODEL_STAGED] != 0 && d[MODEL_MAPPED] != 0) total += map_length(d);
  }
  if (total == 0) return 0;
  *reserved = total + MAP_ALIGN;
  uint8_t *region = mmap(0, *reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED) return 0;
  uint8_t *at = (uint8_t *)(((uintptr_t)region + MAP_ALIGN - 1) & ~(uintptr_t)(MAP_ALIGN - 1));
  for (int32_t m = 0; m < models; m++) {
    const double *d = described + m * MODEL_FIELDS;
    if (d[MODEL_STAGED] == 0 || d[MODEL_MAPPED] == 0) continue;
    const size_t length = map_length(d);
    if (mmap(at, length, PROT_READ, MAP_SHARED | MAP_FIXED, (int)d[MODEL_FD], (off_t)map_start(d)) != MAP_FAILED)
      maps[m] = (mapping){at, length, at + ((int64_t)d[MODEL_OFFSET] - map_start(d))};
    else  // a failed MAP_FIXED may already have removed the reservation there: take the range back, so no
          // other thread's mapping can settle in the hole that the call's one munmap of the region would remove
      mmap(at, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    at += length;
  }
  return region;
}

/*
 * The SIGBUS guard of mapped sweeps: a thread sweeping mapped files sets guard_jump and its
 * mappings; a SIGBUS on this thread at an address inside one of them (its page lies past the end
 * of a file cut short) jumps back to the sweep's caller, which unmaps and reports the file. Any
 * other SIGBUS goes to the handler installed before ours (the runtime's, or the default action).
 * Its thread-locals are initial-exec: a library loaded with dlopen otherwise reaches them through
 * __tls_get_addr, which allocates a thread's block on its first touch, and on a thread that never
 * swept that first touch would be the handler's, inside a signal. They take a few bytes of the
 * static TLS room glibc keeps for such libraries (test/kernels/build-native.test.ts checks that
 * no TLS call is left).
 */
#define GUARD_LOCAL static _Thread_local __attribute__((tls_model("initial-exec")))
GUARD_LOCAL sigjmp_buf *guard_jump;
GUARD_LOCAL const mapping *guard_maps;
GUARD_LOCAL int32_t guard_count, guard_model;
static struct sigaction guard_previous;
static atomic_flag guard_installing = ATOMIC_FLAG_INIT;

static void guard_signal(int signal, siginfo_t *info, void *context) {
  if (guard_jump)
    for (int32_t m = 0; m < guard_count; m++) {
      const uint8_t *at = (const uint8_t *)info->si_addr, *map = guard_maps[m].map;
      if (map && at >= map && at < map + guard_maps[m].length) {
        guard_model = m;
        siglongjmp(*guard_jump, 1);
      }
    }
  // A handler that chains back to this one (installed over it, then displaced by it) would loop: the
  // default action ends it. Dispositions are per process, so other threads lose the guard too, but
  // only until this thread's access runs again and takes that action, which ends the process.
  GUARD_LOCAL int passing;
  if (passing) {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &fallback, 0);
    return;
  }
  passing = 1;
  if (guard_previous.sa_flags & SA_SIGINFO) {
    guard_previous.sa_sigaction(signal, info, context);
  } else if (guard_previous.sa_handler != SIG_DFL && guard_previous.sa_handler != SIG_IGN) {
    guard_previous.sa_handler(signal);
  } else {
    // Put the default action back: the faulting access runs again and takes it.
    sigaction(SIGBUS, &guard_previous, 0);
  }
  passing = 0;
}

/* Installs guard_signal for SIGBUS unless it is installed (checked every call: the runtime may install its own after us). */
static void install_guard(void) {
  struct sigaction now;
  while (atomic_flag_test_and_set(&guard_installing)) {
  }
  if (sigaction(SIGBUS, 0, &now) == 0 && !((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == guard_signal)) {
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = guard_signal;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    guard_previous = now;
    sigaction(SIGBUS, &ours, 0);
  }
  atomic_flag_clear(&guard_installing);
}

/* Bytes of model d's tensor its file holds now (its size past the tensor's offset, at most the tensor's length), or −1 − errno. */
static int64_t tensor_bytes_in_file(const double *d) {
  struct stat file;
  if (fstat((int)d[MODEL_FD], &file) != 0) return -1 - errno;
  const int64_t held = (int64_t)file.st_size - (int64_t)d[MODEL_OFFSET];
  return held < 0 ? 0 : held < (int64_t)d[MODEL_BYTES] ? held : (int64_t)d[MODEL_BYTES];
}

/*
 * mother_layer_stream's chunks: held[2m …] the extent of model m's window, row_tables[m] the room
 * for a chunk's row pointers of a rotary model decoded in place (null: its rows are gathered into
 * its `ordered` room, or it has none), `table_cols` their values a row; maps[m] model m's mapping
 * (bytes null: read into its window; its swept part handed back as it goes), sources[m] set here to its chunk's blocks in the mapping,
 * lying[m] to an f32 model's chunk of values there.
 */
static int32_t sweep(const uint8_t *base, const double *described, int32_t models, int32_t first, int32_t count, int32_t chunk, const double *shifts,
                     double *scales, uint32_t *plan, double *chunk_scales, const uint32_t *groups, int32_t group_count, uint8_t *states, double *failure,
                     int64_t *held, const uint8_t **row_tables[], int32_t table_cols, mapping *maps, const uint8_t **sources, const float **lying) {
  for (int32_t at = first; at < count; at += chunk) {
    const int32_t values = count - at < chunk ? count - at : chunk;
    for (int32_t m = 0; m < models; m++) {
      const double *d = described + m * MODEL_FIELDS;
      const uint32_t target = (uint32_t)d[MODEL_TARGET];
      uint32_t *entry = plan + 4 * m;
      chunk_scales[m] = d[MODEL_SUMMED] != 0 ? scales[m] : 0;
      if (d[MODEL_STAGED] == 0) {
        entry[0] = 0, entry[1] = target, entry[2] = target, entry[3] = (uint32_t)d[MODEL_SUMS];
        continue;
      }
      const int64_t block_values = (int64_t)d[MODEL_BLOCK_VALUES], block_bytes = (int64_t)d[MODEL_BLOCK_BYTES];
      const int64_t cols = (int64_t)d[MODEL_COLS], rows = (int64_t)d[MODEL_ROWS], heads = (int64_t)d[MODEL_HEADS];
      const int64_t row_bytes = cols / block_values * block_bytes;
      const int64_t first_row = at / cols, end_row = (at + values) / cols;
      int64_t from = at / block_values * block_bytes, to = (at + values) / block_values * block_bytes;
      if (heads > 0) {
        const int64_t head_rows = rows / heads;
        from = first_row / head_rows * head_rows * row_bytes;
        to = (end_row + head_rows - 1) / head_rows * head_rows * row_bytes;
      }
      if (maps[m].bytes) release_swept(&maps[m], from, to, m, map_start(d)); // nothing before `from` is read again
      if (((int32_t)d[MODEL_KIND] & 0xFF) == KIND_F32) {
        // An f32 tensor: its values summed and compared where the mapping holds them, or read into its buffer (no window).
        entry[0] = KIND_F32, entry[1] = target, entry[2] = target, entry[3] = (uint32_t)d[MODEL_SUMS];
        if (maps[m].bytes) {
          lying[m] = (const float *)(maps[m].bytes + from);
          continue;
        }
        const int64_t got = read_fully((int)d[MODEL_FD], (uint8_t *)base + target, to - from, (int64_t)d[MODEL_OFFSET] + from);
        if (got != to - from) {
          failure[0] = m;
          failure[1] = got < 0 ? (double)(-1 - got) : (double)(from + got);
          return got < 0 ? 2 : 1;
        }
        continue;
      }
      if (maps[m].bytes) {
        // Read where the mapping holds it: rotary rows through the row table, or gathered into order as below.
        const uint8_t *tensor = maps[m].bytes;
        uint32_t source = 0;
        if (heads > 0 && row_tables[m]) {
          for (int64_t row = first_row; row < end_row; row++) row_tables[m][row - first_row] = tensor + stored_row(row, rows, heads) * row_bytes;
        } else if (heads > 0) {
          source = (uint32_t)d[MODEL_ORDERED];
          for (int64_t row = first_row; row < end_row; row++)
            memcpy((uint8_t *)base + source + (row - first_row) * row_bytes, tensor + stored_row(row, rows, heads) * row_bytes, (size_t)row_bytes);
        } else {
          sources[m] = tensor + from;
        }
        entry[0] = (uint32_t)d[MODEL_KIND], entry[1] = source, entry[2] = target, entry[3] = (uint32_t)d[MODEL_SUMS];
        continue;
      }
      const uint32_t window = (uint32_t)d[MODEL_WINDOW];
      const int64_t window_bytes = (int64_t)d[MODEL_WINDOW_BYTES], tensor_bytes = (int64_t)d[MODEL_BYTES];
      if (to - from > window_bytes) return 3;
      if (from < held[2 * m] || to > held[2 * m + 1]) {
        const int64_t size = window_bytes < tensor_bytes - from ? window_bytes : tensor_bytes - from;
        const int64_t got = read_fully((int)d[MODEL_FD], (uint8_t *)base + window, size, (int64_t)d[MODEL_OFFSET] + from);
        if (got != size) {
          failure[0] = m;
          failure[1] = got < 0 ? (double)(-1 - got) : (double)(from + got);
          return got < 0 ? 2 : 1;
        }
        held[2 * m] = from, held[2 * m + 1] = from + size;
      }
      uint32_t source = window + (uint32_t)(from - held[2 * m]);
      if (heads > 0 && row_tables[m]) {
        // Decoded where they lie: row r of the chunk (Hugging Face order) is stored row stored_row(r).
        const uint8_t *held_bytes = base + window - held[2 * m];
        for (int64_t row = first_row; row < end_row; row++) row_tables[m][row - first_row] = held_bytes + stored_row(row, rows, heads) * row_bytes;
      } else if (heads > 0) {
        // Blocks never cross rows: moving raw rows equals moving decoded ones.
        const uint32_t ordered = (uint32_t)d[MODEL_ORDERED];
        const uint8_t *held_bytes = base + window - held[2 * m];
        for (int64_t row = first_row; row < end_row; row++) {
          const uint8_t *row_source = held_bytes + stored_row(row, rows, heads) * row_bytes;
          uint8_t *row_target = (uint8_t *)base + ordered + (row - first_row) * row_bytes;
          memcpy(row_target, row_source, (size_t)row_bytes);
        }
        source = ordered;
      }
      entry[0] = (uint32_t)d[MODEL_KIND], entry[1] = source, entry[2] = target, entry[3] = (uint32_t)d[MODEL_SUMS];
    }
    mother_layer_chunk_rows(base, plan, sources, (const float *const *)lying, (const uint8_t *const *const *)row_tables, table_cols, models, values, shifts, chunk_scales, groups,
                            group_count, states);
    // A chunk that overflowed its model's scale (or was given none) is summed again from its f32 values, with its own.
    for (int32_t m = 0; m < models; m++) {
      const double *d = described + m * MODEL_FIELDS;
      if (d[MODEL_SUMMED] == 0 || chunk_scales[m] != 0) continue;
      const float *summed = lying[m] ? lying[m] : (const float *)(base + (uint32_t)d[MODEL_TARGET]);
      const double used = mother_add_power_sums(summed, values, shifts[m], 0, (double *)(base + (uint32_t)d[MODEL_SUMS]));
      if (scales[m] == 0) scales[m] = used;
    }
  }
  return 0;
}

/*
 * Chunks [first, count) (`chunk` values each, the last one shorter) of `models` models described
 * by `described` (MODEL_FIELDS each), swept as the per-chunk path does. shifts[m] and scales[m]
 * are the models' (scales updated as the layer pass updates them); plan, chunk_scales, groups and
 * states are mother_layer_chunk's (plan and chunk_scales scratch). Returns 0; 1 when a file was cut
 * short (failure = [model, bytes of its tensor read]); 2 on a read error (failure = [model, errno]);
 * 3 when a chunk does not fit its window or the models are more than STREAM_MODELS (a caller's bug).
 * A rotary model that decodes has its rows decoded where they lie in its window (no copy into
 * order): the same blocks decoded into the same places, so the same bits.
 */
int32_t mother_layer_stream(const uint8_t *base, const double *described, int32_t models, int32_t first, int32_t count, int32_t chunk, const double *shifts,
                            double *scales, uint32_t *plan, double *chunk_scales, const uint32_t *groups, int32_t group_count, uint8_t *states,
                            double *failure) {
  int64_t held[2 * STREAM_MODELS];
  if (models > STREAM_MODELS) return 3;
  const uint8_t **row_tables[STREAM_MODELS] = {0};
  int32_t cols = 0, in_place = 0;
  for (int32_t m = 0; m < models; m++) {
    const double *d = described + m * MODEL_FIELDS;
    held[2 * m] = (int64_t)d[MODEL_HELD_START];
    held[2 * m + 1] = (int64_t)d[MODEL_HELD_END];
    if (!decoded_in_place(d)) continue;
    in_place++;
    cols = (int32_t)d[MODEL_COLS]; // the same for every model of a layer
  }
  // Rows a chunk spans (chunks are whole rows); without room for the tables the rows are copied into order as before.
  const int32_t chunk_rows = cols > 0 ? (chunk + cols - 1) / cols : 0;
  const uint8_t **table = in_place > 0 ? malloc(sizeof(uint8_t *) * (size_t)in_place * (size_t)chunk_rows) : 0;
  for (int32_t m = 0, next = 0; table && m < models; m++)
    if (decoded_in_place(described + m * MODEL_FIELDS)) row_tables[m] = table + (int64_t)chunk_rows * next++;
  mapping maps[STREAM_MODELS] = {{0}};
  const uint8_t *sources[STREAM_MODELS] = {0};
  const float *lying[STREAM_MODELS] = {0};
  size_t reserved = 0;
  uint8_t *region = map_tensors(described, models, maps, &reserved);
  int32_t outcome;
  if (!region) {
    outcome = sweep(base, described, models, first, count, chunk, shifts, scales, plan, chunk_scales, groups, group_count, states, failure, held, row_tables, cols,
                    maps, sources, lying);
  } else {
    sigjmp_buf jump;
    install_guard();
    guard_maps = maps, guard_count = models;
    if (sigsetjmp(jump, 1) == 0) {
      guard_jump = &jump;
      outcome = sweep(base, described, models, first, count, chunk, shifts, scales, plan, chunk_scales, groups, group_count, states, failure, held, row_tables,
                      cols, maps, sources, lying);
      guard_jump = 0;
      // A file cut inside the page that holds its end reads as zeros there, without a fault: the sweep is good only if every file still holds its tensor.
      for (int32_t m = 0; outcome == 0 && m < models; m++) {
        if (!maps[m].bytes) continue;
        const int64_t in_file = tensor_bytes_in_file(described + m * MODEL_FIELDS);
        if (in_file == (int64_t)described[m * MODEL_FIELDS + MODEL_BYTES]) continue;
        failure[0] = m, failure[1] = in_file < 0 ? (double)(-1 - in_file) : (double)in_file;
        outcome = in_file < 0 ? 2 : 1;
      }
    } else {
      // A mapped page past the end of its file (cut short meanwhile): the model's bytes still in the file.
      guard_jump = 0;
      free(mother_pairwise_room);  // the fault left pairwise_tail between its malloc and its free (null otherwise)
      mother_pairwise_room = 0;
      const int64_t in_file = tensor_bytes_in_file(described + guard_model * MODEL_FIELDS);
      failure[0] = guard_model, failure[1] = in_file < 0 ? (double)(-1 - in_file) : (double)in_file;
      outcome = in_file < 0 ? 2 : 1;
    }
    guard_maps = 0, guard_count = 0;
    munmap(region, reserved);
  }
  free(table);
  return outcome;
}

/**
 * Builds the native kernels (src/kernels/native/*.c, one library) with the machine's C compiler
 * (`$CC`, else `cc`) into the package's .cache/kernels/, named by a hash of the source, the flags,
 * the compiler and the platform. The flags name the instruction set instead of -march=native, so
 * the library is the same code on every x86-64 CPU with AVX2 and recovery computes the same bits
 * on all of them (docs/reproducibility.md); whether this CPU can run it is asked at load time
 * (native-kernels.ts). The one exception to "the same code": block-moments-wide.c's AVX-512 integer
 * sums carry their own target attribute and run where the CPU reports AVX-512 (asked at run
 * time), with the AVX2 path's bits (test/kernels/block-moments-wide.test.ts compares the two).
 *
 * Native kernels are optional. Where the build fails the WebAssembly kernels serve alone. Only a
 * lasting failure — the compiler ran to the end and rejected the source — is kept beside the
 * would-be library, so later runs do not recompile; the kept reason names the file to delete to
 * retry, and a compiler installed after it was kept (a newer change time) retries by itself. A
 * failure that may pass is not kept: no compiler or not x86-64 (each run asks again, which costs
 * a failed spawn), or a compile killed by a signal, out of memory or disk (an interrupted build
 * once disabled the native kernels on a machine until someone deleted the file).
 * `bun install` builds it once (package.json postinstall, through build-kernels.ts).
 */
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { KERNEL_CACHE_FOLDER, pruneOtherBuilds } from "./kernel-cache.ts";
import { temporaryPathFor, writeFileAtomic } from "../io/write-file-atomic.ts";

/** The sources of the one native library: the layer pass's sweeps, its GGUF layers' chunk loop, the per-tree scans, merge detection's products and screen, the minimum arborescence, and the ranks of sketch differences. */
export const NATIVE_SOURCES = [
  "weight-kernels.c",
  "layer-stream.c",
  "tree-kernels.c",
  "merge-products.c",
  "merge-screen.c",
  "arborescence.c",
  "rank-kernels.c",
].map((name) => join(import.meta.dir, "native", name));
/** The files the sources include (weight-kernels.c's translation unit): part of the build's key too. */
const INCLUDED = ["low-rank-kernels.c", "gguf-blocks.c", "block-moments.c", "block-moments-wide.c"].map((name) => join(import.meta.dir, "native", name));
/**
 * -O2 for exactly AVX2 + FMA + F16C, whatever the building CPU has more of (-march=native let
 * GCC pick AVX-512 encodings on AVX-512 machines); -ffp-contract=off so no compiler fuses the
 * scalar tails' a·b + c (GCC's ISO mode does not, clang's default would); no fast-math: the
 * kernels rely on IEEE order.
 */
export const NATIVE_FLAGS = ["-O2", "-mavx2", "-mfma", "-mf16c", "-ffp-contract=off", "-std=c11", "-shared", "-fPIC", "-Wall", "-Werror"];

/** The built library, or why there is none. */
export type NativeBuild = { readonly path: string } | { readonly unavailable: string };

/** The native kernel library for the current source and machine, built if missing. */
export async function nativeLibrary(cacheFolder = KERNEL_CACHE_FOLDER): Promise<NativeBuild> {
  const source = (await Promise.all([...NATIVE_SOURCES, ...INCLUDED].map((file) => readFile(file, "utf8")))).join("\n");
  const compiler = process.env.CC || "cc";
  const machine = [process.platform, process.arch];
  const key = new Bun.CryptoHasher("sha256")
    .update(JSON.stringify({ source, FLAGS: NATIVE_FLAGS, compiler, machine }))
    .digest("hex")
    .slice(0, 16);
  const path = join(cacheFolder, `weight-kernels-${key}.so`);
  const failure = `${path}.unavailable`;
  if (await Bun.file(path).exists()) return { path };
  const kept = await keptFailure(failure, compiler);
  if (kept !== undefined) return { unavailable: kept };

  await mkdir(cacheFolder, { recursive: true });
  const temporary = temporaryPathFor(path);
  const outcome = await compile(compiler, temporary);
  if (outcome === undefined) {
    // Atomic: a concurrent loader (another worker, another run) sees no library or the whole
    // one, and a library already loaded is never rewritten in place (that would fault it).
    await rename(temporary, path);
    await pruneOtherBuilds(path);
    return { path };
  }
  await rm(temporary, { force: true });
  if (!outcome.lasting) return { unavailable: outcome.reason };
  const reason = `${outcome.reason} (kept in ${failure}; delete it to retry)`;
  // Best effort: a folder that takes no file only costs compiling again next run (the WebAssembly kernels serve meanwhile).
  await writeFileAtomic(failure, reason).catch(() => {});
  return { unavailable: reason };
}

/** A failure a compile reports: `lasting` when the compiler rejected the source (kept), not when the build was cut short or could not start (retried). */
type CompileFailure = { readonly reason: string; readonly lasting: boolean };

/**
 * What the compiler's driver prints when the build, not the source, failed: gcc's "Killed signal
 * terminated program cc1" (the out-of-memory killer), clang's "unable to execute command" and
 * "command failed due to signal", allocation failures, a full or read-only disk, an output it may
 * not write.
 */
const PASSING_FAILURE =
  /signal terminated program|due to signal|unable to execute command|out of memory|memory exhausted|cannot allocate memory|no space left on device|read-only file system|permission denied|interrupted/i;

/** The kept reason the last build failed, unless the compiler was (re)installed since it was kept. */
async function keptFailure(failure: string, compiler: string): Promise<string | undefined> {
  const reason = await readFile(failure, "utf8").catch(() => undefined);
  if (reason === undefined) return undefined;
  const installed = Bun.which(compiler);
  // Either may vanish meanwhile (another run pruned the reason, the compiler was uninstalled): then there is nothing to trust.
  const [compilerFile, failureFile] = await Promise.all([
    installed === null ? undefined : stat(installed).catch(() => undefined),
    stat(failure).catch(() => undefined),
  ]);
  if (failureFile === undefined) return undefined;
  return compilerFile !== undefined && compilerFile.ctimeMs > failureFile.mtimeMs ? undefined : reason;
}

/** Compiles the source into `output`; undefined when it built, else why not (the compiler's first error line) and whether that lasts. */
async function compile(compiler: string, output: string): Promise<CompileFailure | undefined> {
  if (process.platform !== "linux" && process.platform !== "darwin") return { reason: `no native kernels on ${process.platform}`, lasting: false };
  if (process.arch !== "x64") return { reason: `no native kernels on ${process.arch} (they are x86-64 AVX2 code)`, lasting: false };
  let child: Bun.Subprocess<"ignore", "ignore", "pipe">;
  try {
    child = Bun.spawn([compiler, ...NATIVE_FLAGS, "-o", output, ...NATIVE_SOURCES], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  } catch (error) {
    return { reason: `no C compiler (${compiler}): ${(error as Error).message}`, lasting: false };
  }
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code === 0) return undefined;
  if (child.signalCode !== null) return { reason: `${compiler} was stopped by ${child.signalCode}`, lasting: false };
  const error = stderr.split("\n").find((line) => line.includes("error")) ?? stderr.split("\n")[0] ?? "";
  const reason = `${compiler} failed: ${error.trim() || `exit code ${code}`}`;
  // Above 128 is a shell's report of a signal (143: SIGTERM) from a wrapper script such as ccache's.
  return { reason, lasting: code <= 128 && !PASSING_FAILURE.test(stderr) };
}

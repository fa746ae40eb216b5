/**
 * Builds the WebAssembly SIMD kernels (src/kernels/assembly/weight-kernels.ts) with the
 * AssemblyScript compiler and caches the binary under the package's .cache/kernels/, named by
 * a hash of the source, the compiler version and the flags, so an edited kernel is rebuilt and
 * a stale binary is never loaded. `bun install` builds it once (package.json postinstall); any
 * later run builds it on first use if it is missing (a few seconds).
 *
 * Run directly to (re)build: bun run src/kernels/build-kernels.ts (it builds the optional
 * native kernels too, build-native.ts).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { KERNEL_CACHE_FOLDER, pruneOtherBuilds } from "./kernel-cache.ts";
import { kernelsDoNotCompile } from "../messages.ts";

const SOURCE = join(import.meta.dir, "assembly", "weight-kernels.ts");
/**
 * -O3 for speed; a stub runtime (the kernels allocate nothing); memory imported so the
 * TypeScript side owns and grows it; no asserts (bounds are the caller's contract).
 */
const FLAGS = ["-O3", "--runtime", "stub", "--enable", "simd", "--importMemory", "--noAssert"];

/** Path of the kernel binary for the current source (built if missing), and its bytes. */
export async function kernelBinary(cacheFolder = KERNEL_CACHE_FOLDER): Promise<{ path: string; bytes: Uint8Array }> {
  const source = await readFile(SOURCE, "utf8");
  const { version } = (await import("assemblyscript/package.json", { with: { type: "json" } })).default as { version: string };
  const key = new Bun.CryptoHasher("sha256").update(JSON.stringify({ source, version, FLAGS })).digest("hex").slice(0, 16);
  const path = join(cacheFolder, `weight-kernels-${key}.wasm`);
  try {
    return { path, bytes: new Uint8Array(await readFile(path)) };
  } catch {}
  const bytes = await compile(source);
  await writeFileAtomic(path, bytes); // a concurrent reader sees no binary or the whole one
  await pruneOtherBuilds(path);
  return { path, bytes };
}

async function compile(source: string): Promise<Uint8Array> {
  const asc = await import("assemblyscript/asc");
  const outputs = new Map<string, Uint8Array>();
  let diagnostics = "";
  const { error } = await asc.main(["weight-kernels.ts", "--outFile", "weight-kernels.wasm", ...FLAGS], {
    readFile: (name) => (name === "weight-kernels.ts" ? source : null),
    writeFile: (name, contents) => void outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents),
    listFiles: () => [],
    stdout: { write: () => true },
    stderr: {
      write: (text: string | Uint8Array) => {
        diagnostics += String(text);
        return true;
      },
    },
  });
  const binary = outputs.get("weight-kernels.wasm");
  if (error || !binary) throw kernelsDoNotCompile(SOURCE, (error?.message ?? diagnostics).trim().split("\n")[0] ?? "");
  return binary;
}

// Not top-level await: the prebuilt bundle (src/cli/build-prebuilt.ts) is CommonJS bytecode, which has none.
if (import.meta.main) void buildFromCommandLine();

async function buildFromCommandLine(): Promise<void> {
  const { path } = await kernelBinary();
  console.log(`kernels: ${path}`);
  const { nativeLibrary } = await import("./build-native.ts");
  const native = await nativeLibrary();
  console.log("path" in native ? `native kernels: ${native.path}` : `native kernels unavailable (${native.unavailable}); the WebAssembly kernels serve alone`);
}

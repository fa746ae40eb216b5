import { afterEach, describe, expect, test } from "bun:test";
import { chmod, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nativeLibrary } from "../../src/kernels/build-native.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/**
 * Fault injection: a fake C compiler (a shell script named by $CC) that counts its runs in a file
 * and then fails as a real build can. Which failures nativeLibrary keeps decides whether one bad
 * moment disables the native kernels on a machine for good.
 */
const previousCompiler = process.env.CC;
afterEach(() => {
  if (previousCompiler === undefined) delete process.env.CC;
  else process.env.CC = previousCompiler;
});

/** A cache folder and a fake compiler in it running `body` (sh) after counting the run; the run count. */
async function fakeCompiler(body: string): Promise<{ folder: string; runs: () => Promise<number>; replace: (body: string) => Promise<void> }> {
  const folder = temporaryFolder("mother-native-fault-");
  const compiler = join(folder, "fake-cc");
  const count = join(folder, "runs");
  const replace = async (next: string) => {
    await writeFile(compiler, `#!/bin/sh\necho run >> '${count}'\n${next}\n`);
    await chmod(compiler, 0o755);
  };
  await replace(body);
  process.env.CC = compiler;
  const runs = async () => (await readFile(count, "utf8").catch(() => "")).split("\n").filter(Boolean).length;
  return { folder, runs, replace };
}

/** The files a build left in `folder` that are not the fake compiler's. */
async function buildFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name !== "fake-cc" && name !== "runs");
}

/** Writes the file after -o: a stand-in library (never opened here). */
const BUILDS = 'while [ "$1" != "-o" ]; do shift; done; echo library > "$2"';

const onX64 = process.arch === "x64" && (process.platform === "linux" || process.platform === "darwin");

describe.if(onX64)("nativeLibrary when the compiler fails", () => {
  test("a compiler killed by a signal (a test's timeout: SIGTERM) is not kept: the next call compiles again", async () => {
    const fake = await fakeCompiler("kill -TERM $$");
    expect(await nativeLibrary(fake.folder)).toEqual({ unavailable: expect.stringContaining("SIGTERM") });
    expect(await buildFiles(fake.folder)).toEqual([]); // no .unavailable, no temp file
    await fake.replace(BUILDS);
    const built = await nativeLibrary(fake.folder);
    expect(built).toEqual({ path: expect.stringMatching(/weight-kernels-[0-9a-f]{16}\.so$/) });
    expect(await fake.runs()).toBe(2);
  });

  test.each([
    ["a wrapper script's report of a signal (exit 143)", "exit 143"],
    ["gcc's driver when the out-of-memory killer took cc1", "echo 'gcc: fatal error: Killed signal terminated program cc1' >&2; exit 1"],
    ["cc1 out of memory", "echo 'cc1: out of memory allocating 65536 bytes after a total of 0 bytes' >&2; exit 1"],
    ["a full disk", "echo 'fatal error: error writing to /tmp/cc0.s: No space left on device' >&2; exit 1"],
    ["an output it may not write", "echo '/usr/bin/ld: cannot open output file weight-kernels.so: Permission denied' >&2; exit 1"],
  ])("%s is not kept: each call compiles again", async (_, body) => {
    const fake = await fakeCompiler(body);
    const first = await nativeLibrary(fake.folder);
    expect(first).toHaveProperty("unavailable");
    expect(await nativeLibrary(fake.folder)).toEqual(first);
    expect(await fake.runs()).toBe(2);
    expect(await buildFiles(fake.folder)).toEqual([]);
  });

  test("a compile error is kept, names the file to delete, and is not retried until the compiler changes", async () => {
    const fake = await fakeCompiler("echo \"weight-kernels.c:1:1: error: expected ';' before '}' token\" >&2; exit 1");
    const first = await nativeLibrary(fake.folder);
    if (!("unavailable" in first)) throw new Error("a failing compiler built a library");
    const kept = (await buildFiles(fake.folder)).filter((name) => name.endsWith(".so.unavailable"));
    expect(kept).toHaveLength(1);
    expect(first.unavailable).toContain("error: expected ';'");
    expect(first.unavailable).toContain(`kept in ${join(fake.folder, kept[0] ?? "")}; delete it to retry`);
    expect(await nativeLibrary(fake.folder)).toEqual(first);
    expect(await fake.runs()).toBe(1); // served from the kept reason

    // A compiler (re)installed after the failure was kept (the kept file dated an hour back: file
    // times are coarser than the milliseconds between these two writes).
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(fake.folder, kept[0] ?? ""), hourAgo, hourAgo);
    await fake.replace(BUILDS);
    expect(await nativeLibrary(fake.folder)).toHaveProperty("path");
    expect(await fake.runs()).toBe(2);
  });

  test("no compiler at all is not kept: installing one later is enough", async () => {
    const folder = temporaryFolder("mother-native-fault-");
    process.env.CC = join(folder, "no-such-cc");
    expect(await nativeLibrary(folder)).toEqual({ unavailable: expect.stringContaining("no-such-cc") });
    expect(await readdir(folder)).toEqual([]);
    await writeFile(join(folder, "no-such-cc"), `#!/bin/sh\n${BUILDS}\n`);
    await chmod(join(folder, "no-such-cc"), 0o755);
    expect(await nativeLibrary(folder)).toHaveProperty("path");
  });
});

const hasNm = Bun.which("nm") !== null && process.platform === "linux";

describe.if(onX64 && hasNm)("the built library", () => {
  test("reaches its thread-locals without __tls_get_addr (initial-exec): the SIGBUS guard's handler reads them, and that call allocates a thread's block on its first touch", async () => {
    const build = await nativeLibrary();
    if (!("path" in build)) throw new Error(build.unavailable);
    const imports = Bun.spawnSync(["nm", "-D", "--undefined-only", build.path]).stdout.toString();
    expect(imports).toContain("sigaction"); // the listing is the library's imports
    expect(imports).not.toContain("__tls_get_addr");
  }, 60_000); // compiles the library when the source changed
});

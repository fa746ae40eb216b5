import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { bunAcceptsOption, DFG_OPTION, FTL_OPTION, LARGE_SET_MODELS, relaunchWithJitTier, type RunSync, startsLayerWorkers } from "../../src/cli/jit-tier.ts";
import { BIG_SET_BYTES, FEW_MODELS } from "../../src/io/set-glance.ts";
import { FINGERPRINT_FIRST_MODELS } from "../../src/index/recover-at-scale.ts";

const MAIN = join(import.meta.dir, "../../src/cli/main.ts");

/** A recorder in place of the child process: what it was asked to run, and how it "ended". */
function recorder(ended: ReturnType<RunSync>): { run: RunSync; calls: { command: string[]; env: Record<string, string | undefined> }[] } {
  const calls: { command: string[]; env: Record<string, string | undefined> }[] = [];
  const run: RunSync = (command, env) => {
    calls.push({ command, env });
    return ended;
  };
  return { run, calls };
}

/** This Bun knows the option (the relaunch's own question, answered without a child). */
const accepted = () => true;

/** No bytes under any path (the large-set tests): the few-big-models rule never fires. */
const noBytes = () => 0;

/** Folder sizes by path, in place of the file system. */
const folders =
  (sizes: Record<string, number>) =>
  (path: string): number =>
    sizes[path] ?? 0;

describe("mother recover on a large set runs with the FTL tier off", () => {
  test("a large set relaunches the same command line with the option set to 0 and leaves with the child's exit code", () => {
    const { run, calls } = recorder({ exitCode: 3 });
    const argv = ["/usr/bin/bun", "/x/src/cli/main.ts", "recover", "models/", "--out", "g.json"];
    expect(relaunchWithJitTier(argv, { HOME: "/h" }, run, folders({ "models/": 1000 }), accepted, noBytes)).toBe(3);
    expect(calls).toEqual([
      { command: [process.execPath, "/x/src/cli/main.ts", "recover", "models/", "--out", "g.json"], env: { HOME: "/h", [FTL_OPTION]: "0" } },
    ]);
  });

  test("large is what recover-at-scale.ts takes: entries over every path, or that many paths; an index always", () => {
    expect(LARGE_SET_MODELS).toBe(FINGERPRINT_FIRST_MODELS);
    const relaunches = (argv: string[], sizes: Record<string, number> = {}) => {
      const { run, calls } = recorder({ exitCode: 0 });
      relaunchWithJitTier(["bun", "main.ts", "recover", ...argv], {}, run, folders(sizes), accepted, noBytes);
      return calls.length === 1;
    };
    expect(relaunches(["a/", "b/"], { "a/": 150, "b/": 150 })).toBe(true);
    expect(relaunches(["a/", "b/"], { "a/": 150, "b/": 149 })).toBe(false);
    expect(relaunches(Array.from({ length: LARGE_SET_MODELS }, (_, i) => `m${i}.safetensors`))).toBe(true);
    expect(relaunches(["--index", "idx/"])).toBe(true);
    expect(relaunches(["--index=idx/", "new/"])).toBe(true);
    expect(relaunches(["llama-7b/", "codellama-7b/"], { "llama-7b/": 3, "codellama-7b/": 3 })).toBe(false);
  });

  test("a child killed by a signal gives 128 + its number, as a shell reports it", () => {
    const large = folders({ "m/": 500 });
    expect(relaunchWithJitTier(["bun", "main.ts", "recover", "m/"], {}, recorder({ exitCode: null, signalCode: "SIGKILL" }).run, large, accepted)).toBe(
      128 + 9,
    );
    expect(relaunchWithJitTier(["bun", "main.ts", "recover", "m/"], {}, recorder({ exitCode: null, signalCode: 15 }).run, large, accepted)).toBe(128 + 15);
  });

  test("other commands, and an option the user set either way, run in this process", () => {
    const { run, calls } = recorder({ exitCode: 0 });
    const large = folders({ "m/": 500 });
    expect(relaunchWithJitTier(["bun", "main.ts", "evaluate", "g.json", "--truth", "t.json"], {}, run, large, accepted)).toBeUndefined();
    expect(relaunchWithJitTier(["bun", "main.ts", "index", "m/", "--index", "idx"], {}, run, large, accepted)).toBeUndefined();
    expect(relaunchWithJitTier(["bun", "main.ts", "recover", "m/"], { [FTL_OPTION]: "1" }, run, large, accepted)).toBeUndefined();
    expect(relaunchWithJitTier(["bun", "main.ts", "recover", "m/"], { [FTL_OPTION]: "0" }, run, large, accepted)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test("a Bun that does not know the option runs the command in this process, FTL on, instead of failing at start", () => {
    const { run, calls } = recorder({ exitCode: 0 });
    expect(relaunchWithJitTier(["bun", "main.ts", "recover", "m/"], {}, run, folders({ "m/": 500 }), () => false)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test("whether Bun knows the option is asked once per Bun build and kept; a refusal is kept too", () => {
    const folder = mkdtempSync(join(tmpdir(), "mother-jit-"));
    try {
      const yes = recorder({ exitCode: 0 });
      expect(bunAcceptsOption(yes.run, folder, "rev-a")).toBe(true);
      expect(bunAcceptsOption(yes.run, folder, "rev-a")).toBe(true);
      expect(yes.calls).toHaveLength(1);
      expect(yes.calls[0]?.command.slice(1)).toEqual(["-e", "0"]);
      expect(yes.calls[0]?.env[FTL_OPTION]).toBe("0");
      const no = recorder({ exitCode: 1 });
      expect(bunAcceptsOption(no.run, folder, "rev-b")).toBe(false);
      expect(bunAcceptsOption(no.run, folder, "rev-b")).toBe(false);
      expect(no.calls).toHaveLength(1);
      expect(readdirSync(folder).sort()).toEqual([`jsc-${FTL_OPTION}-rev-a`, `jsc-${FTL_OPTION}-rev-b`]);
      expect(readFileSync(join(folder, `jsc-${FTL_OPTION}-rev-b`), "utf8")).toBe("refused");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("a child killed by a signal, or one that cannot start, is no answer: false this time, nothing kept, asked again next time", () => {
    const folder = mkdtempSync(join(tmpdir(), "mother-jit-"));
    try {
      const killed = recorder({ exitCode: null, signalCode: "SIGTERM" });
      expect(bunAcceptsOption(killed.run, folder, "rev-c")).toBe(false);
      const cannotStart: RunSync = () => {
        throw new Error("EAGAIN: resource temporarily unavailable, posix_spawn");
      };
      expect(bunAcceptsOption(cannotStart, folder, "rev-c")).toBe(false);
      expect(readdirSync(folder)).toEqual([]);
      const yes = recorder({ exitCode: 0 });
      expect(bunAcceptsOption(yes.run, folder, "rev-c")).toBe(true);
      expect(yes.calls).toHaveLength(1);
      expect(readFileSync(join(folder, `jsc-${FTL_OPTION}-rev-c`), "utf8")).toBe("accepted");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("the Bun running these tests knows the option (asked of a real child, nothing kept)", () => {
    const folder = mkdtempSync(join(tmpdir(), "mother-jit-"));
    rmSync(folder, { recursive: true });
    try {
      expect(bunAcceptsOption(undefined, join(folder, "missing", "\0bad"), `probe-${process.pid}`)).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("the real command: a user mistake's one line and exit code pass through the relaunch", async () => {
    const proc = Bun.spawn(["bun", MAIN, "recover", "--index", join(import.meta.dir, "no-such-index")], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, [FTL_OPTION]: undefined },
    });
    const stderr = await new Response(proc.stderr).text();
    expect(await proc.exited).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("no-such-index");
  });

  /**
   * Runs a starter script that calls relaunchWithJitTier with its defaults (execve first) after `setup` (fault injection);
   * the relaunched command prints its pid and exits 7, or kills itself with SIGTERM under DIE=1. Its pid, exit code, lines.
   */
  async function runStarter(setup: string, env: Record<string, string> = {}): Promise<{ pid: number; code: number; lines: string[] }> {
    const folder = mkdtempSync(join(tmpdir(), "mother-jit-"));
    try {
      const script = join(folder, "starter.ts");
      const tier = join(import.meta.dir, "../../src/cli/jit-tier.ts");
      await Bun.write(
        script,
        `import { relaunchWithJitTier } from ${JSON.stringify(tier)};
if (process.env.${FTL_OPTION} === "0") {
  console.log("command " + process.pid);
  if (process.env.DIE) process.kill(process.pid, "SIGTERM"); else process.exit(7);
  await Bun.sleep(5000);
}
${setup}
console.log("starter " + process.pid);
const code = relaunchWithJitTier([process.execPath, import.meta.path, "recover", "m/"], process.env, undefined, () => 1000, () => true);
console.log("returned " + code);`,
      );
      const proc = Bun.spawn(["bun", script], { stdout: "pipe", stderr: "ignore", env: { ...process.env, [FTL_OPTION]: undefined, ...env } });
      const lines = (await new Response(proc.stdout).text()).trim().split("\n");
      return { pid: proc.pid, code: await proc.exited, lines };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  test("by default the relaunch replaces this process (same id, the command's exit code, what was printed before kept)", async () => {
    const { pid, code, lines } = await runStarter("");
    expect(code).toBe(7);
    expect(lines).toEqual([`starter ${pid}`, `command ${pid}`]);
  });

  test("where execve fails (or is missing) the command runs as a child: its exit code is returned, 128 + the signal's number when killed", async () => {
    // Fault injection: execve throws as on a failed exec (E2BIG, ENOMEM), or is absent (another runtime).
    const fails = 'process.execve = () => { throw Object.assign(new Error("E2BIG, Argument list too long"), { code: "E2BIG" }); };';
    const missing = "(process as { execve?: unknown }).execve = undefined;";
    for (const [setup, env, exitCode] of [
      [fails, {}, 7],
      [missing, {}, 7],
      [fails, { DIE: "1" }, 143],
    ] as const) {
      const { pid, code, lines } = await runStarter(setup, env);
      expect(code).toBe(0);
      expect(lines[0]).toBe(`starter ${pid}`);
      expect(lines[1]).toMatch(/^command \d+$/);
      expect(lines[1]).not.toBe(`command ${pid}`); // a child, not this process
      expect(lines[2]).toBe(`returned ${exitCode}`);
    }
  });

  test("a few big models relaunch with DFG off (FTL with it); many entries, few bytes, or an option the user set do not", () => {
    const relaunched = (argv: string[], entries: Record<string, number>, bytes: number, env: Record<string, string> = {}) => {
      const { run, calls } = recorder({ exitCode: 0 });
      const asked: string[] = [];
      const accepts = (option: string) => asked.push(option) > 0;
      relaunchWithJitTier(["bun", "main.ts", "recover", ...argv], env, run, folders(entries), accepts, () => bytes);
      return calls.map((call) => [asked.join(), call.env[DFG_OPTION], call.env[FTL_OPTION]]);
    };
    expect(relaunched(["gguf/"], { "gguf/": 4 }, BIG_SET_BYTES)).toEqual([[DFG_OPTION, "0", undefined]]);
    expect(relaunched(["a.gguf", "b.gguf"], {}, 4 * BIG_SET_BYTES)).toEqual([[DFG_OPTION, "0", undefined]]);
    expect(relaunched(["gguf/"], { "gguf/": FEW_MODELS }, BIG_SET_BYTES)).toEqual([[DFG_OPTION, "0", undefined]]);
    expect(relaunched(["gguf/"], { "gguf/": 4 }, BIG_SET_BYTES - 1)).toEqual([]);
    expect(relaunched(["gguf/"], { "gguf/": FEW_MODELS + 1 }, BIG_SET_BYTES)).toEqual([]);
    expect(relaunched(["gguf/"], { "gguf/": LARGE_SET_MODELS }, BIG_SET_BYTES)).toEqual([[FTL_OPTION, undefined, "0"]]);
    expect(relaunched(["gguf/"], { "gguf/": 4 }, BIG_SET_BYTES, { [DFG_OPTION]: "1" })).toEqual([]);
    expect(relaunched(["gguf/"], { "gguf/": 4 }, BIG_SET_BYTES, { [FTL_OPTION]: "1" })).toEqual([]);
  });

  test("a few big models of which one is a language model keep DFG (the pair rule's read is JavaScript)", () => {
    const { run, calls } = recorder({ exitCode: 0 });
    const glanced: (readonly string[])[] = [];
    const languages = (paths: readonly string[]) => glanced.push(paths) > 0;
    const argv = ["bun", "main.ts", "recover", "lms/", "--out", "g.json"];
    expect(relaunchWithJitTier(argv, {}, run, folders({ "lms/": 4 }), accepted, () => BIG_SET_BYTES, languages)).toBeUndefined();
    expect(calls).toEqual([]);
    // Only the paths are glanced at: --out's value is not a model.
    expect(glanced).toEqual([["lms/"]]);
  });

  test("option values are not sized as sets: the command line is read with the command's own flags", () => {
    // Found in review: `--cache DIR` counted DIR's entries as models, and a big cache folder's bytes as a few big models.
    const option = (words: string[], entries: Record<string, number>, bigUnder: string[] = []) => {
      const { run, calls } = recorder({ exitCode: 0 });
      const bytes = (paths: readonly string[]) => (paths.some((path) => bigUnder.includes(path)) ? BIG_SET_BYTES : 0);
      relaunchWithJitTier(["bun", "main.ts", "recover", ...words], {}, run, folders(entries), accepted, bytes, () => false);
      return calls.map((call) => (call.env[FTL_OPTION] ? FTL_OPTION : DFG_OPTION));
    };
    const cache = { "cache/": 5000, "set/": 3 };
    expect(option(["--cache", "cache/", "set/"], cache)).toEqual([]);
    expect(option(["set/", "--cache=cache/"], cache)).toEqual([]);
    expect(option(["--stats", "cache/", "--out", "cache/", "set/"], cache)).toEqual([]);
    expect(option(["--cache", "cache/", "set/"], { "set/": 3 }, ["cache/"])).toEqual([]);
    // The same folders given as paths are sized, whatever the options around them.
    expect(option(["--cache", "set/", "cache/"], cache)).toEqual([FTL_OPTION]);
    expect(option(["-q", "--no-merges", "--trees", "2", "set/"], { "set/": 3 }, ["set/"])).toEqual([DFG_OPTION]);
    // An unknown option, a value its option refuses (the command's own one-line mistake follows) or --help relaunches nothing.
    expect(option(["--no-such-option", "cache/"], cache)).toEqual([]);
    expect(option(["--stage", "sideways", "cache/"], cache)).toEqual([]);
    expect(option(["--workers=-1", "cache/"], cache)).toEqual([]);
    expect(option(["--help", "cache/"], cache)).toEqual([]);
  });

  test("the Bun running these tests knows the DFG option too (asked of a real child, nothing kept)", () => {
    const folder = mkdtempSync(join(tmpdir(), "mother-jit-"));
    rmSync(folder, { recursive: true });
    try {
      expect(bunAcceptsOption(undefined, join(folder, "missing", "\0bad"), `probe-${process.pid}`, DFG_OPTION)).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("a few big models start the layer threads before the program loads; not from an index, with --workers, or on other sets", () => {
    const starts = (argv: string[], models: number, bytes: number) =>
      startsLayerWorkers(["bun", "main.ts", ...argv], folders({ "gguf/": models }), () => bytes);
    expect(starts(["recover", "gguf/"], 4, BIG_SET_BYTES)).toBe(true);
    expect(starts(["recover", "gguf/", "--workers", "1"], 4, BIG_SET_BYTES)).toBe(false);
    expect(starts(["recover", "gguf/", "--index", "idx/"], 4, BIG_SET_BYTES)).toBe(false);
    expect(starts(["recover", "gguf/"], 4, BIG_SET_BYTES - 1)).toBe(false);
    expect(starts(["recover", "gguf/"], FEW_MODELS + 1, BIG_SET_BYTES)).toBe(false);
    // An option's value is not a path, and a path named like an option is not that option.
    const bigUnderGguf = (paths: readonly string[]) => (paths.includes("gguf/") ? BIG_SET_BYTES : 0);
    expect(startsLayerWorkers(["bun", "main.ts", "recover", "small/", "--cache", "gguf/"], folders({ "gguf/": 4, "small/": 2 }), bigUnderGguf)).toBe(false);
    expect(startsLayerWorkers(["bun", "main.ts", "recover", "--cache", "small/", "gguf/"], folders({ "gguf/": 4, "small/": 2 }), bigUnderGguf)).toBe(true);
    expect(starts(["recover", "--", "--workers"], 4, BIG_SET_BYTES)).toBe(true);
    expect(starts(["evaluate", "gguf/"], 4, BIG_SET_BYTES)).toBe(false);
  });
});

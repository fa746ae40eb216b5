import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Redis } from "ioredis";
import { indexModels } from "../../src/index/build-index.ts";
import { indexWithQueue, reachRedis, redisConnection } from "../../src/index/distributed-index.ts";
import { MotherError } from "../../src/errors.ts";
import { loadIndex } from "../../src/index/index-store.ts";
import { recoverFromIndex } from "../../src/index/recover-from-index.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { freePort } from "../fixtures/free-port.ts";

const WORKER = join(import.meta.dir, "..", "fixtures", "fingerprint-worker.ts");
const REDIS = Bun.which("redis-server");

let dir: string;
let redis: Subprocess | undefined;
let url: string;

/** Collects a process's standard output and resolves when a line matches. */
function lines(proc: Subprocess<"ignore", "pipe", "pipe">) {
  let text = "";
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      text += decoder.decode(chunk);
      for (const wait of [...waiting]) {
        const line = text.split("\n").find((l) => wait.pattern.test(l));
        if (line) {
          waiting.splice(waiting.indexOf(wait), 1);
          wait.resolve(line);
        }
      }
    }
  })();
  return {
    all: () => text,
    next: (pattern: RegExp) =>
      new Promise<string>((resolve) => {
        const line = text.split("\n").find((l) => pattern.test(l));
        if (line) resolve(line);
        else waiting.push({ pattern, resolve });
      }),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-distributed-"));
  if (!REDIS) return;
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redis = Bun.spawn([REDIS, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on("error", () => {}); // refused until redis-server listens: the loop below retries
  for (let tries = 0; ; tries++) {
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") break;
    } catch {
      if (tries > 100) throw new Error("redis-server did not start");
      client.disconnect();
      await Bun.sleep(50);
    }
  }
  client.disconnect();
});
afterAll(async () => {
  redis?.kill();
  await redis?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe("index with BullMQ workers", () => {
  // Skipped only off CI: .ci/run installs redis-server, and there a missing one is a failure.
  test.skipIf(!REDIS && !process.env.CI)(
    "two worker processes, one killed mid-job: the index and the graph equal the single-process run",
    async () => {
      const models = join(dir, "models");
      await writeSyntheticTrees(
        models,
        ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 1 })),
      );
      const single = join(dir, "single");
      await indexModels([models], single);
      const expected = await recoverFromIndex(single);

      const spawnWorker = () => Bun.spawn(["bun", WORKER, url, "150"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const [first, second] = [spawnWorker(), spawnWorker()];
      const [firstLines, secondLines] = [lines(first), lines(second)];
      try {
        await Promise.all([firstLines.next(/^ready$/), secondLines.next(/^ready$/)]);
        const distributed = join(dir, "distributed");
        const update = indexWithQueue([models], distributed, redisConnection(url));
        // Kill the first worker while it holds a job: BullMQ's stalled-job check gives it to the other.
        const killedJob = (await firstLines.next(/^start /)).split(" ")[1]!;
        first.kill("SIGKILL");
        await first.exited;
        expect(await update).toEqual({ kept: 0, added: 21, updated: 0, removed: 0, models: 21 });
        expect(secondLines.all().split("\n")).toContain(`start ${killedJob}`);

        const [want, got] = [(await loadIndex(single)).entries, (await loadIndex(distributed)).entries];
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [path, entry] of want) {
          const other = got.get(path)!;
          expect(other.checksum).toBe(entry.checksum);
          expect(other.files).toEqual(entry.files);
          expect(other.stats).toEqual(entry.stats);
          expect(other.samples).toEqual(entry.samples);
        }
        const recovered = await recoverFromIndex(distributed);
        const edges = (graph: typeof expected.graph) => graph.edges.map((e) => `${e.parent}>${e.child}:${e.distance}`).sort();
        expect(edges(recovered.graph)).toEqual(edges(expected.graph));
        expect(recovered.graph.trees.map((t) => [...t].sort().join()).sort()).toEqual(expected.graph.trees.map((t) => [...t].sort().join()).sort());
      } finally {
        first.kill();
        second.kill();
        await Promise.all([first.exited, second.exited]);
      }
    },
    60_000,
  );
});

describe("reachRedis (the CLI's check before any work)", () => {
  test.skipIf(!REDIS && !process.env.CI)("passes on a live server; a closed port is one MotherError naming the URL and ECONNREFUSED, at once", async () => {
    await reachRedis(url, redisConnection(url));
    const closed = `redis://127.0.0.1:${await freePort()}`;
    // No retries (BullMQ's own connections would retry for ever): the promise settles, with the socket's own error.
    const error = await reachRedis(closed, redisConnection(closed)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toStartWith(`${closed}: --redis: cannot reach Redis (ECONNREFUSED)`);
  });
});

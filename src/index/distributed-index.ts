/**
 * `mother index` beyond one machine, on BullMQ over Redis (issue #15): fingerprinting a model
 * needs that model alone, so each one is a job.
 *
 *   coordinator: paths ─1─► what is new or changed (as build-index.ts) ─2─► one job per model on the queue
 *                       ─3─► wait until every job is done ─4─► removals, compaction
 *   workers (any number, any machine seeing the same paths and index folder):
 *                take a job ─► fingerprint the model ─► write it as one segment into the index folder
 *
 * Nothing here is a protocol of our own: jobs, retries and the recovery of a dead worker's
 * job are BullMQ's — a worker that dies mid-job stops renewing its lock, and another worker's
 * stalled-job check puts the job back on the queue. A retried job writes the same fingerprint
 * again (a later segment for the same path), so the index is the same either way.
 */
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from "bullmq";
import { resolve } from "node:path";
import { openLocatedModels, type ModelLocation } from "../io/discover-models.ts";
import { COMPACT_AFTER, planIndexUpdate, type IndexEffects, type IndexSummary } from "./build-index.ts";
import { locationOf } from "../io/discover-models.ts";
import { fingerprintModel } from "./fingerprint.ts";
import { compact, loadIndex, writeSegment } from "./index-store.ts";
import { MotherError } from "../errors.ts";
import { notRedisUrl, redisUnreachable } from "../messages.ts";
import { Redis, type RedisOptions } from "ioredis";

/** The BullMQ queue the jobs go through. */
export const FINGERPRINT_QUEUE = "mother-fingerprint";

/** One job: fingerprint the model at `path` into the index folder `index` (both absolute, seen alike by every worker). */
export interface FingerprintJob extends ModelLocation {
  readonly index: string;
}

/** Tries per job: a model that fails three times (an unreadable file) fails the update. */
const ATTEMPTS = 3;

/** The connection options of a `redis://host:port[/db]` URL (what `--redis` takes). */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw notRedisUrl(url);
  }
  if (parsed.protocol !== "redis:") throw notRedisUrl(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  // Workers block on Redis: ioredis must not give up on a request (BullMQ requires null here).
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 6379), db, maxRetriesPerRequest: null };
}

/** How long the first connection to `--redis` may take before it counts as unreachable (ms). */
const REACH_TIMEOUT_MS = 5000;

/**
 * Connects once to the Redis of `connection` (named `url` in the message), giving up at the first
 * failure: the coordinator and a worker check it before any work. BullMQ's own connections retry
 * for ever (maxRetriesPerRequest null), so an unreachable server used to hang `mother index --redis`
 * and `mother index-worker` printing a connection error object every ~0.25 s.
 */
export async function reachRedis(url: string, connection: ConnectionOptions): Promise<void> {
  const client = new Redis({
    ...(connection as RedisOptions),
    lazyConnect: true,
    connectTimeout: REACH_TIMEOUT_MS,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  // The socket's error (ECONNREFUSED…) comes as an event; connect() then rejects with "Connection is closed." alone.
  let cause: unknown;
  client.on("error", (error) => void (cause ??= error));
  try {
    await client.connect();
  } catch (error) {
    const { code, message } = (cause ?? error) as NodeJS.ErrnoException;
    throw redisUnreachable(url, code ?? message);
  } finally {
    client.disconnect();
  }
}

/**
 * Steps 1–4 of the coordinator: queues one job per new or changed model, waits for the
 * workers to finish them, then writes the removals and compacts. Throws when a job failed for good.
 */
export async function indexWithQueue(
  paths: readonly string[],
  dir: string,
  connection: ConnectionOptions,
  effects: IndexEffects = { progress: () => {}, log: () => {} },
): Promise<IndexSummary> {
  const plan = await planIndexUpdate(paths, dir, effects);
  const queue = new Queue<FingerprintJob>(FINGERPRINT_QUEUE, { connection });
  const events = new QueueEvents(FINGERPRINT_QUEUE, { connection });
  try {
    await events.waitUntilReady();
    const jobs = await queue.addBulk(
      plan.todo.map((model) => ({
        name: "fingerprint",
        data: { ...locationOf(model), index: resolve(dir) },
        opts: { attempts: ATTEMPTS, backoff: { type: "fixed", delay: 100 } },
      })),
    );
    // Listening per job (waitUntilFinished) adds a listener per job; one pair of listeners serves any count.
    const pending = new Map(jobs.map((job) => [job.id!, job]));
    effects.progress(0, jobs.length);
    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        effects.progress(jobs.length - pending.size, jobs.length);
        if (pending.size === 0) resolve();
      };
      events.on("completed", ({ jobId }) => {
        if (pending.delete(jobId)) settle();
      });
      events.on("failed", async ({ jobId, failedReason }) => {
        const job = pending.get(jobId);
        // An attempt failed; only a job out of attempts (state "failed") fails the update.
        if (!job || (await queue.getJobState(jobId)) !== "failed") return;
        reject(new MotherError(job.data.path, "could not be fingerprinted by a worker", { value: failedReason }));
      });
      settle();
    });
  } finally {
    await events.close();
    await queue.close();
  }
  const segments = [...plan.loaded.segments];
  if (plan.removed.length > 0)
    segments.push(
      await writeSegment(
        dir,
        plan.removed.map((removed) => ({ removed })),
      ),
    );
  const merged = await loadIndex(dir);
  if (merged.segments.length > COMPACT_AFTER) await compact(dir, merged.entries.values(), merged.segments);
  return { kept: plan.kept, added: plan.todo.length - plan.updated, updated: plan.updated, removed: plan.removed.length, models: merged.entries.size };
}

/** Settings of a worker; the defaults are BullMQ's, but for how soon a dead worker's job is taken back. */
export interface WorkerSettings {
  /** Jobs at once in this process (fingerprinting is one read at a time: 1 per core is plenty). */
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is free again after this. */
  readonly lockDuration: number;
  /** How often this worker looks for jobs whose lock expired. */
  readonly stalledInterval: number;
  /** Called when a job starts (tests kill a worker mid-job from here). */
  readonly onStart?: (job: Job<FingerprintJob>) => void | Promise<void>;
}

/** Dead workers' jobs come back within ~15 s (BullMQ's default lock is 30 s). */
export const DEFAULT_WORKER_SETTINGS: WorkerSettings = { concurrency: 1, lockDuration: 10_000, stalledInterval: 5_000 };

/** Starts a worker that fingerprints jobs into their index folders until closed. */
export function startFingerprintWorker(connection: ConnectionOptions, settings: Partial<WorkerSettings> = {}): Worker<FingerprintJob> {
  const { concurrency, lockDuration, stalledInterval, onStart } = { ...DEFAULT_WORKER_SETTINGS, ...settings };
  return new Worker<FingerprintJob>(
    FINGERPRINT_QUEUE,
    async (job) => {
      await onStart?.(job);
      // The location the coordinator found (a GGUF file alone in its folder is named by the folder, which its path does not say).
      const [model] = await openLocatedModels([{ id: job.data.id, path: job.data.path, kind: job.data.kind }]);
      const fingerprint = await fingerprintModel(model!);
      await writeSegment(job.data.index, [fingerprint]);
      return { checksum: fingerprint.checksum };
    },
    { connection, concurrency, lockDuration, stalledInterval, maxStalledCount: ATTEMPTS },
  );
}

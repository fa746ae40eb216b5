/**
 * `mother index <paths...> --index DIR`: fingerprint every new or changed model into the index
 * (one read of each, one model at a time), drop the models that are gone; and the index side
 * of `mother recover --index DIR [paths...]`.
 */
import type { RecoverOptions } from "../recover/options.ts";
import type { RecoverEffects, RecoveryResult } from "../recover/recover.ts";
import { indexModels, type IndexEffects, type IndexSummary } from "../index/build-index.ts";
import { recoverFromIndex } from "../index/recover-from-index.ts";
import { lineProgress, silentProgress, terminalProgress } from "../ui/progress.ts";
import { indexVerifyWithRedis } from "../messages.ts";
import { checkOutputFolder } from "../io/check-output-path.ts";

/** Options as commander parses them (see program.ts). */
export interface IndexCommandOptions {
  index: string;
  /** Queue the models as BullMQ jobs on this Redis for `mother index-worker` processes. */
  redis?: string;
  /** Read every model, also those whose files look unchanged, and compare digests. */
  verify?: boolean;
  quiet?: boolean;
}

/** Below this many models to read, no progress line. */
const PROGRESS_MIN_MODELS = 50;

/** Runs `mother index`; the summary goes to standard error. */
export async function runIndexCommand(paths: string[], options: IndexCommandOptions): Promise<IndexSummary> {
  // Before any model is read: an index folder that cannot be written used to fail at its first segment, in a stack trace.
  await checkOutputFolder(options.index, "--index", true);
  const effects = indexEffects(options.quiet ?? false);
  // Loaded only with --redis: the single-machine path needs no server and no queue client.
  let summary: IndexSummary;
  if (options.redis) {
    if (options.verify) throw indexVerifyWithRedis();
    const { indexWithQueue, reachRedis, redisConnection } = await import("../index/distributed-index.ts");
    const connection = redisConnection(options.redis);
    await reachRedis(options.redis, connection);
    summary = await indexWithQueue(paths, options.index, connection, effects);
  } else summary = await indexModels(paths, options.index, effects, options.verify ?? false);
  if (!options.quiet) process.stderr.write(`${describeSummary(options.index, summary)}\n`);
  return summary;
}

/** `mother index-worker`: takes fingerprint jobs from the queue until SIGINT/SIGTERM, then finishes its job and exits. */
export async function runIndexWorker(options: { redis: string; concurrency: number }): Promise<void> {
  const { reachRedis, redisConnection, startFingerprintWorker } = await import("../index/distributed-index.ts");
  const connection = redisConnection(options.redis);
  await reachRedis(options.redis, connection);
  const worker = startFingerprintWorker(connection, { concurrency: options.concurrency });
  worker.on("failed", (job, error) => process.stderr.write(`${job?.data.path ?? "a job"}: ${error.message}\n`));
  await worker.waitUntilReady();
  process.stderr.write(`index-worker: waiting for jobs on ${options.redis}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void worker.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** `recover --index DIR [paths...]`: brings the index up to date with `paths` (when given), then recovers from it. */
export async function recoverWithIndex(
  paths: readonly string[],
  dir: string,
  overrides: Partial<RecoverOptions>,
  effects: RecoverEffects,
  quiet: boolean,
): Promise<RecoveryResult> {
  if (paths.length > 0) {
    const summary = await indexModels(paths, dir, indexEffects(quiet));
    effects.log(describeSummary(dir, summary));
  }
  return recoverFromIndex(dir, overrides, effects);
}

/** One line: what an update did. */
export function describeSummary(dir: string, summary: IndexSummary): string {
  return (
    `${dir}: ${summary.models} models indexed ` +
    `(${summary.added} added, ${summary.updated} read again, ${summary.removed} removed, ${summary.kept} unchanged)`
  );
}

function indexEffects(quiet: boolean): IndexEffects {
  const progress = quiet ? silentProgress : process.stderr.isTTY ? terminalProgress() : lineProgress();
  let task: ReturnType<typeof progress.start> | undefined;
  let reported = 0;
  return {
    progress: (done, total) => {
      if (total < PROGRESS_MIN_MODELS) return;
      task ??= progress.start("fingerprint models", total);
      if (done > reported) task.advance(done - reported);
      reported = done;
      if (done >= total) task.finish();
    },
    log: (message) => {
      if (!quiet) process.stderr.write(`${message}\n`);
    },
  };
}

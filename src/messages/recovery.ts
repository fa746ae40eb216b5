/** Messages of recovery, its options and its inputs (src/recover/, src/cli/, src/index/) beyond the first ones in src/messages.ts. */
import { MotherError } from "../errors.ts";

/** `--trees N` below the number of architectures or above the number of models. */
export function cannotMakeTrees(trees: number, groups: number, models: number): MotherError {
  const reason = trees < groups ? `the models span ${groups} architectures, so at least ${groups} trees` : `only ${models} models`;
  return new MotherError("--trees", `cannot make ${trees} trees: ${reason}`, { value: trees }, "option");
}

/** A compared tensor holding NaN or ±Inf. */
export function nonFiniteWeight(file: string, tensor: string): MotherError {
  return new MotherError(file, `tensor ${tensor} holds a non-finite weight`, { help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint" });
}

/** A `--stages` file that cannot be read or is not JSON (`problem`: which). */
export function stagesFileUnreadable(file: string, problem: string): MotherError {
  return new MotherError(file, problem, { help: 'expected {"model-id": "specialization", …}' }, "option");
}

/** A `--stages` entry whose stage is neither generalization nor specialization. */
export function stagesFileBadStage(file: string, id: string, stage: unknown): MotherError {
  return new MotherError(file, `stage of '${id}' must be "generalization" or "specialization"`, { value: JSON.stringify(stage) }, "option");
}

/** A truth file listing one model twice. */
export function truthModelTwice(id: string): MotherError {
  return new MotherError("truth", "model listed twice", { value: id });
}

/** A truth edge naming a model the truth does not list. */
export function truthEdgeUnknownModel(id: string): MotherError {
  return new MotherError("truth", "edge names a model that is not listed", { value: id });
}

/** A file that ended inside a tensor while the fingerprint index read it. */
export function tensorPastEndOfFile(file: string, offset: number): MotherError {
  return new MotherError(file, "truncated file: a tensor runs past the end of the file", { value: `offset ${offset}` });
}

/** `--redis` that is not a redis:// URL. */
export function notRedisUrl(url: string): MotherError {
  return new MotherError("--redis", "not a redis:// URL", { value: url, help: "e.g. redis://127.0.0.1:6379" }, "option");
}

/** A `--redis` server that does not answer (`reason`: the system's code, e.g. ECONNREFUSED). */
export function redisUnreachable(url: string, reason: string): MotherError {
  return new MotherError(
    url,
    "--redis: cannot reach Redis",
    { value: reason, help: "start Redis there (redis-server), or run mother index without --redis" },
    "environment",
  );
}

/**
 * A worker thread of a pool (src/workers/worker-pool.ts) that stopped on its own, mid-run: its tasks, and every task the
 * pool is given after, reject with this (a crash is not retried: the same task would likely crash it again).
 */
export function workerThreadDied(pool: string, entry: string, cause: string): MotherError {
  return new MotherError(
    `${pool} worker thread (${entry})`,
    "stopped before finishing its tasks; this run cannot complete",
    { value: cause, help: "run the command again; if the thread stops again, please report it with the command you ran" },
    "environment",
  );
}

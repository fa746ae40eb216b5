/**
 * Step 3's one way to get a layer's result: from the layer cache when it is there, else from
 * the worker pool (then stored), counting progress in bytes either way. The plan can change
 * while it is read (auto's probe drops sketches, or reads the probe layer again), so the total
 * is adjustable.
 */
import type { TensorInfo } from "../types.ts";
import { jobBytes, type LayerJob, type LayerResult } from "./layer-pass.ts";
import { resultFromWholeSample } from "./whole-sample.ts";
import { sketchlessFromWholeSample } from "./sketch-only.ts";
import type { LayerPool } from "./layer-pool.ts";
import { LayerCache } from "./layer-cache.ts";
import type { KnownResults } from "./known-layers.ts";

/** The effects a reader reports through (recover.ts's RecoverEffects). */
export interface ReaderEffects {
  readonly progress: (doneBytes: number, totalBytes: number) => void;
  readonly log: (message: string) => void;
}

export class LayerReader {
  private cache: LayerCache | undefined;
  private totalBytes: number;
  private doneBytes = 0;
  private readCount = 0;
  private cachedCount = 0;
  private readonly damaged: { file: string; reason: string }[] = [];

  /**
   * `cacheFolder` undefined: every layer is read and nothing is kept; `keyByContent`: see LayerCache; `known`: layers
   * whose results the caller has already (known-layers.ts), taken instead of read.
   */
  constructor(
    private readonly pool: LayerPool,
    jobs: readonly LayerJob[],
    private readonly cacheFolder: string | undefined,
    private readonly effects: ReaderEffects,
    keyByContent = false,
    private readonly known?: KnownResults,
  ) {
    this.cache = cacheFolder === undefined ? undefined : new LayerCache(cacheFolder, keyByContent);
    this.totalBytes = jobs.reduce((sum, job) => sum + jobBytes(job), 0);
  }

  /** Clustering samples read so far, by their layer's tensors: a later job of a layer a sample covered whole is taken from it. */
  private readonly samples = new Map<readonly TensorInfo[], { job: LayerJob; result: LayerResult }>();

  /** The result of `job`; `urgent` jobs go ahead of queued ones (a decision waits on them). */
  async read(job: LayerJob, urgent = false): Promise<LayerResult> {
    const known = this.known?.resultOf(job);
    if (known) {
      this.effects.progress((this.doneBytes += jobBytes(job)), this.totalBytes);
      return known;
    }
    const sample = this.samples.get(job.tensors);
    const whole = sample && resultFromWholeSample(job, sample.job, sample.result);
    if (whole) {
      this.effects.progress((this.doneBytes += jobBytes(job)), this.totalBytes);
      return whole;
    }
    // A sketched layer the sample covered whole: only its sketches are made (sketch-only.ts).
    const sketchless = sample && sketchlessFromWholeSample(job, sample.job, sample.result);
    if (sketchless) {
      const { sketches } = await this.pool.submit<LayerResult>({ kind: "sketches", job, rms: sketchless.rms }, urgent);
      this.effects.progress((this.doneBytes += jobBytes(job)), this.totalBytes);
      return { ...sketchless.rest, sketches };
    }
    const result = await this.readOrLookUp(job, urgent);
    if (job.sampleValues !== undefined) this.samples.set(job.tensors, { job, result });
    return result;
  }

  /**
   * read's results for `jobs`. With no cache, in-process, and nothing known or sampled of them, they are read as one task
   * (analyseLayers: a tree's clustering sample, twelve layers all held, in one native call instead of a task and a call each).
   */
  async readAll(jobs: readonly LayerJob[]): Promise<LayerResult[]> {
    if (jobs.length < 2 || this.cache || !this.pool.inProcess || jobs.some((job) => this.known?.resultOf(job) || this.samples.has(job.tensors)))
      return Promise.all(jobs.map((job) => this.read(job)));
    const results = await this.pool.submit<LayerResult[]>({ kind: "layers", jobs });
    for (const [l, job] of jobs.entries()) {
      this.readCount++;
      this.effects.progress((this.doneBytes += jobBytes(job)), this.totalBytes);
      if (job.sampleValues !== undefined) this.samples.set(job.tensors, { job, result: results[l]! });
    }
    return results;
  }

  /** `job`'s result from the cache, else from the pool (then stored). */
  private async readOrLookUp(job: LayerJob, urgent: boolean): Promise<LayerResult> {
    const found = await this.cache?.lookup(job);
    let result = found?.result;
    if (found?.damaged) this.damaged.push(found.damaged);
    if (result) this.cachedCount++;
    else {
      result = await this.pool.submit<LayerResult>({ kind: "layer", job }, urgent);
      this.readCount++;
      // Stored before the layer counts as done: a run stopped after this resumes past it.
      await this.cache?.put(job, result).catch((error: unknown) => {
        // Writes already under way may fail too: the first failure is reported, once.
        if (this.cache)
          this.effects.log(
            `cannot write the layer cache in ${this.cacheFolder} (${error instanceof Error ? error.message : String(error)}): continuing without it`,
          );
        this.cache = undefined;
      });
    }
    this.effects.progress((this.doneBytes += jobBytes(job)), this.totalBytes);
    return result;
  }

  /** The plan changed by `bytes` (negative: layers no longer read). */
  adjustTotal(bytes: number): void {
    this.totalBytes += bytes;
  }

  /** One line on what the cache saved, when it saved anything, and one on damaged entries (read again and rewritten). */
  reportCache(): void {
    if (this.damaged.length > 0) {
      const [first] = this.damaged;
      this.effects.log(
        `${this.damaged.length} layer cache entr${this.damaged.length === 1 ? "y was" : "ies were"} damaged (${first!.file}: ` +
          `${first!.reason}${this.damaged.length > 1 ? ", …" : ""}): dropped, the layers read again and the entries rewritten`,
      );
    }
    if (this.cachedCount > 0)
      this.effects.log(`${this.cachedCount} of ${this.cachedCount + this.readCount} layers taken from the layer cache (${this.cacheFolder})`);
  }
}

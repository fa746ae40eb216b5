import type * as CliProgress from "cli-progress";
import { formatDuration } from "./format-units.ts";

/**
 * Progress of long work (training hundreds of models, reading weights) as an effect
 * parameter: code calls `progress.start(label, total)` and reports each item as `cached`
 * (found on disk, instant) or `advance` (real work). Rate and ETA count real work only,
 * so a resumed run of 315 jobs with 300 cached does not promise a 2-second finish.
 *
 * Implementations: `terminalProgress` (a cli-progress bar, for a TTY), `lineProgress`
 * (a plain line every few seconds, for CI logs), `silentProgress` (tests), and
 * `recordingProgress` (tests that assert on what was reported).
 */
export interface Progress {
  start(label: string, total: number): ProgressTask;
}

/** One bounded piece of work being tracked. */
export interface ProgressTask {
  /** `count` items were already done (cache hits); they count as done but not toward the rate. */
  cached(count?: number): void;
  /** `count` items were finished by real work. */
  advance(count?: number): void;
  /** The work turned out to be `total` items (a plan changed mid-way): counts are shown against it from now on. */
  setTotal(total: number): void;
  /** The work is over (also when it stopped early); prints a closing line. */
  finish(): void;
}

/** What a progress line is computed from; milliseconds on one monotonic clock. */
export interface ProgressState {
  label: string;
  total: number;
  cached: number;
  advanced: number;
  startedAt: number;
}

/**
 * "train 42/315 (12 cached) 0.50/s ETA 9m06s" — done count, cache hits, items per second
 * of real work, and the time left at that rate ("ETA ?" before the first real item). The
 * count never passes the total (a late overrun would promise negative time), and a total that
 * is not a finite count shows as "?".
 */
export function describeProgress(state: ProgressState, now: number): string {
  const { done, total } = counts(state);
  const cachedNote = state.cached > 0 ? ` (${state.cached} cached)` : "";
  const seconds = (now - state.startedAt) / 1000;
  const rate = seconds > 0 ? state.advanced / seconds : 0;
  const remaining = total === undefined ? undefined : total - done;
  const eta = remaining === 0 ? "0 s" : rate > 0 && remaining !== undefined ? formatDuration((remaining / rate) * 1000) : "?";
  return `${state.label} ${done}/${total ?? "?"}${cachedNote} ${formatRate(rate)} ETA ${eta}`;
}

/** "train 315/315 (12 cached) done in 9m58s". */
export function describeFinish(state: ProgressState, now: number): string {
  const { done, total } = counts(state);
  const cachedNote = state.cached > 0 ? ` (${state.cached} cached)` : "";
  return `${state.label} ${done}/${total ?? "?"}${cachedNote} done in ${formatDuration(now - state.startedAt)}`;
}

/** The done count as shown (at most the total) and the total (undefined when not a finite count ≥ 0). */
function counts(state: ProgressState): { done: number; total: number | undefined } {
  const total = Number.isFinite(state.total) && state.total >= 0 ? state.total : undefined;
  const done = state.cached + state.advanced;
  return { done: total === undefined ? done : Math.min(done, total), total };
}

function formatRate(perSecond: number): string {
  if (perSecond === 0) return "–/s";
  return perSecond >= 1 ? `${perSecond.toFixed(1)}/s` : `${(60 * perSecond).toFixed(1)}/min`;
}

/** Ignores everything: for tests and for work too short to report. */
export const silentProgress: Progress = {
  start: () => ({ cached() {}, advance() {}, setTotal() {}, finish() {} }),
};

/**
 * Plain lines for logs that are not a terminal (CI): one at start, then at most one
 * every `intervalMs`, and one at finish — readable when the log is read afterwards.
 */
export function lineProgress(options: { write?: (line: string) => void; now?: () => number; intervalMs?: number } = {}): Progress {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 5000;
  return {
    start(label, total) {
      const state: ProgressState = { label, total, cached: 0, advanced: 0, startedAt: now() };
      let lastLineAt = state.startedAt;
      let finished = false;
      write(describeProgress(state, state.startedAt));
      const maybeWrite = () => {
        const time = now();
        if (time - lastLineAt < intervalMs) return;
        lastLineAt = time;
        write(describeProgress(state, time));
      };
      return {
        cached(count = 1) {
          state.cached += count;
          maybeWrite();
        },
        advance(count = 1) {
          state.advanced += count;
          maybeWrite();
        },
        setTotal(total) {
          state.total = total;
        },
        finish() {
          if (finished) return;
          finished = true;
          write(describeFinish(state, now()));
        },
      };
    },
  };
}

/** A live cli-progress bar on stderr, with our cache-aware rate and ETA in place of its own. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  // Loaded here, not at the top: cli-progress takes ~16 ms to import (a few % of a large
  // recovery's wall time), and quiet or piped runs never draw a bar.
  const cliProgress = require("cli-progress") as typeof CliProgress;
  return {
    start(label, total) {
      const state: ProgressState = { label, total, cached: 0, advanced: 0, startedAt: performance.now() };
      const bar = new cliProgress.SingleBar(
        { format: "{bar} {line}", stream, hideCursor: true, clearOnComplete: false, noTTYOutput: true },
        cliProgress.Presets.shades_classic,
      );
      // The bar's own counts stay within [0, total]; the line says "?" for a total that is unknown.
      const barTotal = (count: number) => (Number.isFinite(count) && count >= 0 ? count : 0);
      const barValue = () => Math.min(state.cached + state.advanced, barTotal(state.total));
      bar.start(barTotal(total), 0, { line: describeProgress(state, state.startedAt) });
      const redraw = () => bar.update(barValue(), { line: describeProgress(state, performance.now()) });
      // Redraw between items too, so the ETA keeps counting down during a long step.
      const timer = setInterval(redraw, 1000);
      timer.unref();
      let finished = false;
      return {
        cached(count = 1) {
          state.cached += count;
          redraw();
        },
        advance(count = 1) {
          state.advanced += count;
          redraw();
        },
        setTotal(total) {
          state.total = total;
          bar.setTotal(barTotal(total));
          redraw();
        },
        finish() {
          if (finished) return;
          finished = true;
          clearInterval(timer);
          bar.update(barValue(), { line: describeFinish(state, performance.now()) });
          bar.stop();
        },
      };
    },
  };
}

/** A bar on a terminal, plain periodic lines otherwise (CI logs stay readable). */
export function defaultProgress(): Progress {
  return process.stderr.isTTY ? terminalProgress() : lineProgress();
}

/** Every call, in order, for tests that check what long-running code reported. */
export function recordingProgress(): Progress & { events: { label: string; event: "start" | "cached" | "advance" | "setTotal" | "finish"; count: number }[] } {
  const events: { label: string; event: "start" | "cached" | "advance" | "setTotal" | "finish"; count: number }[] = [];
  return {
    events,
    start(label, total) {
      events.push({ label, event: "start", count: total });
      return {
        cached: (count = 1) => void events.push({ label, event: "cached", count }),
        advance: (count = 1) => void events.push({ label, event: "advance", count }),
        setTotal: (count) => void events.push({ label, event: "setTotal", count }),
        finish: () => void events.push({ label, event: "finish", count: 0 }),
      };
    },
  };
}

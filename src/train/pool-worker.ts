/**
 * Worker side of WorkerPool: import the job's module, run its function, post progress,
 * then the output or the error. Modules are cached by the runtime, so a worker that has
 * run one fine-tune keeps its imports warm for the next.
 */
import { bug } from "../errors.ts";
const scope = self as unknown as Worker;

scope.onmessage = async (event: MessageEvent<{ id: number; module: string; exportName: string; input: unknown }>) => {
  const { id, module, exportName, input } = event.data;
  try {
    const loaded = (await import(module)) as Record<string, unknown>;
    const run = loaded[exportName];
    if (typeof run !== "function") bug(`${module}: no exported function ${exportName}`);
    const report = (payload: unknown): void => scope.postMessage({ type: "progress", id, payload });
    const output = await run(input, report);
    scope.postMessage({ type: "done", id, output });
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    scope.postMessage({ type: "error", id, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) });
  }
};

/** Worker entry for the tree pool: recovers one tree (the models at `paths`) per message. */
import { MotherError } from "../errors.ts";
import { discoverModels } from "../io/discover-models.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { recoverModels } from "../recover/recover.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ paths: string[]; options: RecoverOptions }>) => {
  const { paths, options } = event.data;
  try {
    const { graph, distances } = await recoverModels(await discoverModels(paths), options);
    self.postMessage({ tree: { graph, distances } });
  } catch (error) {
    const failure =
      error instanceof MotherError
        ? { file: error.file, problem: error.problem, detail: error.detail, code: error.code }
        : { file: paths[0] ?? "(tree)", problem: error instanceof Error ? (error.stack ?? error.message) : String(error), bug: true };
    self.postMessage({ failure });
  }
};

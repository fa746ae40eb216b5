/** Worker entry for the tree pool: recovers one tree (the models at `paths`) per message. */
import { discoverModels } from "../io/discover-models.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { recoverModels } from "../recover/recover.ts";
import { failureOf } from "../workers/worker-pool.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ paths: string[]; options: RecoverOptions }>) => {
  const { paths, options } = event.data;
  try {
    const { graph, distances } = await recoverModels(await discoverModels(paths), options);
    self.postMessage({ result: { graph, distances } });
  } catch (error) {
    self.postMessage({ failure: failureOf(error, paths[0] ?? "(tree)") });
  }
};

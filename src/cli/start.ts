/**
 * What `mother` runs once main.ts has chosen where its code comes from (the prebuilt bundle or
 * these sources, prebuilt.ts). `mother recover` on a large set, or on a few big models, first
 * relaunches itself with one of JavaScriptCore's JIT tiers off (jit-tier.ts), before the program's
 * modules are loaded: they are loaded only by the process that runs the command.
 */
import { mark } from "../ui/timeline.ts";
import { relaunchWithJitTier, startsLayerWorkers } from "./jit-tier.ts";

/** Runs the command line `argv` (process.argv's shape: the runtime, the script, then the words); `from` says where this code was loaded from. */
export async function start(argv: readonly string[], from: "prebuilt" | "sources"): Promise<void> {
  const relaunched = relaunchWithJitTier(argv, process.env);
  if (relaunched !== undefined) process.exit(relaunched);
  // A few big models: the layer pass's threads start now and load their modules while this thread loads the program's.
  const layerWorkers = startsLayerWorkers(argv) ? await import("../recover/layer-workers.ts") : undefined;
  layerWorkers?.startLayerWorkers();
  const { main } = await import("./program.ts");
  mark(`command line modules loaded (${from})`);
  await main(argv.slice(2));
  // Not taken (another path ran the command): stopped, so they keep nothing alive.
  layerWorkers?.takeStartedLayerWorkers()?.close();
  mark("done");
}

#!/usr/bin/env bun
/**
 * Starts `mother` (the command line, program.ts). `mother recover` on a large set, or on a few
 * big models, first relaunches itself with one of JavaScriptCore's JIT tiers off (jit-tier.ts),
 * before the program's modules are loaded: they are loaded only by the process that runs the command.
 */
import { mark } from "../ui/timeline.ts";
import { relaunchWithJitTier, startsLayerWorkers } from "./jit-tier.ts";

if (import.meta.main) {
  const relaunched = relaunchWithJitTier(process.argv, process.env);
  if (relaunched !== undefined) process.exit(relaunched);
  // A few big models: the layer pass's threads start now and load their modules while this thread loads the program's.
  const layerWorkers = startsLayerWorkers(process.argv) ? await import("../recover/layer-workers.ts") : undefined;
  layerWorkers?.startLayerWorkers();
  const { main } = await import("./program.ts");
  mark("command line modules loaded");
  await main(process.argv.slice(2));
  // Not taken (another path ran the command): stopped, so they keep nothing alive.
  layerWorkers?.takeStartedLayerWorkers()?.close();
  mark("done");
}

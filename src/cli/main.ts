#!/usr/bin/env bun
/**
 * Starts `mother`: start.ts, from the prebuilt bundle when one built from these very sources is
 * there (prebuilt.ts: the first layer or tree ~0.02–0.04 s sooner), else from the sources. This file
 * and prebuilt.ts are always read from the sources, so an edited source never runs a stale bundle.
 */
import { prebuiltStart } from "./prebuilt.ts";

if (import.meta.main) {
  const prebuilt = prebuiltStart();
  if (prebuilt) await prebuilt(process.argv, "prebuilt");
  else await (await import("./start.ts")).start(process.argv, "sources");
}

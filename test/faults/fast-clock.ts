/**
 * Test helper: a clock on which every reading is SAVE_EVERY_MS after the last, so `mother index` saves a segment after
 * each model it fingerprints (build-index.ts PeriodicSaver) as it would after 30 s of reading each. `bun --preload` this
 * file into a CLI process (spawnMother's `preload`); only performance.now is changed, in the main thread.
 */
import { SAVE_EVERY_MS } from "../../src/index/build-index.ts";

let now = 0;
performance.now = () => (now += SAVE_EVERY_MS);

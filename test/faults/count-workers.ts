/**
 * Test helper: counts the worker threads a CLI process starts and prints `workers started: N` on standard error as it
 * exits. `bun --preload` this file into a CLI process (spawnMother's `preload`); only the main thread's Worker is wrapped.
 */
let started = 0;
const Original = globalThis.Worker;
globalThis.Worker = class extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    super(...args);
    started++;
  }
} as typeof Worker;
process.on("exit", () => process.stderr.write(`workers started: ${started}\n`));

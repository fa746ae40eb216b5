/**
 * `mother` — the command line (SPEC §5), started by main.ts. Two commands:
 *   mother recover <paths...>   recover the Model Graph of the models found under the paths
 *   mother evaluate --truth T R score a recovered graph against the truth
 * A user mistake prints one line naming the file and the problem and exits 1; output files
 * are written only when the whole command succeeded.
 */
import { Command, CommanderError } from "commander";
import { BugError, MotherError } from "../errors.ts";
import { runRecoverCommand, type RecoverCommandOptions } from "./recover-command.ts";
import { declareRecoverOptions, MODEL_PATHS, wholeNumber } from "./recover-options.ts";
import { removeTemporaryFilesOnStop } from "./stop-cleanly.ts";
import type { IndexCommandOptions } from "./index-command.ts";

/** Builds the program; `main` runs it (tests call `buildProgram` with their own output). */
export function buildProgram(): Command {
  const program = new Command("mother")
    .description("Model Tree Heritage Recovery: which model was fine-tuned from which, from the weights alone")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  declareRecoverOptions(
    program.command("recover").description("recover the Model Graph (trees and parents) of a set of safetensors, GGUF or PEFT adapter models"),
  ).action(async (paths: string[], options: RecoverCommandOptions) => {
    removeTemporaryFilesOnStop();
    await runRecoverCommand(paths, options);
  });

  program
    .command("index")
    .description("fingerprint models into an index folder (one read each; only new or changed models), for `mother recover --index`")
    .argument("<paths...>", MODEL_PATHS)
    .requiredOption("--index <dir>", "the index folder (created if missing)")
    .option("--redis <url>", "spread the reading over `mother index-worker` processes through BullMQ on this Redis (redis://host:port)")
    .option(
      "--verify",
      "also read the models whose files look unchanged and compare their digests with the index: an entry is otherwise kept while " +
        "its files keep their size and mtime, so a file rewritten in place with the same size and mtime is not seen without it; " +
        "reads every model, as a cold index does",
    )
    .option("-q, --quiet", "no progress on standard error")
    .action(async (paths: string[], options: IndexCommandOptions) => {
      removeTemporaryFilesOnStop();
      await (await indexCommand()).runIndexCommand(paths, options);
    });

  program
    .command("index-worker")
    .description("fingerprint models for `mother index --redis` until stopped (any machine that sees the same model paths and index folder)")
    .requiredOption("--redis <url>", "the Redis the coordinator queues jobs on (redis://host:port)")
    .option("--concurrency <n>", "jobs at once in this process", (v) => wholeNumber(v, 1), 1)
    .action(async (options: { redis: string; concurrency: number }) => (await indexCommand()).runIndexWorker(options));

  program
    .command("evaluate")
    .description(
      "score a recovered Model Graph against the truth: directed precision, recall and F1, typed F1 and recall per type (typed " +
        "truth), clustering accuracy, the paper's edge accuracy",
    )
    .requiredOption(
      "--truth <file>",
      'ground truth JSON: {"models":[{"id","tree"?}],"edges":[{"parent","child","type"?}]}; type is ' +
        'finetune|adapter|quantized|merge, a merge one edge per parent; without "tree", trees are read off the edges',
    )
    .argument("<result>", "recovered graph JSON (the output of mother recover)")
    .option("--json", "print the scores (and the notes) as JSON")
    .addHelpText(
      "after",
      "\nBoth files are checked first: a malformed file, a child with several parents not all typed merge, a cycle, or no model id " +
        "in common is an error; models only one side lists are scored as notes say (missing from the result: not recovered; unknown to " +
        "the truth: left out).",
    )
    .action(async (result: string, options: { truth: string; json?: boolean }) => (await import("./evaluate-command.ts")).runEvaluateCommand(result, options));

  return program;
}

/** Runs the CLI; exits non-zero with one line on any user mistake. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0 after commander printed them; usage errors are already printed.
      process.exit(error.exitCode);
    }
    if (error instanceof MotherError) {
      process.stderr.write(`mother: ${error.message}\n`);
      process.exit(1);
    }
    // Anything else is a bug in mother, not a problem with the input: say so, and how to report it.
    const what = error instanceof BugError ? error.message : `bug: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    process.stderr.write(`mother: ${what}\nmother: this is a bug in mother, not a problem with your files; please report it with the command you ran.\n`);
    process.exit(2);
  }
}

/** The index commands, loaded when one runs: the index's libraries (usearch, apache-arrow) take ~0.06 s to import, a sixth of a small recovery. */
function indexCommand(): Promise<typeof import("./index-command.ts")> {
  return import("./index-command.ts");
}

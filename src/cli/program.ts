/**
 * `mother` — the command line (SPEC §5), started by main.ts. Two commands:
 *   mother recover <paths...>   recover the Model Graph of the models found under the paths
 *   mother evaluate --truth T R score a recovered graph against the truth
 * A user mistake prints one line naming the file and the problem and exits 1; output files
 * are written only when the whole command succeeded.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { BugError, MotherError } from "../errors.ts";
import { runRecoverCommand, type RecoverCommandOptions } from "./recover-command.ts";
import { GRAPH_FORMATS } from "../recover/format.ts";

/** What each --format writes; every edge has a type: finetune | adapter | quantized | merge (SPEC §8). */
const FORMATS_HELP = `
Formats (every edge has a type: finetune | adapter | quantized | merge; a merge is one edge per parent):
  json     {"models":[{id,path,format,stage,score}],"edges":[{parent,child,type,distance,confidence,coefficients?}],
           "trees":[[ids…]],"notes":[…],"directions":[{root,rule,trend,margin,decidedBy}]}; coefficients (merges
           only) maps each parent id to its mixing weight; directions say which rule oriented each tree
  mermaid  graph TD; --> finetune, -.-> adapter, ==> quantized, --o merge (from every parent)
  dot      Graphviz digraph; solid finetune, dashed adapter, bold quantized, circle arrowhead merge
  newick   one tree per line; Newick holds trees only, so a merge hangs under its main parent (largest
           coefficient, else the nearest) and names the others in a [&merge=a+b] comment, with a note
  hf       Hugging Face model-card front matter, one YAML document per model, keyed by model id:
             ---
             <id>:
               base_model: <parent id>        (a merge: a list of parent ids; a root: <id>: {})
               base_model_relation: finetune | adapter | quantized | merge
           ids are mother's (folder names): put hub ids in their place when pasting into a card`;
import { DEFAULT_RECOVER_OPTIONS as DEFAULTS } from "../recover/options.ts";
import { RELATED_BELOW } from "../recover/cluster-models.ts";
import type { IndexCommandOptions } from "./index-command.ts";

/** A whole number ≥ `least`; `also` names another accepted value for the message (e.g. 'auto'). */
function wholeNumber(value: string, least: number, also?: string): number {
  const n = Number(value);
  const expected = least === 1 ? "a positive whole number" : `a whole number ≥ ${least}`;
  if (!Number.isInteger(n) || n < least) throw new InvalidArgumentError(`expected ${expected}${also ? ` or ${also}` : ""}`);
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number ≥ 0");
  return n;
}

/** What a path given to `recover` or `index` may be: both discover models alike (discover-models.ts). */
const MODEL_PATHS =
  "model folders (*.safetensors, optional config.json), PEFT adapter folders (adapter_config.json + adapter_model.safetensors), " +
  "single .safetensors or .gguf files, folders holding .gguf files, or folders of model folders";

/** Builds the program; `main` runs it (tests call `buildProgram` with their own output). */
export function buildProgram(): Command {
  const program = new Command("mother")
    .description("Model Tree Heritage Recovery: which model was fine-tuned from which, from the weights alone")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program
    .command("recover")
    .description("recover the Model Graph (trees and parents) of a set of safetensors, GGUF or PEFT adapter models")
    .argument("[paths...]", MODEL_PATHS)
    .addOption(
      new Option("--stage <stage>", "training stage of every model; auto tries both score trends per tree and keeps the cheaper tree")
        .choices(["specialization", "generalization", "auto"])
        .default(DEFAULTS.stage),
    )
    .option("--stages <file>", "JSON file mapping model id → generalization|specialization (overrides --stage)")
    .addOption(
      new Option(
        "--chain <rule>",
        "how --stage auto orients a tree without a branch (a chain, a pair): assume fine-tuning, by distance from a synthetic init, or that for chains of 3+ models only",
      )
        .choices(["specialization", "init-distance", "chains"])
        .default(DEFAULTS.chain),
    )
    .addOption(
      new Option(
        "--sibling-angles <mode>",
        "rule out a model between two others when they meet at it at an obtuse angle (auto: language models, unless a stage is generalization; parent: as auto, but only as the farther one's parent)",
      )
        .choices(["auto", "on", "off", "parent"])
        .default(DEFAULTS.siblingAngles),
    )
    .addOption(
      new Option(
        "--sibling-geometry <kind>",
        "the distance --sibling-angles reads angles from: euclidean (layers as they are), scale-free (each layer at unit norm: a shrink all fine-tunes share, e.g. weight decay, is ignored) or correlation (scale-free from each layer's correlation, over the MLP too; needs the pair rule's read)",
      )
        .choices(["euclidean", "scale-free", "correlation"])
        .default(DEFAULTS.siblingGeometry),
    )
    .addOption(
      new Option(
        "--sibling-adapters <mode>",
        "whether --sibling-angles also rules out pairs measured by rank (an adapter and its base in a tree that mixes full fine-tunes and adapters): rule, or skip (rank places them)",
      )
        .choices(["rule", "skip"])
        .default(DEFAULTS.siblingAdapters),
    )
    .addOption(
      new Option(
        "--pair-direction <mode>",
        "orient by evidence per edge from its two models' weights jointly (pair-tanh) instead of a per-model score (auto: language models)",
      )
        .choices(["auto", "on", "off"])
        .default(DEFAULTS.pairDirection),
    )
    .addOption(
      new Option(
        "--pair-rule <form>",
        "the pair rule --pair-direction orients by: tanh, adaptive (tanh, or the general likelihood ratio where updates are heavier-tailed than the weights, as under SGD), tanh-hetero (tanh and the residual test combined), or one estimator alone",
      )
        .choices(["tanh", "adaptive", "tanh-hetero", "entropy", "cumulant", "heteroscedasticity"])
        .default(DEFAULTS.pairRule),
    )
    .addOption(
      new Option(
        "--pair-decay <mode>",
        "add the weight-decay signature to the pair evidence: embedding rows rescaled by one factor < 1 (no gradient, weight decay) point parent to child; exact: also, only a model whose stored rows reproduce a child's decayed rows exactly is its parent",
      )
        .choices(["on", "off", "exact"])
        .default(DEFAULTS.pairDecay),
    )
    .addOption(
      new Option("--root-tie <rule>", "of equally cheap trees, keep the one rooted at the most root-like model by score or the solver's pick")
        .choices(["score", "solver"])
        .default(DEFAULTS.rootTie),
    )
    .option(
      "--trees <n>",
      `number of trees, or 'auto' (models whose weights differ by under ${RELATED_BELOW} of their RMS share a tree)`,
      (v) => (v === "auto" ? "auto" : wholeNumber(v, 1, "'auto'")),
      DEFAULTS.trees,
    )
    .addOption(
      new Option("--distance <name>", "edge distance: ft (|Δw|), lora (rank Δw), auto (per pair: adapter relatives by rank, the rest by ft)")
        .choices(["ft", "lora", "auto"])
        .default(DEFAULTS.distance),
    )
    .option("--no-merges", "do not look for merges (models combining two or more others); every model gets one parent")
    .addOption(
      new Option(
        "--ft-distance <kind>",
        "full-fine-tuning distance: max (the paper's: max |Δw| / range), mean (Σ over layers of mean |Δw| / RMS), geometric (√(max · mean)), euclidean (√Σ (mean |Δw| / RMS)²), or auto (euclidean for language models, else geometric)",
      )
        .choices(["geometric", "max", "mean", "euclidean", "auto"])
        .default(DEFAULTS.ftDistance),
    )
    .option("--lambda <c>", "weight c of the direction prior, λ = c · mean(D)", nonNegativeNumber, DEFAULTS.lambda)
    .addOption(
      new Option("--score <name>", "directional score; auto = kurtosis for ℓ_FT trees, variance growth for ℓ_LoRA trees")
        .choices(["auto", "kurtosis", "mean", "variance", "skewness", "entropy"])
        .default(DEFAULTS.score),
    )
    .addOption(new Option("--format <format>", "output format (see Formats below)").choices([...GRAPH_FORMATS]).default("json"))
    .option("--out <file>", "write the result here instead of standard output")
    .option("--stats <file>", "also write per-layer statistics as an Apache Arrow IPC file")
    .option("--workers <n>", "worker threads for reading layers, 0 to read in this thread (default: by size, up to 2)", (v) => wholeNumber(v, 0))
    .option(
      "--cache <dir>",
      "keep what was read of each layer here, so a re-run (other --lambda, --trees, --format) or an interrupted run reads only what " +
        "it lacks (default: $XDG_CACHE_HOME/mother/layers, else ~/.cache/mother/layers); entries are keyed by each file's path, size " +
        "and mtime: one stat per file, but a file rewritten in place with the same size and mtime is served stale (see --verify-cache)",
    )
    .option("--no-cache", "read every layer and keep nothing")
    .option(
      "--verify-cache",
      "key the layer cache by a checksum of each selected tensor's bytes instead: catches a same-size, same-mtime rewrite; reads " +
        "every selected weight again, but still skips the statistics and distances",
    )
    .option("--index <dir>", "recover from the fingerprint index in DIR (mother index), after adding the paths given to it; for thousands of models")
    .option("-q, --quiet", "no progress on standard error")
    .addHelpText("after", FORMATS_HELP)
    .addHelpText(
      "after",
      "\nChecks:\n  Only the layers recovery compares are read, and only those are checked for NaN/Inf; a corrupt value in any other " +
        "tensor\n  (embeddings, norms, heads) is not detected: the result does not depend on those tensors, and reading them would " +
        "cost a pass over bytes it never uses.\n" +
        "\nEnvironment:\n  MOTHER_KERNELS=wasm  sweep with the WebAssembly kernels only (by default the native AVX2 kernels, built by " +
        "the machine's cc at install, run where they can)\n  MOTHER_TIMELINE=1    print when each phase ends, per thread, on standard error (docs/scale.md)",
    )
    .action(async (paths: string[], options: RecoverCommandOptions) => runRecoverCommand(paths, options));

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

/**
 * `mother recover`'s arguments and options: the table the command (program.ts) parses a command line with. Its flags,
 * their values' choices and checks are recover-flags.ts's, which the JIT-tier choice (jit-tier.ts, before the program
 * loads) reads a command line with too, without loading commander (recover-words.ts); test/cli/recover-words.test.ts
 * checks that reading against parseRecoverWords. This file adds the descriptions and defaults, and loads commander and
 * the options' defaults alone: the recovery's modules stay unloaded until the command runs.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { RELATED_BELOW } from "../recover/cluster-models.ts";
import { DEFAULT_RECOVER_OPTIONS as DEFAULTS } from "../recover/options.ts";
import type { RecoverCommandOptions } from "./recover-command.ts";
import { RECOVER_FLAGS, type RecoverFlag, type RecoverFlagName, readWholeNumber } from "./recover-flags.ts";

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

/** A whole number ≥ `least`; `also` names another accepted value for the message (e.g. 'auto'). */
export function wholeNumber(value: string, least: number, also?: string): number {
  const n = readWholeNumber(value, least, also);
  if (typeof n === "object") throw new InvalidArgumentError(n.refused);
  return n;
}

/** Commander's option for `name` as recover-flags.ts spells it, with its choices or its value's check. */
function flagOption(name: RecoverFlagName, description: string): Option {
  const flag: RecoverFlag = RECOVER_FLAGS[name];
  const option = new Option([flag.short, [name, flag.value].filter(Boolean).join(" ")].filter(Boolean).join(", "), description);
  if (flag.choices) option.choices(flag.choices);
  const read = flag.read;
  if (read)
    option.argParser((value) => {
      const taken = read(value);
      if (typeof taken === "object") throw new InvalidArgumentError(taken.refused);
      return taken;
    });
  return option;
}

/** What a path given to `recover` or `index` may be: both discover models alike (discover-models.ts). */
export const MODEL_PATHS =
  "model folders (*.safetensors, optional config.json), PEFT adapter folders (adapter_config.json + adapter_model.safetensors), " +
  "single .safetensors or .gguf files, folders holding .gguf files, or folders of model folders";

/** Declares `mother recover`'s paths argument, options and help on `command` (its action is the caller's). */
export function declareRecoverOptions(command: Command): Command {
  return command
    .argument("[paths...]", MODEL_PATHS)
    .addOption(flagOption("--stage", "training stage of every model; auto tries both score trends per tree and keeps the cheaper tree").default(DEFAULTS.stage))
    .addOption(flagOption("--stages", "JSON file mapping model id → generalization|specialization (overrides --stage)"))
    .addOption(
      flagOption(
        "--chain",
        "how --stage auto orients a tree without a branch (a chain, a pair): assume fine-tuning, by distance from a synthetic init, or that for chains of 3+ models only",
      ).default(DEFAULTS.chain),
    )
    .addOption(
      flagOption(
        "--sibling-angles",
        "rule out a model between two others when they meet at it at an obtuse angle (auto: language models, unless a stage is generalization; parent: as auto, but only as the farther one's parent)",
      ).default(DEFAULTS.siblingAngles),
    )
    .addOption(
      flagOption(
        "--sibling-geometry",
        "the distance --sibling-angles reads angles from: euclidean (layers as they are), scale-free (each layer at unit norm: a shrink all fine-tunes share, e.g. weight decay, is ignored) or correlation (scale-free from each layer's correlation, over the MLP too; needs the pair rule's read)",
      ).default(DEFAULTS.siblingGeometry),
    )
    .addOption(
      flagOption(
        "--sibling-adapters",
        "whether --sibling-angles also rules out pairs measured by rank (an adapter and its base in a tree that mixes full fine-tunes and adapters): rule, or skip (rank places them)",
      ).default(DEFAULTS.siblingAdapters),
    )
    .addOption(
      flagOption(
        "--pair-direction",
        "orient by evidence per edge from its two models' weights jointly (pair-tanh) instead of a per-model score (auto: language models)",
      ).default(DEFAULTS.pairDirection),
    )
    .addOption(
      flagOption(
        "--pair-rule",
        "the pair rule --pair-direction orients by: tanh, adaptive (tanh, or the general likelihood ratio where updates are heavier-tailed than the weights, as under SGD), tanh-hetero (tanh and the residual test combined), or one estimator alone",
      ).default(DEFAULTS.pairRule),
    )
    .addOption(
      flagOption(
        "--pair-decay",
        "add the weight-decay signature to the pair evidence: embedding rows rescaled by one factor < 1 (no gradient, weight decay) point parent to child; exact: also, only a model whose stored rows reproduce a child's decayed rows exactly is its parent",
      ).default(DEFAULTS.pairDecay),
    )
    .addOption(
      flagOption(
        "--pair-ancestor",
        "add ancestor evidence to the pair evidence: below the root, a child lies farther than its parent from the parent's own parent (per layer, correlation distance); the tree is solved again with it. floor: only on edges whose own pair test is at its noise floor (|z| < 1.96); agree: only where it does not reverse the edge's own pair z",
      ).default(DEFAULTS.pairAncestor),
    )
    .addOption(
      flagOption(
        "--pair-inherit",
        "inheritance evidence for language-model trees: a model below p carries p's own update in its fine detail. forbid: an edge below the root whose child does not is forbidden and the tree solved again; spare: the sibling-angle rule spares a pair whose far model carries the near one's update; on: both",
      ).default(DEFAULTS.pairInherit),
    )
    .addOption(
      flagOption(
        "--long-edge",
        "in a language-model tree, forbid an edge more than twice as long as its parent's own edge whose child is within 10 % as near the grandparent (root: a long stage hangs from the root of the short tunes it leans toward)",
      ).default(DEFAULTS.longEdge),
    )
    .addOption(
      flagOption(
        "--pair-offside",
        "in a language-model tree, forbid an edge below the root whose child carries less (under) or more (over) of its parent's own update, in its fine detail beyond its strongest directions, than a child does (one side of --pair-inherit forbid)",
      ).default(DEFAULTS.pairOffside),
    )
    .addOption(
      flagOption(
        "--pair-penalty",
        "what an edge pays for running against the pair evidence: full (one λ, whatever its strength) or confidence (λ times erf(|z|/√2): a chance-level z costs next to nothing, the distance decides)",
      ).default(DEFAULTS.pairPenalty),
    )
    .addOption(
      flagOption(
        "--pair-root",
        "the root of a pair rule's tree: tie (the most root-like model by net pair evidence, on a cost tie only) or lambda (that model whenever rooting there costs at most one λ more, λ × --pair-lambda)",
      ).default(DEFAULTS.pairRoot),
    )
    .addOption(
      flagOption(
        "--pair-lambda",
        "λ of a pair rule's tree as a multiple of --lambda (an edge against the pair evidence pays that many λ; 0 turns the pair evidence off)",
      ).default(DEFAULTS.pairLambda),
    )
    .addOption(
      flagOption("--pair-veto", "forbid an edge of a pair rule's tree whose own pair test runs strongly against it (z ≤ −3)").default(DEFAULTS.pairVeto),
    )
    .addOption(
      flagOption("--root-tie", "of equally cheap trees, keep the one rooted at the most root-like model by score or the solver's pick").default(
        DEFAULTS.rootTie,
      ),
    )
    .addOption(
      flagOption("--trees", `number of trees, or 'auto' (models whose weights differ by under ${RELATED_BELOW} of their RMS share a tree)`).default(
        DEFAULTS.trees,
      ),
    )
    .addOption(
      flagOption("--distance", "edge distance: ft (|Δw|), lora (rank Δw), auto (per pair: adapter relatives by rank, the rest by ft)").default(
        DEFAULTS.distance,
      ),
    )
    .addOption(flagOption("--no-merges", "do not look for merges (models combining two or more others); every model gets one parent"))
    .addOption(
      flagOption(
        "--ft-distance",
        "full-fine-tuning distance: max (the paper's: max |Δw| / range), mean (Σ over layers of mean |Δw| / RMS), geometric (√(max · mean)), euclidean (√Σ (mean |Δw| / RMS)²), or auto (euclidean for language models, else geometric)",
      ).default(DEFAULTS.ftDistance),
    )
    .addOption(flagOption("--lambda", "weight c of the direction prior, λ = c · mean(D) (0 to 10^6)").default(DEFAULTS.lambda))
    .addOption(flagOption("--score", "directional score; auto = kurtosis for ℓ_FT trees, variance growth for ℓ_LoRA trees").default(DEFAULTS.score))
    .addOption(flagOption("--format", "output format (see Formats below)").default("json"))
    .addOption(flagOption("--out", "write the result here instead of standard output"))
    .addOption(flagOption("--stats", "also write per-layer statistics as an Apache Arrow IPC file"))
    .addOption(flagOption("--workers", "worker threads for reading layers, 0 to read in this thread (default: by size, up to 2)"))
    .addOption(
      flagOption(
        "--cache",
        "keep what was read of each layer here, so a re-run (other --lambda, --trees, --format) or an interrupted run reads only what " +
          "it lacks (default: $XDG_CACHE_HOME/mother/layers, else ~/.cache/mother/layers); entries are keyed by each file's path, size " +
          "and mtime: one stat per file, but a file rewritten in place with the same size and mtime is served stale (see --verify-cache)",
      ),
    )
    .addOption(flagOption("--no-cache", "read every layer and keep nothing"))
    .addOption(
      flagOption(
        "--verify-cache",
        "key the layer cache by a checksum of each selected tensor's bytes instead: catches a same-size, same-mtime rewrite; reads " +
          "every selected weight again, but still skips the statistics and distances",
      ),
    )
    .addOption(flagOption("--index", "recover from the fingerprint index in DIR (mother index), after adding the paths given to it; for thousands of models"))
    .addOption(flagOption("--quiet", "no progress on standard error"))
    .addHelpText("after", FORMATS_HELP)
    .addHelpText(
      "after",
      "\nChecks:\n  Only the layers recovery compares are read, and only those are checked for NaN/Inf; a corrupt value in any other " +
        "tensor\n  (embeddings, norms, heads) is not detected: the result does not depend on those tensors, and reading them would " +
        "cost a pass over bytes it never uses.\n" +
        "\nEnvironment:\n  MOTHER_KERNELS=wasm  sweep with the WebAssembly kernels only (by default the native AVX2 kernels, built by " +
        "the machine's cc at install, run where they can)\n  MOTHER_TIMELINE=1    print when each phase ends, per thread, on standard error (docs/scale.md)",
    );
}

/** A `mother recover` command line as its parser reads it. */
export interface ParsedRecoverWords {
  readonly paths: string[];
  readonly options: RecoverCommandOptions;
}

/**
 * The paths and options `words` (what follows `mother recover`) give, parsed by declareRecoverOptions's table as the
 * command parses them, without running it; undefined when the parser refuses them or stops (a mistake, --help).
 */
export function parseRecoverWords(words: readonly string[]): ParsedRecoverWords | undefined {
  let parsed: ParsedRecoverWords | undefined;
  const command = declareRecoverOptions(new Command("recover"))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .action((paths: string[], options: RecoverCommandOptions) => {
      parsed = { paths, options };
    });
  try {
    command.parse([...words], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return undefined;
    throw error;
  }
  return parsed;
}

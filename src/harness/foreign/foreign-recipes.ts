/**
 * The PyTorch recipes experiments/foreign-trees/train_tree.py trains trees with, and where
 * their trees are cached. Read by experiments/foreign-trees.ts (which trains them) and
 * experiments/derived-copies.ts (which derives copies of their models).
 */
import { choiceList } from "../choice-list.ts";
import { join } from "node:path";

/** Bump when train_tree.py changes what it trains: the cache folder is keyed by it. */
export const TRAINER_VERSION = 1;

/** The PyTorch recipes train_tree.py knows, with the short letters the brief used. */
export const FOREIGN_RECIPES = [
  { letter: "a", name: "adamw-cosine", about: "AdamW lr 1e-3, wd 0.05, cosine with 10 % warmup, grad clip 1" },
  { letter: "b", name: "sgd-momentum", about: "SGD momentum 0.9, lr 0.05, no wd, step decay ×0.1 at 50 % and 75 %" },
  { letter: "c", name: "adam-constant", about: "Adam lr 3e-4, no wd, constant lr" },
  { letter: "d", name: "lora-qv", about: "root as (a); fine-tunes LoRA r 8 α 16 on query/value (+ full head), AdamW lr 2e-3, merged" },
  { letter: "e", name: "adamw-bf16", about: "as (a), own seed, checkpoints saved as BF16" },
  { letter: "f", name: "hf-trainer-defaults", about: "root as (a); fine-tunes with transformers.Trainer's defaults: AdamW lr 5e-5, no wd, linear decay" },
  {
    letter: "g",
    name: "adamw-hf-init",
    about: "as (a), but initialised like transformers' ViT (normal std 0.02, zero biases) instead of torch's kaiming-uniform",
  },
  { letter: "h", name: "adamw-long-root", about: "as (a), but the root pre-trained 5× longer" },
] as const;

export type ForeignRecipe = (typeof FOREIGN_RECIPES)[number];

/** `--recipes a,sgd-momentum`: letters or names, in the order given, without repeats. */
export function parseRecipes(value: string): ForeignRecipe[] {
  const choices = FOREIGN_RECIPES.map((r) => `${r.letter}=${r.name}`);
  return choiceList(value, "recipe", choices, (word) => FOREIGN_RECIPES.find((r) => r.letter === word || r.name === word));
}

/** Where the trees of one preset are cached: <cache>/foreign-trees/v<TRAINER_VERSION>/<preset>/<recipe name>/. */
export function foreignTreesFolder(cache: string, preset: "full" | "quick"): string {
  return join(cache, "foreign-trees", `v${TRAINER_VERSION}`, preset);
}

/**
 * `adapter_config.json` of a PEFT LoRA adapter, checked with a schema (valibot): only the
 * fields that decide how Δ = scale · B · A is formed and where it goes are read; others (task
 * type, dropout, init) are ignored. Field meanings follow peft's LoraConfig.
 */
import { readFile } from "node:fs/promises";
import { peftConfigMalformed, peftDoraUnsupported, peftTypeUnsupported } from "../../messages.ts";

/** File name of an adapter's config, as peft's save_pretrained writes it. */
export const ADAPTER_CONFIG_FILE = "adapter_config.json";

type Valibot = typeof import("valibot");

/** The config's schema, built with `v`. */
function configSchemaWith(v: Valibot) {
  const positiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));
  const finiteNumber = v.pipe(v.number(), v.finite());
  return v.looseObject({
    peft_type: v.string(),
    r: positiveInteger,
    lora_alpha: finiteNumber,
    // peft accepts a list of names or one regular expression; the weights file says which modules were adapted.
    target_modules: v.nullish(v.union([v.array(v.string()), v.string()])),
    base_model_name_or_path: v.nullish(v.string()),
    fan_in_fan_out: v.optional(v.boolean(), false),
    use_rslora: v.optional(v.boolean(), false),
    use_dora: v.optional(v.boolean(), false),
    rank_pattern: v.nullish(v.record(v.string(), positiveInteger)),
    alpha_pattern: v.nullish(v.record(v.string(), finiteNumber)),
    modules_to_save: v.nullish(v.array(v.string())),
  });
}

let configSchema: ReturnType<typeof configSchemaWith> | undefined;

/**
 * valibot and the schema, made at the first adapter config read: discovery (and so every `mother recover`) imports
 * this module, and loading valibot took ~0.003 s of CPU at each run's start, most of which reads no adapter.
 */
function valibotAndSchema(): { v: Valibot; schema: ReturnType<typeof configSchemaWith> } {
  const v = require("valibot") as Valibot;
  configSchema ??= configSchemaWith(v);
  return { v, schema: configSchema };
}

/** What recovery needs from an adapter config. */
export interface AdapterConfig {
  readonly rank: number;
  readonly alpha: number;
  /** The base the adapter was trained on, as its config names it (a hub id or a path), or undefined. */
  readonly baseModel: string | undefined;
  /** Set for GPT-2 style Conv1D layers, whose weights are stored [in, out]. */
  readonly fanInFanOut: boolean;
  /** rsLoRA: scale alpha / √r instead of alpha / r. */
  readonly rsLora: boolean;
  /** Per-module rank and alpha overrides: pattern → value (peft matches `(.*\.)?(pattern)$`). */
  readonly rankPattern: Readonly<Record<string, number>>;
  readonly alphaPattern: Readonly<Record<string, number>>;
}

/** Reads and checks `file`. Throws MotherError for unreadable or malformed JSON, a non-LoRA peft_type and DoRA. */
export async function readAdapterConfig(file: string): Promise<AdapterConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw peftConfigMalformed(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseAdapterConfig(text, file);
}

/** The config in `text` (the contents of `file`), checked as readAdapterConfig does. */
export function parseAdapterConfig(text: string, file: string): AdapterConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw peftConfigMalformed(file, `not JSON: ${(error as Error).message}`);
  }
  // peft_type first: an IA3 or prefix-tuning config has no r, and that is the clearer message.
  const peftType = (json as { peft_type?: unknown } | null)?.peft_type;
  if (typeof peftType === "string" && peftType !== "LORA") throw peftTypeUnsupported(file, peftType);
  const { v, schema } = valibotAndSchema();
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "(top level)";
    throw peftConfigMalformed(file, `${path}: ${issue.message}`);
  }
  const config = parsed.output;
  if (config.use_dora) throw peftDoraUnsupported(file);
  return {
    rank: config.r,
    alpha: config.lora_alpha,
    baseModel: config.base_model_name_or_path || undefined,
    fanInFanOut: config.fan_in_fan_out,
    rsLora: config.use_rslora,
    rankPattern: config.rank_pattern ?? {},
    alphaPattern: config.alpha_pattern ?? {},
  };
}

/**
 * The scale of module `module`'s update: alpha / r (rsLoRA: alpha / √r), with rank_pattern and
 * alpha_pattern applied as peft applies them (the first pattern p with `(.*\.)?(p)$` matching
 * the module name). `rank` is the module's rank as its factors show it.
 */
export function moduleScale(config: AdapterConfig, module: string, rank: number): number {
  const alpha = patternValue(config.alphaPattern, module) ?? config.alpha;
  return config.rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
}

/** The module's rank as the config states it (rank_pattern, else r). */
export function moduleRank(config: AdapterConfig, module: string): number {
  return patternValue(config.rankPattern, module) ?? config.rank;
}

function patternValue(patterns: Readonly<Record<string, number>>, module: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    let matches: boolean;
    try {
      matches = new RegExp(`^(.*\\.)?(${pattern})$`).test(module);
    } catch {
      matches = module === pattern || module.endsWith(`.${pattern}`);
    }
    if (matches) return value;
  }
  return undefined;
}

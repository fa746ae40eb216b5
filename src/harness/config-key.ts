import { createHash } from "node:crypto";
import { BugError } from "../errors.ts";

/**
 * Canonical JSON of a config: object keys sorted at every depth, no whitespace, so two
 * configs that mean the same thing hash the same whatever order their keys were written in.
 * Follows JSON.stringify's rules (toJSON is honoured, `undefined` object fields are dropped)
 * but refuses values JSON would silently change: NaN/±Infinity (→ null), Map/Set (→ {}),
 * functions, symbols, bigint and cycles — a key built from those would not identify the artefact.
 */
export function canonicalJson(config: unknown): string {
  return encode(config, "config", new Set());
}

/**
 * sha256 (hex, 64 chars) of the canonical JSON of `config`: the identity of an artefact.
 * Put the parent artefact's key inside the config (or pass `parent` to ArtifactStore.get)
 * so a child is rebuilt whenever anything upstream changes.
 */
export function configKey(config: unknown): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex");
}

function encode(value: unknown, where: string, ancestors: Set<object>): string {
  // Before toJSON: vega-lite installs Set.prototype.toJSON, so a Set's key would otherwise
  // depend on which modules the process happened to load.
  if (value instanceof Map || value instanceof Set) throw refuse(where, "is a Map/Set (JSON would store {})", value.constructor.name);
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw refuse(where, "is not a finite number", value);
    return JSON.stringify(value);
  }
  if (typeof value !== "object") throw refuse(where, `has a ${typeof value}, which JSON cannot hold`, String(value));
  if (ancestors.has(value)) throw refuse(where, "is a cycle", "circular reference");
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as ArrayLike<unknown>, (item, index) => (item === undefined ? "null" : encode(item, `${where}[${index}]`, ancestors)));
    text = `[${items.join(",")}]`;
  } else {
    const fields = Object.keys(value)
      .sort()
      .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
      .map((name) => `${JSON.stringify(name)}:${encode((value as Record<string, unknown>)[name], `${where}.${name}`, ancestors)}`);
    text = `{${fields.join(",")}}`;
  }
  ancestors.delete(value);
  return text;
}

/** Configs are written by the harness's code, so a value that cannot be keyed is a bug there (plain JSON values only). */
function refuse(where: string, problem: string, value: unknown): BugError {
  return new BugError(`${where}: cannot be part of an artefact key: it ${problem} (${String(value)}); use plain JSON values in configs`);
}

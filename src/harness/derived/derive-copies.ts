/**
 * Step 2 of experiments/derived-copies.ts: per copy kind, one copy of each source model,
 * written as a model folder under <copyRoot>/<set>/<kind>/<copy id>/ (reused while the source
 * file is unchanged, write-derived-copy.ts) and opened as a model whose id is the copy's.
 */
import { join } from "node:path";
import { discoverModels } from "../../io/discover-models.ts";
import type { ModelSource } from "../../types.ts";
import type { DerivedCopy } from "./copy-placement.ts";
import type { DerivedKind } from "./derived-kinds.ts";
import type { SourceSet } from "./find-source-sets.ts";
import { writeDerivedCopy } from "./write-derived-copy.ts";
import { bug } from "../../errors.ts";

/** A copy, and the model it is on disk. */
export interface MadeCopy {
  readonly copy: DerivedCopy;
  readonly model: ModelSource;
}

/** The copies of `sources` (model ids of `set`) of every kind, by kind in `kinds` order; `written` counts the new ones. */
export async function deriveCopies(
  set: SourceSet,
  sources: readonly string[],
  kinds: readonly DerivedKind[],
  copyRoot: string,
): Promise<{ copiesOf: Map<DerivedKind, MadeCopy[]>; written: number }> {
  const byId = new Map(set.models.map((m) => [m.id, m]));
  const copiesOf = new Map<DerivedKind, MadeCopy[]>();
  let written = 0;
  for (const kind of kinds) {
    const made: MadeCopy[] = [];
    for (const source of sources) {
      const copy: DerivedCopy = { id: `${source}.${kind}`, source, kind };
      const folder = join(copyRoot, set.name, kind, copy.id);
      if (await writeDerivedCopy(byId.get(source) ?? bug(`source ${source} is a model of ${set.name}`), kind, folder)) written++;
      const [model] = await discoverModels([folder]);
      made.push({ copy, model: { ...(model ?? bug(`the copy written to ${folder} is found`)), id: copy.id } });
    }
    copiesOf.set(kind, made);
  }
  return { copiesOf, written };
}

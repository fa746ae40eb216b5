/** Lookup of a named item (a layer set, a fine-tuning recipe) by the name a config or the command line gives. */
import { unknownName } from "../messages.ts";

/** The item of `items` called `name`; any other name throws unknownName, naming `kind` and every known name. */
export function byName<T extends { readonly name: string }>(kind: string, items: readonly T[], name: string): T {
  const found = items.find((item) => item.name === name);
  if (!found)
    throw unknownName(
      kind,
      name,
      items.map((item) => item.name),
    );
  return found;
}

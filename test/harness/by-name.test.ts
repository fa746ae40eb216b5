import { describe, expect, test } from "bun:test";
import { byName } from "../../src/harness/by-name.ts";
import { MotherError } from "../../src/errors.ts";

describe("byName", () => {
  const items = [
    { name: "query", size: 1 },
    { name: "mlp", size: 2 },
  ] as const;

  test("returns the item of that name itself", () => {
    expect(byName("layer set", items, "mlp")).toBe(items[1]);
  });

  test("an unknown name is one MotherError naming the kind, the name and every known name", () => {
    const error = (() => {
      try {
        byName("layer set", items, "mlp-ish");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toContain("layer set");
    expect((error as MotherError).message).toContain("mlp-ish");
    expect((error as MotherError).message).toContain("known: query, mlp");
  });
});

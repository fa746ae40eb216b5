import { describe, expect, test } from "bun:test";
import { InvalidArgumentError } from "commander";
import { choiceList } from "../../src/harness/choice-list.ts";

const COLOURS = ["red", "green", "blue"] as const;
const find = (word: string) => COLOURS.find((c) => c === word || c[0] === word);

describe("choiceList", () => {
  test("keeps the order given, drops repeats and blanks, and maps words to choices", () => {
    expect(choiceList(" blue, r,,red ,g", "colour", COLOURS, find)).toEqual(["blue", "red", "green"]);
  });

  test("an unknown word names itself and the choices; an empty list asks for one", () => {
    expect(() => choiceList("red,teal", "colour", COLOURS, find)).toThrow("unknown colour 'teal' (choose from red, green, blue)");
    expect(() => choiceList(" , ", "colour", COLOURS, find)).toThrow(new InvalidArgumentError("expected at least one colour"));
  });
});

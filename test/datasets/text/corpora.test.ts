import { describe, expect, test } from "bun:test";
import { decodeTokens } from "../../../datasets/text/byte-tokenizer.ts";
import { chatCorpus } from "../../../datasets/text/chat-corpus.ts";
import { codeCorpus } from "../../../datasets/text/code-corpus.ts";
import { englishCorpus } from "../../../datasets/text/english-corpus.ts";
import { instructCorpus } from "../../../datasets/text/instruct-corpus.ts";
import { pythonCorpus } from "../../../datasets/text/python-corpus.ts";
import { tokensFingerprint } from "../../../datasets/text/text-batches.ts";

/** Only tab, newline and printable ASCII may occur after normalisation. */
function onlyPrintableAscii(tokens: Uint8Array): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i] as number;
    if (!(id === 9 || id === 10 || (id >= 32 && id <= 126))) return false;
  }
  return true;
}

describe("text corpora", () => {
  const corpora = { english: englishCorpus, code: codeCorpus, python: pythonCorpus, chat: chatCorpus, instruct: instructCorpus };

  for (const [name, build] of Object.entries(corpora)) {
    test(`${name}: large, printable ASCII, deterministic, and truncatable`, () => {
      const tokens = build();
      expect(tokens.length).toBeGreaterThan(1_000_000);
      expect(onlyPrintableAscii(tokens)).toBe(true);
      expect(tokensFingerprint(build())).toBe(tokensFingerprint(tokens));
      const head = build({ maxBytes: 5000 });
      expect(head.length).toBe(5000);
      expect(Array.from(head)).toEqual(Array.from(tokens.subarray(0, 5000)));
    });
  }

  test("english is the State of the Union addresses in order, Washington first", () => {
    const text = decodeTokens(englishCorpus({ maxBytes: 400 }));
    expect(text).toStartWith("Fellow-Citizens of the Senate and House of Representatives:");
    expect(decodeTokens(englishCorpus()).split("\n\n").length).toBe(233);
  });

  test("code is TypeScript and JavaScript source with file headers", () => {
    const text = decodeTokens(codeCorpus());
    expect(text).toStartWith("// file: apache-arrow/src/");
    expect(text).toContain("// file: vega-lite/src/");
    expect(text).toContain("// file: commander/lib/command.js");
    expect((text.match(/\bexport (function|class|const)\b/g) ?? []).length).toBeGreaterThan(500);
  });

  test("python is real Python modules (defs, imports) from gyp", () => {
    const text = decodeTokens(pythonCorpus());
    expect(text).toStartWith("# file: node-gyp/gyp/");
    expect((text.match(/^\s*def \w+\(/gm) ?? []).length).toBeGreaterThan(1000);
    expect((text.match(/^import \w+/gm) ?? []).length).toBeGreaterThan(50);
  });

  test("chat alternates User and Assistant lines, and another seed draws other templates", () => {
    const text = decodeTokens(chatCorpus({ maxBytes: 200_000 }));
    const lines = text.split("\n").filter((line) => line.length > 0);
    lines.slice(0, -1).forEach((line, i) => expect(line.startsWith(i % 2 === 0 ? "User: " : "Assistant: ")).toBe(true));
    expect(text).toContain("It was delivered by President George Washington (no party).");
    expect(tokensFingerprint(chatCorpus({ maxBytes: 50_000, seed: 1 }))).not.toBe(tokensFingerprint(chatCorpus({ maxBytes: 50_000 })));
  });

  test("instruct pairs an instruction with a response that holds real code or its docstring", () => {
    const text = decodeTokens(instructCorpus());
    const examples = text.split("### Instruction:\n").slice(1);
    expect(examples.length).toBeGreaterThan(1000);
    for (const example of examples.slice(0, 200)) {
      expect(example).toContain("\n### Response:\n");
      const name = /^Write a Python function `(\w+)\(/.exec(example)?.[1];
      if (name !== undefined) expect(example).toContain(`def ${name}(`);
    }
  });
});

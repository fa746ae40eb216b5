import { expect, test } from "bun:test";
import { extractPythonFunctions } from "../../../datasets/text/python-functions.ts";

const MODULE = `import os


def top(a, b=2):
    """Add things.

    Longer text."""
    total = a + b

    return total


class Box:
    def method(self,
               other):
        return other


def no_doc():
    pass
x = 1
`;

test("extractPythonFunctions finds every def by indentation, with parameters, docstring summary and dedented source", () => {
  const found = extractPythonFunctions(MODULE);
  expect(found.map((fn) => fn.name)).toEqual(["top", "method", "no_doc"]);
  const [top, method, noDoc] = found;
  expect(top?.parameters).toBe("a, b=2");
  expect(top?.summary).toBe("Add things.");
  expect(top?.source).toBe('def top(a, b=2):\n    """Add things.\n\n    Longer text."""\n    total = a + b\n\n    return total');
  expect(top?.sourceWithoutDocstring).toBe("def top(a, b=2):\n    total = a + b\n\n    return total");
  expect(method?.parameters).toBe("self, other");
  expect(method?.source.startsWith("def method(self,")).toBe(true);
  expect(method?.source.endsWith("    return other")).toBe(true);
  expect(noDoc?.summary).toBe("");
  expect(noDoc?.source).toBe("def no_doc():\n    pass");
});

test("functions longer than the line limit are skipped", () => {
  expect(extractPythonFunctions(MODULE, 4).map((fn) => fn.name)).toEqual(["method", "no_doc"]);
});

import { deriveSeed, Rng } from "../../src/rng.ts";
import { encodeText } from "./byte-tokenizer.ts";
import { type CorpusOptions, truncate } from "./english-corpus.ts";
import { extractPythonFunctions } from "./python-functions.ts";
import { pythonSourceFiles } from "./python-corpus.ts";

/**
 * Instruction-formatted code for the "code → instruct" child (Code-Llama-Instruct-like):
 * `### Instruction:` / `### Response:` pairs built from the real Python functions of
 * the python corpus — "write a function with this signature (and purpose)" answered by
 * its source, and "explain this function" answered by its docstring. Examples are
 * shuffled with a seeded order.
 */
export function instructCorpus(options: CorpusOptions & { readonly seed?: number } = {}): Uint8Array {
  const examples: string[] = [];
  for (const file of pythonSourceFiles()) {
    for (const fn of extractPythonFunctions(file.text)) {
      const purpose = fn.summary.length > 0 ? ` that does the following: ${fn.summary}` : "";
      examples.push(
        `### Instruction:\nWrite a Python function \`${fn.name}(${fn.parameters})\`${purpose}\n\n### Response:\n\`\`\`python\n${fn.source}\n\`\`\`\n`,
      );
      if (fn.summary.length > 0) {
        examples.push(
          `### Instruction:\nExplain what this Python function does.\n\n\`\`\`python\n${fn.sourceWithoutDocstring}\n\`\`\`\n\n### Response:\n${fn.summary}\n`,
        );
      }
    }
  }
  new Rng(deriveSeed("instruct-corpus", options.seed ?? 0)).shuffle(examples);
  return truncate(encodeText(examples.join("\n")), options.maxBytes);
}

import { encodeText, toAscii } from "./byte-tokenizer.ts";
import { type CorpusOptions, truncate } from "./english-corpus.ts";
import { readPackageFiles } from "./package-files.ts";

/**
 * Hand-written TypeScript/JavaScript sources shipped inside the project's own pinned
 * npm dependencies (licences: Apache-2.0, BSD-3-Clause, MIT, MIT, ISC), in this order.
 */
export const CODE_SOURCES = [
  { packageName: "apache-arrow", folder: "src", suffixes: [".ts"] },
  { packageName: "vega-lite", folder: "src", suffixes: [".ts"] },
  { packageName: "ml-matrix", folder: "src", suffixes: [".js"] },
  { packageName: "commander", folder: "lib", suffixes: [".js"] },
  { packageName: "d3-array", folder: "src", suffixes: [".js"] },
] as const;

/**
 * Real code for the "code" child of the LM family: each file as
 * `// file: <package>/<path>` followed by its source, files separated by a blank line
 * (≈ 2.3 M byte tokens in full).
 */
export function codeCorpus(options: CorpusOptions = {}): Uint8Array {
  const parts: string[] = [];
  for (const source of CODE_SOURCES) {
    for (const file of readPackageFiles(source.packageName, source.folder, source.suffixes, [".d.ts"])) {
      parts.push(`// file: ${source.packageName}/${file.path}\n${toAscii(file.text).trimEnd()}\n`);
    }
  }
  return truncate(encodeText(parts.join("\n")), options.maxBytes);
}

import { encodeText, toAscii } from "./byte-tokenizer.ts";
import { type CorpusOptions, truncate } from "./english-corpus.ts";
import { type PackageFile, readPackageFiles } from "./package-files.ts";

let cachedFiles: readonly PackageFile[] | undefined;

/**
 * The Python source of GYP (Google's build-file generator, BSD-3-Clause) as shipped in
 * the `node-gyp` npm package: 59 real Python modules, ≈ 1.5 MB. Chosen over the
 * machine's Python standard library because its content is pinned by bun.lock.
 */
export function pythonSourceFiles(): readonly PackageFile[] {
  cachedFiles ??= readPackageFiles("node-gyp", "gyp", [".py"]).map((file) => ({ path: file.path, text: toAscii(file.text) }));
  return cachedFiles;
}

/** Real Python for the "code → python" child: each module as `# file: <path>` then its source. */
export function pythonCorpus(options: CorpusOptions = {}): Uint8Array {
  const text = pythonSourceFiles()
    .map((file) => `# file: node-gyp/${file.path}\n${file.text.trimEnd()}\n`)
    .join("\n");
  return truncate(encodeText(text), options.maxBytes);
}

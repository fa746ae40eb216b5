import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { MotherError } from "../../src/errors.ts";

/** One text file shipped inside an installed npm package. */
export interface PackageFile {
  /** Path relative to the package folder, with `/` separators (stable across machines). */
  readonly path: string;
  readonly text: string;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * The folder of an installed npm package. Packages with an `exports` map may hide
 * `package.json`, so fall back to resolving the main entry and walking up to the folder
 * named after the package.
 */
export function packageFolder(packageName: string): string {
  try {
    return dirname(requireFromHere.resolve(`${packageName}/package.json`));
  } catch {
    try {
      let folder = dirname(requireFromHere.resolve(packageName));
      while (!folder.endsWith(join("node_modules", packageName)) && dirname(folder) !== folder) folder = dirname(folder);
      if (folder.endsWith(join("node_modules", packageName))) return folder;
    } catch {
      // fall through to the error below
    }
  }
  throw new MotherError(packageName, "npm package not installed", { help: "run `bun install` in the project folder" });
}

/**
 * Every file under `subfolder` of a package whose name ends with one of `suffixes`
 * (and with none of `excludedSuffixes`), sorted by path so the order is the same on
 * every machine. The content is fixed by the version pinned in bun.lock.
 */
export function readPackageFiles(packageName: string, subfolder: string, suffixes: readonly string[], excludedSuffixes: readonly string[] = []): PackageFile[] {
  const root = packageFolder(packageName);
  const start = join(root, subfolder);
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (suffixes.some((suffix) => entry.name.endsWith(suffix)) && !excludedSuffixes.some((suffix) => entry.name.endsWith(suffix))) found.push(full);
    }
  };
  walk(start);
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (found.length === 0) throw new MotherError(start, "no text files found in npm package", { value: suffixes.join(" ") });
  return found.map((full) => ({ path: relative(root, full).split("\\").join("/"), text: readFileSync(full, "utf8") }));
}

/**
 * The repository's import graph, read from the source text: which file imports which, and
 * whether the import survives compilation (a value import) or is erased (type-only). The
 * direction rules and the cycle check in import-direction.test.ts run on it.
 *
 * Static imports are found by their statement at the start of a line (Biome formats every
 * top-level import there; doc comments start with " *", so they never match); runtime imports,
 * dynamic ones included, come from Bun's own parser (`Bun.Transpiler.scanImports`), which drops
 * type-only imports. Worker entry points (`new URL("./x.ts", import.meta.url)`) count as runtime
 * imports too: the file runs the other.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, normalize, relative } from "node:path";

/** One import: `from` imports `to` (both repository-relative paths); `runtime` false for type-only ones. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly runtime: boolean;
}

/** Folders whose TypeScript is scanned (test/ may import anything, so it is not). */
export const SCANNED_FOLDERS = ["src", "datasets", "experiments", "bench"] as const;

/** AssemblyScript, not TypeScript (tsconfig.json excludes it too); compiled to WebAssembly by build-kernels.ts. */
const EXCLUDED = "src/kernels/assembly/";

/** Every `.ts` file under `folder` (repository-relative), sorted. */
async function typescriptFiles(root: string, folder: string): Promise<string[]> {
  const entries = await readdir(join(root, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith(EXCLUDED))
    .sort();
}

/** Statement imports and re-exports starting a line: `import … from "x"`, `export … from "x"`, `import "x"`. */
const STATIC_IMPORT = /^(?:import|export)\b(?:[^"'`;]*?\bfrom\s*)?["']([^"']+)["']/gm;
/** Worker and asset entry points resolved against the module: `new URL("./x.ts", import.meta.url)`. */
const URL_IMPORT = /new URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g;

const transpiler = new Bun.Transpiler({ loader: "ts" });

/** The specifiers a source text imports: all of them, and those that remain at run time. */
export function scanSpecifiers(source: string): { all: Set<string>; runtime: Set<string> } {
  const urls = [...source.matchAll(URL_IMPORT)].map((match) => match[1] ?? "");
  // The parser refuses a shebang line; it imports nothing.
  const code = source.replace(/^#!.*/, "");
  const runtime = new Set([...transpiler.scanImports(code).map((item) => item.path), ...urls]);
  const all = new Set([...[...source.matchAll(STATIC_IMPORT)].map((match) => match[1] ?? ""), ...runtime]);
  return { all, runtime };
}

/** Relative specifiers resolved to repository paths; packages (`commander`, `node:fs`) are left out. */
function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  return normalize(join(dirname(file), specifier));
}

/** The import graph of the scanned folders under `root`. */
export async function readImportGraph(root: string): Promise<ImportEdge[]> {
  const files = (await Promise.all(SCANNED_FOLDERS.map((folder) => typescriptFiles(root, folder)))).flat();
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const { all, runtime } = scanSpecifiers(await readFile(join(root, file), "utf8"));
    for (const specifier of all) {
      const to = resolveSpecifier(file, specifier);
      if (to !== undefined) edges.push({ from: file, to, runtime: runtime.has(specifier) });
    }
  }
  return edges;
}

/** A forbidden direction: no file matching `from` may import a file matching `to`. */
export interface DirectionRule {
  /** Why the direction holds, said when it is broken. */
  readonly reason: string;
  readonly from: (file: string) => boolean;
  readonly to: (file: string) => boolean;
}

/** Each import that breaks a rule, as "from → to: reason". */
export function directionViolations(edges: readonly ImportEdge[], rules: readonly DirectionRule[]): string[] {
  return edges.flatMap((edge) => rules.filter((rule) => rule.from(edge.from) && rule.to(edge.to)).map((rule) => `${edge.from} → ${edge.to}: ${rule.reason}`));
}

/** The import cycles (strongly connected components of two or more files, or a file importing itself), each sorted. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  // Tarjan's algorithm, iterative so deep import chains cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: { file: string; child: number }[] = [{ file: start, child: 0 }];
    index.set(start, index.size);
    low.set(start, index.get(start) ?? 0);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (!frame) break;
      const children = next.get(frame.file) ?? [];
      const child = children[frame.child++];
      if (child !== undefined) {
        if (!index.has(child)) {
          index.set(child, index.size);
          low.set(child, index.get(child) ?? 0);
          stack.push(child);
          onStack.add(child);
          work.push({ file: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.file, Math.min(low.get(frame.file) ?? 0, index.get(child) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.file, Math.min(low.get(parent.file) ?? 0, low.get(frame.file) ?? 0));
      if (low.get(frame.file) !== index.get(frame.file)) continue;
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      const selfImport = children.includes(frame.file);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  }
  return cycles;
}

/**
 * What loading `entries` (repository-relative) loads before any of its code runs: the files and
 * packages reached through static value imports (`import … from`, `export … from`, `import "x"`),
 * not through dynamic `import()`, worker entries or type-only imports, which load nothing then.
 */
export async function eagerImports(root: string, entries: readonly string[]): Promise<{ files: Set<string>; packages: Set<string> }> {
  const files = new Set<string>(entries);
  const packages = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    const code = (await readFile(join(root, file), "utf8")).replace(/^#!.*/, "");
    for (const { path, kind } of transpiler.scanImports(code)) {
      if (kind !== "import-statement") continue;
      const to = resolveSpecifier(file, path);
      if (to === undefined) packages.add(path);
      else if (!files.has(to)) {
        files.add(to);
        queue.push(to);
      }
    }
  }
  return { files, packages };
}

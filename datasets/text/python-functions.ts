/** A top-level or nested Python function cut out of a module. */
export interface PythonFunction {
  readonly name: string;
  /** The parameter list as written, without parentheses, whitespace collapsed. */
  readonly parameters: string;
  /** First paragraph of the docstring, whitespace collapsed; "" when there is none. */
  readonly summary: string;
  /** The whole `def` with its body, dedented to column 0, trailing blank lines removed. */
  readonly source: string;
  /** `source` with the docstring removed (for "explain this code" prompts). */
  readonly sourceWithoutDocstring: string;
}

const DEF_LINE = /^(\s*)def\s+([A-Za-z_]\w*)\s*\(/;

/**
 * Every `def` in a module, found by indentation: the body is the following lines that
 * are blank or indented deeper than the `def`. Functions longer than `maxLines` are
 * skipped (they make poor single examples).
 */
export function extractPythonFunctions(moduleText: string, maxLines = 60): PythonFunction[] {
  const lines = moduleText.split("\n");
  const found: PythonFunction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = DEF_LINE.exec(lines[i] as string);
    if (match === null) continue;
    const indent = (match[1] as string).length;
    // The header ends at the line whose parentheses balance (parameters may span lines).
    let headerEnd = i;
    let depth = 0;
    for (let j = i; j < lines.length; j++) {
      for (const character of lines[j] as string) depth += character === "(" ? 1 : character === ")" ? -1 : 0;
      headerEnd = j;
      if (depth <= 0) break;
    }
    let end = headerEnd;
    for (let j = headerEnd + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim() === "") continue;
      if (line.length - line.trimStart().length <= indent) break;
      end = j;
    }
    if (end === headerEnd || end - i + 1 > maxLines) continue;
    const body = lines.slice(i, end + 1).map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)));
    const header = body.slice(0, headerEnd - i + 1).join(" ");
    const parameters = (header.slice(header.indexOf("(") + 1, header.lastIndexOf(")")) || "").replace(/\s+/g, " ").trim();
    const { summary, withoutDocstring } = splitDocstring(body, headerEnd - i + 1);
    found.push({ name: match[2] as string, parameters, summary, source: body.join("\n"), sourceWithoutDocstring: withoutDocstring.join("\n") });
  }
  return found;
}

function splitDocstring(body: readonly string[], firstBodyLine: number): { summary: string; withoutDocstring: string[] } {
  const opening = body[firstBodyLine]?.trim() ?? "";
  const quote = opening.startsWith('"""') ? '"""' : opening.startsWith("'''") ? "'''" : undefined;
  if (quote === undefined) return { summary: "", withoutDocstring: [...body] };
  let last = firstBodyLine;
  const rest = opening.slice(3);
  if (!rest.includes(quote)) {
    for (last = firstBodyLine + 1; last < body.length && !(body[last] as string).includes(quote); last++);
  }
  const docLines = body
    .slice(firstBodyLine, last + 1)
    .join("\n")
    .trim()
    .slice(3);
  const text = docLines.slice(0, docLines.indexOf(quote) >= 0 ? docLines.indexOf(quote) : undefined);
  const summary = (text.split(/\n\s*\n/)[0] ?? "").replace(/\s+/g, " ").trim();
  const withoutDocstring = [...body.slice(0, firstBodyLine), ...body.slice(last + 1)];
  return { summary, withoutDocstring };
}

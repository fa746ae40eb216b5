import { describe, expect, test } from "bun:test";
import { escapeHtml, jsonForScript, prefixSvgIds } from "../../src/report/html.ts";

describe("html helpers", () => {
  test("escapeHtml neutralises markup and quotes", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  test("jsonForScript cannot close its script element and still parses to the same value", () => {
    const value = { label: "</script><script>alert(1)</script>", note: "a\u2028b" };
    const text = jsonForScript(value);
    expect(text).not.toContain("</");
    expect(JSON.parse(text)).toEqual(value);
  });

  test("prefixSvgIds renames ids and every reference to them", () => {
    const svg = '<clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><use href="#clip1"/></g>';
    expect(prefixSvgIds(svg, "f2-")).toBe('<clipPath id="f2-clip1"><rect/></clipPath><g clip-path="url(#f2-clip1)"><use href="#f2-clip1"/></g>');
  });
});

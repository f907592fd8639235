import { describe, expect, it } from "vitest";
import { logicalLines } from "../../../src/probes/parse/logical-lines.js";

const all = (text: string, opts?: Parameters<typeof logicalLines>[1]) => [...logicalLines(text, opts)];

describe("logicalLines", () => {
  it("joins backslash continuations with a space, numbering each logical line by its first line", () => {
    expect(all("a \\\n  b\\\nc\r\nd\n")).toEqual([
      { line: 1, text: "a    b c" },
      { line: 4, text: "d" },
      { line: 5, text: "" },
    ]);
  });

  it("keeps a backslash on the last line (nothing follows it), and joins with what it is told", () => {
    expect(all("x\\\ny\\", { joiner: "" })).toEqual([{ line: 1, text: "xy\\" }]);
  });

  it("never continues a comment", () => {
    const comment = (l: string) => l.trimStart().startsWith("#");
    expect(all("# note \\\nKey=1\n", { isComment: comment })).toEqual([
      { line: 1, text: "# note \\" },
      { line: 2, text: "Key=1" },
      { line: 3, text: "" },
    ]);
  });

  it("a 200,000-line continuation is one logical line", () => {
    const text = "k=\\\n".repeat(200_000) + "end\n";
    const lines = all(text);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.text.length).toBe(200_000 * 3 + 3);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batched, prettyJsonChunks, utf8Runs } from "../../../src/util/json-chunks.js";
import { jsonReporter } from "../../../src/report/json.js";
import type { ScanReport } from "../../../src/engine/result.js";

const whole = (v: Record<string, unknown>) => JSON.stringify(v, null, 2);
const pieces = (v: Record<string, unknown>, key = "results", perPiece?: number) => [...prettyJsonChunks(v, key, perPiece)];

describe("prettyJsonChunks", () => {
  it("joins to JSON.stringify(value, null, 2) for any JSON object with a results array", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()), fc.nat(5), fc.integer({ min: 1, max: 4 }), (obj, results, at, perPiece) => {
        const keys = Object.keys(obj);
        const v = Object.fromEntries([...keys.slice(0, at).map((k) => [k, obj[k]]), ["results", results], ...keys.slice(at).map((k) => [k, obj[k]])]);
        expect(pieces(v, "results", perPiece).join("")).toBe(whole(v));
        expect(pieces(v).join("")).toBe(whole(v));
      }),
      { numRuns: 300 },
    );
  });

  it("gives each run of perPiece results a piece (a slice of their text), and leaves out what JSON leaves out", () => {
    const v = { a: 1, results: [{ id: "x", t: "줄\n바꿈 —" }, undefined, [1, [2]]], u: undefined, f: () => 1, e: {}, l: [] };
    expect(pieces(v, "results", 2)).toEqual([
      '{\n  "a": ',
      "1",
      ',\n  "results": [\n',
      '    {\n      "id": "x",\n      "t": "줄\\n바꿈 —"\n    },\n    null',
      ",\n",
      "    [\n      1,\n      [\n        2\n      ]\n    ]\n  ]",
      ',\n  "e": ',
      "{}",
      ',\n  "l": ',
      "[]",
      "\n}",
    ]);
    expect(pieces(v, "results", 1).filter((p) => p.startsWith("    "))).toEqual([
      '    {\n      "id": "x",\n      "t": "줄\\n바꿈 —"\n    }',
      "    null",
      "    [\n      1,\n      [\n        2\n      ]\n    ]\n  ]",
    ]);
    expect(pieces(v).join("")).toBe(whole(v));
    expect(pieces(v).filter((p) => p.startsWith("    "))).toHaveLength(1); // three results: one piece
    expect(pieces({})).toEqual(["{}"]);
    expect(pieces({ results: [] }).join("")).toBe('{\n  "results": []\n}');
    expect(pieces({ u: undefined }).join("")).toBe("{}");
  });

  it("utf8Runs: the pieces' UTF-8, in runs of at least the size, a surrogate pair split between pieces kept whole", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" })), fc.integer({ min: 1, max: 40 }), (list, size) => {
        const runs = [...utf8Runs(list, size)];
        expect(Buffer.concat(runs).equals(Buffer.from(list.join(""), "utf8"))).toBe(true);
        runs.slice(0, -1).forEach((r) => expect(r.length).toBeGreaterThanOrEqual(size));
      }),
      { numRuns: 500 },
    );
    const emoji = "😀"; // one code point, two UTF-16 units
    expect(Buffer.concat([...utf8Runs(["a", emoji.slice(0, 1), emoji.slice(1), "b"], 4)]).toString()).toBe(`a${emoji}b`);
    expect(Buffer.concat([...utf8Runs(["x", emoji.slice(0, 1)])])).toEqual(Buffer.from(`x${emoji.slice(0, 1)}`));
    expect([...utf8Runs([])]).toEqual([]);
    // A lone high half at the very end is U+FFFD (3 bytes), even where the run is smaller than that.
    expect(Buffer.concat([...utf8Runs(["\ud800"], 1)])).toEqual(Buffer.from("\ud800"));
    expect(Buffer.concat([...utf8Runs(["a", "b\ud800"], 1)]).toString("hex")).toBe("6162efbfbd");
  });

  it("batches pieces into runs of at least the size, the rest last", () => {
    expect([...batched(["ab", "c", "def", "g"], 3)]).toEqual(["abc", "def", "g"]);
    expect([...batched(["abcd", "e", "fghij"], 3)]).toEqual(["abcd", "efghij"]);
    expect([...batched([], 3)]).toEqual([]);
  });

  it("the JSON reporter's pieces are its rendered text", () => {
    const report = {
      tool: { name: "nodeward", version: "0" },
      summary: { pass: 1 },
      results: [{ id: "1.1", pack: "p", status: "pass", title: "권한 ≤ 0640", evidence: [{ path: "/etc/x", detail: "a\nb" }] }],
      loadErrors: [],
    } as unknown as ScanReport;
    expect([...jsonReporter.renderChunks!(report)].join("")).toBe(jsonReporter.render(report));
  });
});

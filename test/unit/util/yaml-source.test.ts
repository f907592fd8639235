import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig, ConfigError } from "../../../src/agent/config.js";
import { formatSourceIssue, placeZodIssues, positionOf, readYaml } from "../../../src/util/yaml-source.js";
import { loadYaml } from "../../../src/util/yaml.js";

beforeEach(async () => {
  await loadYaml();
});

const TEXT = ["top:", "  list:", "    - a: 1", "    - a: two", "  extra: x", ""].join("\n");

describe("yaml-source", () => {
  it("places a path at its value, or at its key when asked", () => {
    const r = readYaml(TEXT, "f.yaml");
    if (!("source" in r)) throw new Error("should parse");
    expect(positionOf(r.source, ["top", "list", 1, "a"], false)).toEqual({ line: 4, column: 10 });
    expect(positionOf(r.source, ["top", "extra"], true)).toEqual({ line: 5, column: 3 });
    // a path that does not exist falls back to its closest parent
    expect(positionOf(r.source, ["top", "list", 7, "b"], false)).toEqual({ line: 3, column: 5 });
  });

  it("turns zod issues into positions: an unknown key at the key, a bad value at the value", () => {
    const r = readYaml(TEXT, "f.yaml");
    if (!("source" in r)) throw new Error("should parse");
    const schema = z.strictObject({ top: z.strictObject({ list: z.array(z.strictObject({ a: z.number() })) }) });
    const parsed = schema.safeParse(r.data);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const placed = placeZodIssues(r.source, [], parsed.error).map(({ line, column, path, unknownKey }) => ({ line, column, path, unknownKey }));
    expect(placed).toEqual([
      { line: 4, column: 10, path: ["top", "list", 1, "a"], unknownKey: undefined },
      { line: 5, column: 3, path: ["top"], unknownKey: "extra" },
    ]);
  });

  it("reports YAML syntax errors with their position, never throws", () => {
    const r = readYaml("a: [1, 2\nb: 3\n", "bad.yaml");
    expect("issues" in r && r.issues[0]).toMatchObject({ file: "bad.yaml", line: expect.any(Number), message: expect.stringMatching(/^YAML: /) });
  });

  it("refuses an alias bomb as an issue at 1:1", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 6 }, (_, i) => `${"bcdefg"[i]}: &${"bcdefg"[i]} [${Array(10).fill(i === 0 ? "*a" : `*${"abcdefg"[i]}`).join(", ")}]`)].join("\n");
    const r = readYaml(bomb, "bomb.yaml");
    expect("issues" in r ? r.issues.map(formatSourceIssue) : r).toEqual([expect.stringMatching(/^bomb\.yaml:1:1: YAML: .*[Aa]lias/)]);
  });

  it("gives the agent's config file the same treatment (an alias bomb is a ConfigError, not a crash)", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]"].join("\n");
    expect(() => parseConfig(bomb, "/etc/nodeward/config.yaml")).toThrow(ConfigError);
    expect(() => parseConfig(bomb, "/etc/nodeward/config.yaml")).toThrow(/^\/etc\/nodeward\/config\.yaml:1:1: YAML: /);
  });
});

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SEVERITIES } from "../../../src/engine/result.js";
import { ErrorCodes } from "../../../src/errors.js";
import { formatPackError, loadPacks, type LoadResult, type PackError } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { cleanupPackDirs, PACK_META, packDir } from "../../helpers/inline-pack.js";

afterAll(cleanupPackDirs);

/**
 * 1-based line and column of `needle` in `text` (plus `skip` characters into it), so
 * every expected position below is computed from the YAML written, not copied from output.
 */
function at(text: string, needle: string, skip = 0): { line: number; column: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${JSON.stringify(needle)} is not in the YAML`);
  const offset = i + skip;
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
}

const OK_CHECK = `  - id: ok-2
    title: A valid check beside the broken one
    severity: low
    audit: { probe: file, params: { path: /etc/hostname }, expect: { exists: true } }
`;

/** pack.yaml with one valid check; the case's text goes to bad.yaml with another valid check. */
const PACK_YAML = `${PACK_META}checks:
  - id: ok-1
    title: A valid check in pack.yaml
    severity: low
    audit: { probe: file, params: { path: /etc/passwd }, expect: { exists: true } }
`;

interface Case {
  name: string;
  bad: string;
  /** Where the error points: a needle in `bad` and how far into it. */
  where: [needle: string, skip?: number];
  code?: string;
  checkId?: string;
  message: string;
  /** Check ids that still load (bad.yaml's ok-2 is lost only when the whole file is dropped). */
  loads?: string[];
}

const cases: Case[] = [
  {
    name: "bad YAML syntax (the whole file is dropped)",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: x: y\n    severity: low\n`,
    where: ["x: y"],
    code: ErrorCodes.PACK_YAML,
    message: "YAML: Nested mappings are not allowed in compact mappings",
    loads: ["ok-1"],
  },
  {
    name: "duplicate map key",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: one\n    title: two\n    severity: low\n    manual: true\n`,
    where: ["title: two"],
    code: ErrorCodes.PACK_YAML,
    message: "YAML: Map keys must be unique",
    loads: ["ok-1"],
  },
  {
    name: "wrong type (severity: 5)",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: 5\n    manual: true\n`,
    where: ["severity: 5", "severity: ".length],
    checkId: "bad",
    message: 'Invalid option: expected one of "info"|"low"|"medium"|"high"|"critical" at severity',
  },
  {
    name: "unknown key at check level",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    colour: red\n    manual: true\n`,
    where: ["colour"],
    checkId: "bad",
    message: 'unknown key "colour"',
  },
  {
    name: "unknown key inside audit",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n      expectt: { exists: true }\n      expect: { exists: true }\n`,
    where: ["expectt"],
    checkId: "bad",
    message: 'unknown key "expectt" in audit',
  },
  {
    name: "unknown key inside params (the probe's strict schema)",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x, mode: "0600" }\n      expect: { exists: true }\n`,
    where: ['mode: "0600"'],
    checkId: "bad",
    message: 'probe file: unknown key "mode" in params',
  },
  {
    name: "invalid params (the probe's refinement)",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x, glob: "/etc/*" }\n      expect: { exists: true }\n`,
    where: ["{ path: /etc/x, glob"],
    checkId: "bad",
    message: "probe file: give exactly one of path, glob, pathOf",
  },
  {
    name: "unknown probe",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: filez\n      expect: { exists: true }\n`,
    where: ["filez"],
    checkId: "bad",
    message: 'unknown probe "filez"',
  },
  {
    name: "bad regex in matches",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n      expect:\n        owner: { matches: "([a-z" }\n`,
    where: ["matches:"],
    checkId: "bad",
    message: 'bad regular expression "([a-z"',
  },
  {
    name: "unknown fact field in expect",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n      expect:\n        permissions: { mode-at-most: "0600" }\n`,
    where: ["permissions:"],
    checkId: "bad",
    message: 'unknown fact field "permissions" (this probe gives: path, exists,',
  },
  {
    name: "mode-at-most written as a YAML number",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n      expect:\n        mode: { mode-at-most: 0600 }\n`,
    where: ["mode-at-most"],
    checkId: "bad",
    message: 'mode-at-most takes an octal mode as a quoted string, e.g. "0600" (got 600)',
  },
  {
    name: "two matchers at one level",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n      expect:\n        mode: { mode-at-most: "0600", equals: 384 }\n`,
    where: ["mode: {"],
    checkId: "bad",
    message: "only one matcher per level; found mode-at-most, equals",
  },
  {
    name: "missing severity",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    manual: true\n`,
    where: ["id: bad", "id: ".length],
    checkId: "bad",
    message: "severity is missing (set it on the check or in the file's defaults)",
  },
  {
    name: "automated check without audit",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n`,
    where: ["id: bad"],
    checkId: "bad",
    message: "an automated check needs an audit (or set manual: true)",
  },
  {
    name: "audit without expect",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x }\n`,
    where: ["probe: file\n      params: { path: /etc/x }\n"],
    checkId: "bad",
    message: '"expect" is missing',
  },
  {
    name: "applies condition with an unknown probe",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    applies:\n      - { probe: kubeletz, expect: { present: true }, reason: no kubelet }\n    manual: true\n`,
    where: ["kubeletz"],
    checkId: "bad",
    message: 'unknown probe "kubeletz"',
  },
  {
    name: "a check that is not a map",
    bad: `checks:\n${OK_CHECK}  - just a string\n`,
    where: ["just a string"],
    message: "Invalid input: expected object, received string",
  },
  {
    name: "unknown top-level key",
    bad: `check:\n  - id: bad\nchecks:\n${OK_CHECK}`,
    where: ["check:"],
    message: 'unknown key "check" (allowed: pack, ',
    // Dropped whole: a misspelt `defaults:` must not let its checks run without their applies.
    loads: ["ok-1"],
  },
  {
    // zod's strict objects do not list an own `__proto__` key as unknown: the loader refuses it.
    name: "__proto__ inside audit.params (the whole file is dropped)",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit:\n      probe: file\n      params: { path: /etc/x, __proto__: { polluted: 1 } }\n      expect: { exists: true }\n`,
    where: ["__proto__"],
    message: 'key "__proto__" is not allowed (at checks.1.audit.params.__proto__)',
    loads: ["ok-1"],
  },
  {
    name: "__proto__ inside fix.params",
    bad: `checks:\n${OK_CHECK}  - id: bad\n    title: Bad\n    severity: low\n    audit: { probe: file, params: { path: /etc/x }, expect: { exists: true } }\n    fix:\n      action: file-mode\n      params:\n        __proto__: { mode: "0777" }\n`,
    where: ["__proto__"],
    message: 'key "__proto__" is not allowed (at checks.1.fix.params.__proto__)',
    loads: ["ok-1"],
  },
];

describe("malformed packs: one exact PackError each, the rest still loads", () => {
  it.each(cases)("$name", async (c) => {
    const dir = await packDir({ "pack.yaml": PACK_YAML, "bad.yaml": c.bad });
    const { packs, errors } = await loadPacks([dir]);
    const expected: PackError = {
      code: (c.code ?? ErrorCodes.PACK_INVALID) as PackError["code"],
      file: path.join(dir, "bad.yaml"),
      ...at(c.bad, c.where[0], c.where[1] ?? 0),
      ...(c.checkId ? { checkId: c.checkId } : {}),
      message: expect.stringContaining(c.message) as unknown as string,
    };
    expect(errors).toEqual([expected]);
    expect(packs).toHaveLength(1);
    expect(packs[0]?.checks.map((k) => k.id).sort()).toEqual(c.loads ?? ["ok-1", "ok-2"]);
  });

  it("formats an error as file:line:column: [id] message", async () => {
    const bad = `checks:\n  - id: bad\n    title: Bad\n    severity: 5\n    manual: true\n`;
    const dir = await packDir({ "pack.yaml": PACK_YAML, "bad.yaml": bad });
    const { errors } = await loadPacks([dir]);
    expect(errors.map(formatPackError)).toEqual([
      `${path.join(dir, "bad.yaml")}:4:15: [bad] Invalid option: expected one of "info"|"low"|"medium"|"high"|"critical" at severity`,
    ]);
  });

  it("a duplicate check id in a second file points at the second one and names the first", async () => {
    const more = `checks:\n  - id: ok-1\n    title: Same id again\n    severity: high\n    manual: true\n`;
    const dir = await packDir({ "pack.yaml": PACK_YAML, "z-more.yaml": more });
    const { packs, errors } = await loadPacks([dir]);
    const first = at(PACK_YAML, "id: ok-1");
    expect(errors).toEqual([
      {
        code: ErrorCodes.PACK_DUPLICATE_ID,
        file: path.join(dir, "z-more.yaml"),
        ...at(more, "id: ok-1"),
        checkId: "ok-1",
        message: `duplicate check id "ok-1" in pack t (first at ${path.join(dir, "pack.yaml")}:${first.line})`,
      },
    ]);
    // The first definition wins.
    expect(packs[0]?.checks.map((k) => [k.id, k.title])).toEqual([["ok-1", "A valid check in pack.yaml"]]);
  });

  it("a pack dir without a pack: file is an error; the valid pack beside it loads", async () => {
    const parent = await packDir({
      "good/pack.yaml": PACK_YAML,
      "orphan/a.yaml": `checks:\n${OK_CHECK}`,
      "orphan/b.yaml": `checks: []\n`,
    });
    const { packs, errors } = await loadPacks([parent]);
    expect(errors).toEqual([
      {
        code: ErrorCodes.PACK_INVALID,
        file: path.join(parent, "orphan", "a.yaml"),
        line: 1,
        column: 1,
        message: 'no file of this pack declares "pack:" (id, title, benchmark, version)',
      },
    ]);
    expect(packs.map((p) => [p.meta.id, p.checks.map((k) => k.id)])).toEqual([["t", ["ok-1"]]]);
  });

  it("pack: in two files is an error", async () => {
    const dir = await packDir({ "a.yaml": PACK_YAML, "b.yaml": PACK_META });
    const { packs, errors } = await loadPacks([dir]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: path.join(dir, "b.yaml"), line: 1, column: 1 });
    expect(errors[0]?.message).toContain('"pack:" is declared in more than one file');
    expect(packs).toEqual([]);
  });

  it("a pack whose pack: file has a syntax error reports only that error", async () => {
    const broken = `pack:\n  id: t\n  title: x: y\n`;
    const dir = await packDir({ "pack.yaml": broken, "x.yaml": `checks:\n${OK_CHECK}` });
    const { packs, errors } = await loadPacks([dir]);
    // Not also "no file declares pack:": the file that may have declared it is already reported.
    expect(errors.map((e) => [e.code, e.file, e.line])).toEqual([[ErrorCodes.PACK_YAML, path.join(dir, "pack.yaml"), 3]]);
    expect(packs).toEqual([]);
  });

  it("a manual check without an audit is valid", async () => {
    const dir = await packDir({
      "pack.yaml": `${PACK_META}checks:\n  - id: m\n    title: Judge me\n    severity: info\n    manual: true\n`,
    });
    const { packs, errors } = await loadPacks([dir]);
    expect(errors).toEqual([]);
    const check = packs[0]?.checks[0];
    expect(check).toMatchObject({ id: "m", key: "t/m", manual: true, severity: "info", applies: [] });
    expect(check?.audit).toBeUndefined();
  });

  it("an alias bomb is a YAML error, not a crash", async () => {
    const bomb = [
      PACK_META.trimEnd(),
      "defaults:",
      "  a: &a [x, x, x, x, x, x, x, x, x, x]",
      "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "",
    ].join("\n");
    const dir = await packDir({ "pack.yaml": bomb });
    const { packs, errors } = await loadPacks([dir]);
    expect(errors).toEqual([
      {
        code: ErrorCodes.PACK_YAML,
        file: path.join(dir, "pack.yaml"),
        line: 1,
        column: 1,
        message: "YAML: Excessive alias count indicates a resource exhaustion attack",
      },
    ]);
    expect(packs).toEqual([]);
  });

  it.each([true, false])("a missing path or a dir without pack files is an error (synchronous reads: %s)", async (syncReads) => {
    const empty = await packDir({ "sub/readme.txt": "not a pack\n" });
    const missing = path.join(empty, "nope");
    const { packs, errors } = await loadPacks([missing, empty], { syncReads });
    expect(packs).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({ code: ErrorCodes.PACK_READ, file: missing, line: 1, column: 1, message: expect.stringContaining("cannot read: ENOENT") }),
      { code: ErrorCodes.PACK_READ, file: empty, line: 1, column: 1, message: "no pack files (*.yaml) here or in its subdirectories" },
    ]);
  });

  it("file defaults give severity, level and applies to every check that does not set them", async () => {
    const dir = await packDir({
      "pack.yaml": PACK_META,
      "s.yaml": [
        "defaults:",
        "  severity: medium",
        "  level: 2",
        "  applies: [{ probe: file, params: { path: /usr/bin/kubelet }, expect: { exists: true }, reason: no kubelet }]",
        "checks:",
        "  - { id: a, title: A, manual: true }",
        "  - { id: b, title: B, manual: true, severity: critical, level: 1 }",
        "",
      ].join("\n"),
    });
    const { packs, errors } = await loadPacks([dir]);
    expect(errors).toEqual([]);
    const [a, b] = packs[0]?.checks ?? [];
    expect([a?.severity, a?.level, a?.applies.map((c) => c.reason)]).toEqual(["medium", 2, ["no kubelet"]]);
    expect([b?.severity, b?.level, b?.applies.length]).toEqual(["critical", 1, 1]);
  });

  it("equal params written in any key order share one fact key", async () => {
    const dir = await packDir({
      "pack.yaml": `${PACK_META}defaults: { severity: low }\nchecks:
  - { id: a, title: A, audit: { probe: file, params: { path: /etc/x, pattern: "^a" }, expect: { matched: true } } }
  - { id: b, title: B, audit: { probe: file, params: { pattern: "^a", path: /etc/x }, expect: { exists: true } } }
  - { id: c, title: C, audit: { probe: file, params: { path: /etc/y, pattern: "^a" }, expect: { matched: true } } }
`,
    });
    const { packs } = await loadPacks([dir]);
    const keys = packs[0]?.checks.map((c) => c.audit?.factKey);
    expect(keys?.[0]).toBe(keys?.[1]);
    expect(keys?.[0]).not.toBe(keys?.[2]);
  });

  it("an equal condition is compiled once per load, and an equal mistake is reported at each place", async () => {
    const cond = `{ probe: file, params: { path: /usr/bin/kubelet }, expect: { exists: true }, reason: no kubelet }`;
    const bad = `{ probe: file, params: { path: /etc/x }, expect: { mode: { matches: "(" } }, reason: r }`;
    const text = `${PACK_META}defaults: { severity: low }\nchecks:
  - { id: a, title: A, manual: true, applies: [${cond}] }
  - { id: b, title: B, manual: true, applies: [${cond}] }
  - { id: c, title: C, manual: true, applies: [${bad}] }
  - { id: d, title: D, manual: true, applies: [${bad}] }
`;
    const dir = await packDir({ "pack.yaml": text });
    const { packs, errors } = await loadPacks([dir]);
    const [a, b] = packs[0]?.checks ?? [];
    expect(a?.applies[0]?.expect).toBe(b?.applies[0]?.expect);
    expect(a?.applies[0]?.factKey).toBe(b?.applies[0]?.factKey);
    expect(packs[0]?.checks.map((k) => k.id)).toEqual(["a", "b"]);
    // One check per line: each error is on its own check's line.
    expect(errors.map((e) => [e.checkId, e.line])).toEqual([["c", at(text, "id: c").line], ["d", at(text, "id: d").line]]);
    expect(errors[0]?.message).toBe(errors[1]?.message);
    expect(errors[0]?.message).toContain(`bad regular expression "("`);
  });
});

/** benchmarks/<pack>/ dirs holding YAML (profiles/ holds tailoring profiles, not a pack). */
async function packDirs(): Promise<Array<{ name: string; dir: string; files: string[] }>> {
  const out = [];
  for (const e of await readdir(DEFAULT_BENCHMARKS_DIR, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === "profiles") continue;
    const dir = path.join(DEFAULT_BENCHMARKS_DIR, e.name);
    const files = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n));
    if (files.length > 0) out.push({ name: e.name, dir, files });
  }
  return out;
}

describe("the bundled benchmarks/ (kube-bench TestYamlFiles style)", () => {
  it("load the same with synchronous and asynchronous reads", async () => {
    const shape = (r: LoadResult) => ({
      errors: r.errors,
      checks: r.packs.flatMap((p) => p.checks.map((c) => [c.key, c.source.file, c.source.line, c.audit?.factKey ?? null, c.applies.map((a) => a.factKey)])),
    });
    const sync = shape(await loadPacks([DEFAULT_BENCHMARKS_DIR], { syncReads: true }));
    expect(sync.checks.length).toBeGreaterThan(1000);
    expect(shape(await loadPacks([DEFAULT_BENCHMARKS_DIR], { syncReads: false }))).toEqual(sync);
  });

  it("load with zero errors, and every check has a title and a severity", async () => {
    const { packs, errors } = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    expect(errors.map(formatPackError)).toEqual([]);
    expect(packs.map((p) => p.meta.id)).toEqual(expect.arrayContaining(["cis-debian-12", "cis-kubernetes-node"]));
    // Every pack directory loaded as a pack (none silently lost).
    expect(packs.length).toBe((await packDirs()).length);
    for (const pack of packs) {
      expect(pack.checks.length, pack.meta.id).toBeGreaterThan(0);
      for (const c of pack.checks) {
        expect(c.title.trim(), c.key).not.toBe("");
        expect(SEVERITIES, c.key).toContain(c.severity);
        expect(c.manual || c.audit !== undefined, c.key).toBe(true);
      }
    }
  });

  it("read as plain YAML: ids unique per pack, every references.cce is CCE-<n>-<d>", async () => {
    const dirs = await packDirs();
    expect(dirs.length).toBeGreaterThanOrEqual(2);
    for (const { name, dir, files } of dirs) {
      const ids: string[] = [];
      for (const f of files) {
        // Raw YAML, independent of the loader (which would hide a duplicate behind an error).
        const doc = parse(await readFile(path.join(dir, f), "utf8")) as { checks?: Array<Record<string, unknown>> };
        for (const c of doc.checks ?? []) {
          ids.push(String(c.id));
          expect(typeof c.title, `${f} ${String(c.id)}`).toBe("string");
          const cce = (c.references as { cce?: unknown } | undefined)?.cce;
          if (cce !== undefined) {
            expect(Array.isArray(cce), `${f} ${String(c.id)}`).toBe(true);
            for (const id of cce as unknown[]) expect(id, `${f} ${String(c.id)}`).toMatch(/^CCE-\d+-\d$/);
          }
        }
      }
      expect(ids.length, name).toBeGreaterThan(0);
      expect(new Set(ids).size, `duplicate ids in ${name}: ${ids.join(", ")}`).toBe(ids.length);
    }
  });
});

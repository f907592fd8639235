/**
 * Issue 19, linear-time matching: pack patterns are RE2 (re2js), so no line of a host
 * file can stall a scan. The reproducers from the issue run here for behaviour (the
 * right verdict); their speed is measured in `npm run bench`. The timeouts below are
 * generous guards against a hang (a backtracking engine takes 52 s and forever).
 */
import fc from "fast-check";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilePackRegex, firstMatchingLine, MAX_CAPTURE_CHARS, MAX_MATCH_LINE_CHARS } from "../../../src/util/regex.js";
import { BENCHMARKS_DIR, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, loadInline } from "../../helpers/inline-pack.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";

afterAll(cleanupFixtures);
afterAll(cleanupPackDirs);

const kisa = (id: string, spec: Parameters<typeof runCheckOn>[1]) =>
  runCheckOn(`kisa-unix/${id}`, spec, { packsDir: path.join(BENCHMARKS_DIR, "kisa-unix") });

const GUARD = 30_000;

describe("the issue's reproducers", () => {
  it("U-25 on a 256 KB export line without clients: fail, with the line", async () => {
    const r = await kisa("U-25", { "etc/exports": "/" + "a".repeat(256 * 1024) + "\n" });
    expect(r.status).toBe("fail");
    expect(r.evidence).toContainEqual({ file: "/etc/exports", line: 1 });
  }, GUARD);

  it("U-25 on a 256 KB line naming its clients: pass", async () => {
    const r = await kisa("U-25", { "etc/exports": "/srv" + " host(rw)".repeat(29 * 1024) + "\n" });
    expect(r.status).toBe("pass");
  }, GUARD);

  it("U-25 on a 256 KB line that ends in a * client: fail", async () => {
    const r = await kisa("U-25", { "etc/exports": "/srv" + " host(rw)".repeat(29 * 1024) + " *(rw)\n" });
    expect(r.status).toBe("fail");
  }, GUARD);

  it("U-70 on a 576 KB PrivacyOptions line: the verdict of its last words", async () => {
    const filler = "authwarnings,".repeat((576 * 1024) / 13);
    expect((await kisa("U-70", { "etc/mail/sendmail.cf": `O PrivacyOptions=${filler}novrfy,noexpn\n` })).status).toBe("pass");
    expect((await kisa("U-70", { "etc/mail/sendmail.cf": `O PrivacyOptions=${filler}novrfy\n` })).status).toBe("fail");
  }, GUARD);

  it("a pack with ^(a+)+$ loads, and evaluates a 1 MB line in linear time", async () => {
    const [check] = await loadInline(`checks:
  - id: evil
    title: catastrophic pattern
    severity: low
    audit:
      probe: file
      params: { path: /etc/evil, pattern: '^(a+)+$' }
      expect: { matched: true }
`);
    const root = await fixtureRoot({ "etc/evil": "a".repeat(1024 * 1024 - 2) + "b\n" + "aaaa\n" });
    const [r] = await runChecks([check!], { host: new HostRoot({ root }) });
    expect(r?.status).toBe("pass");
    expect(r?.evidence).toContainEqual({ file: "/etc/evil", line: 2 });
  }, GUARD);
});

describe("compilePackRegex", () => {
  it.each([
    ["a(?=b)", "invalid or unsupported Perl syntax: `(?=`"],
    ["(a)\\1", "invalid escape sequence: `\\1`"],
    ["x{1001}", "invalid repeat count"],
    ["x".repeat(4097), "over the 4096-character pattern cap"],
  ])("refuses %j (what RE2 cannot match in linear time, or too long a pattern)", (p, why) => {
    expect(() => compilePackRegex(p)).toThrow(why);
  });

  it("(?i) and RE2's flag groups work inline", () => {
    expect(compilePackRegex("(?i)^yes$").test("YES")).toBe(true);
    expect(compilePackRegex("^a(?i:B)c$").test("abc")).toBe(true);
    expect(compilePackRegex("^a(?i:B)c$").test("abC")).toBe(false);
  });

  it("captures the first group, else the whole match; a line over the capture cap gives undefined", () => {
    expect(compilePackRegex("=(\\w+)").capture("SELINUXTYPE=targeted")).toBe("targeted");
    expect(compilePackRegex("t\\w+").capture("SELINUXTYPE=targeted")).toBe("targeted");
    expect(compilePackRegex("zzz").capture("abc")).toBeNull();
    expect(compilePackRegex("=(\\w+)").capture("=" + "a".repeat(MAX_CAPTURE_CHARS))).toBeUndefined();
  });
});

describe("firstMatchingLine", () => {
  it("finds the first matching line (CRLF tolerated), even past many non-matching chunks", async () => {
    const text = "x\r\n".repeat(100_000) + "key = v\r\nkey = w\n";
    expect(await firstMatchingLine(compilePackRegex("^key = (\\w)$"), text)).toEqual({ kind: "hit", line: 100_001, capture: "v" });
  });

  it("a match spanning two lines in a block is not a line match", async () => {
    // [^x]* crosses "\n" inside a block; line by line nothing matches.
    expect(await firstMatchingLine(compilePackRegex("^a[^x]*b$"), "a\nb\n")).toEqual({ kind: "none" });
    expect(await firstMatchingLine(compilePackRegex("\\Ab"), "a\nb\n")).toEqual({ kind: "hit", line: 2, capture: "b" });
  });

  it("a line over the line cap before any match is an answer it cannot give, naming the line", async () => {
    const text = "a\n" + "b".repeat(MAX_MATCH_LINE_CHARS + 1) + "\nneedle\n";
    expect(await firstMatchingLine(compilePackRegex("needle"), text)).toEqual({ kind: "line-too-long", line: 2, length: MAX_MATCH_LINE_CHARS + 1 });
    expect(await firstMatchingLine(compilePackRegex("^a$"), text)).toEqual({ kind: "hit", line: 1, capture: "a" });
  });

  it("stops with the signal's reason once aborted", async () => {
    const c = new AbortController();
    c.abort(new Error("probe timed out"));
    await expect(firstMatchingLine(compilePackRegex("x"), "a\n".repeat(10), c.signal)).rejects.toThrow("probe timed out");
  });

  it("the file probe: a line over the cap leaves matched undetermined (error), naming the cap", async () => {
    const [check] = await loadInline(`checks:
  - id: long
    title: long line
    severity: low
    audit:
      probe: file
      params: { path: /etc/long, pattern: 'needle' }
      expect: { matched: false }
`);
    const root = await fixtureRoot({ "etc/long": "x".repeat(MAX_MATCH_LINE_CHARS + 1) + "\n" });
    const [r] = await runChecks([check!], { host: new HostRoot({ root }) });
    expect(r?.status).toBe("error");
    expect(r?.message).toContain(`/etc/long:1: line is ${MAX_MATCH_LINE_CHARS + 1} characters, over the ${MAX_MATCH_LINE_CHARS}-character line cap for patterns`);
  }, GUARD);
});

// The rewritten shipped patterns mean what the old ones meant (old ones run on V8, on short lines only).
const OLD_U25 = /^\s*("[^"]*"|\/\S*)(\s*$|.*\s\*(\(|\s|$))/;
const NEW_U25 = String.raw`^\s*("[^"]*"|/\S*)(?:\s*$|(?:\s.*)?\s\*(?:[(\s]|$))`;
const OLD_U34 = /allow-transfer\s*\{\s*(?!any\s*;)[^}\s]/;
const NEW_U34 = String.raw`allow-transfer\s*\{\s*(?:[^}\sa]|a(?:$|[^n]|n(?:$|[^y]|y\s*(?:$|[^;\s]))))`;
const exportLine = fc.array(fc.constantFrom("/srv", '"/a b"', " ", "\t", "*", "(rw)", "host", "*(ro)", "x", '"'), { maxLength: 8 }).map((a) => a.join(""));
const transferLine = fc.array(fc.constantFrom("allow-transfer", " ", "{", "}", "any", "an", "a", ";", "10.0.0.1", "none", "y"), { maxLength: 8 }).map((a) => a.join(""));

describe("the rewritten kisa-unix patterns match what the V8 ones matched", () => {
  it("U-25 (/etc/exports)", () => {
    const now = compilePackRegex(NEW_U25);
    fc.assert(fc.property(exportLine, (line) => {
      // Text glued after a closing quote is the one accepted difference: exportfs refuses such a line.
      fc.pre(!/"[^"\s]/.test(line.replace(/^\s*"[^"]*/, "")));
      expect(now.test(line)).toBe(OLD_U25.test(line));
    }), { seed: 19, numRuns: 3000 });
  });
  it("U-34 (allow-transfer not any)", () => {
    const now = compilePackRegex(NEW_U34);
    fc.assert(fc.property(transferLine, (line) => {
      expect(now.test(line)).toBe(OLD_U34.test(line));
    }), { seed: 19, numRuns: 3000 });
  });
});

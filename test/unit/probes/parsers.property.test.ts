/**
 * Property tests for the file, package and sysctl parsers: random text and mutated valid
 * input never throw, and always give entries plus problems with sane line numbers.
 */
import fc from "fast-check";
import { mutated } from "../../helpers/fuzz.js";
import { beforeEach, describe, expect, it } from "vitest";
import { lookupEquals, lookupSpace, parseEqualsKeyValue, parseSpaceKeyValue } from "../../../src/probes/parse/key-value.js";
import { parseGroup, parsePasswd } from "../../../src/probes/parse/passwd.js";
import { lookupStructured } from "../../../src/probes/parse/structured.js";
import { parseDpkgStatus } from "../../../src/probes/parse/dpkg-status.js";
import { parseRpmQa } from "../../../src/probes/package-rpm.js";
import { orderSysctlFiles, parseSysctlConf, persistedFor } from "../../../src/probes/parse/sysctl.js";
import { loadYaml } from "../../../src/util/yaml.js";

const RUNS = { numRuns: 200 };

const SAMPLES = {
  space: "# sshd\nPort 22\nPermitRootLogin no\nBanner \"/etc/issue.net\"\nMatch User x\n  X11Forwarding yes\n",
  equals: "; c\nnet.ipv4.ip_forward = 0\n[main]\nenabled=1\n",
  passwd: "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n",
  dpkg: "Package: bash\nStatus: install ok installed\nVersion: 5.2\nDescription: x\n more\n .\n\nPackage: telnetd\nStatus: deinstall ok config-files\n",
  rpm: "bash\t5.2-1\nkernel\t6.1-1\n",
  sysctl: "# c\nnet.ipv4.ip_forward = 1\n-kernel.x = 2\nnet.ipv4.conf.*.rp_filter=1\n-net.ipv4.conf.all.rp_filter\n",
  yaml: "a:\n  b: [1, 2]\n  c: {d: true}\nx: &anchor 1\ny: *anchor\n",
};

/** Text shaped like config files: lines of tokens and separators, plus anything at all. */
const lineish = fc.array(
  fc.oneof(
    fc.constantFrom("#", ";", "=", " ", "\t", ":", "-", "*", "[", "]", "\r", "\n", "Package:", "Status:", " ", "."),
    fc.string({ maxLength: 8 }),
  ),
  { maxLength: 60 },
).map((parts) => parts.join(""));
const anyText = (sample: string): fc.Arbitrary<string> => fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), lineish, mutated(sample));

function checkLines(items: readonly { line: number }[], text: string): void {
  const max = text.split("\n").length;
  for (const it of items) {
    expect(Number.isInteger(it.line)).toBe(true);
    expect(it.line).toBeGreaterThanOrEqual(1);
    expect(it.line).toBeLessThanOrEqual(max);
  }
}

describe("parser properties", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it("parseSpaceKeyValue never throws; entries + problems; lookups agree", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.space), fc.string({ minLength: 1, maxLength: 6 }), (text, key) => {
        const r = parseSpaceKeyValue(text);
        expect(Array.isArray(r.entries) && Array.isArray(r.problems)).toBe(true);
        checkLines(r.entries, text);
        checkLines(r.problems, text);
        for (const e of r.entries) expect(e.key).not.toMatch(/[\s=]/);
        const hit = lookupSpace(r.entries, key);
        if (hit) expect(hit.key.toLowerCase()).toBe(key.toLowerCase());
      }),
      RUNS,
    );
  });

  it("parseEqualsKeyValue never throws; entries + problems; last wins", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.equals), (text) => {
        const r = parseEqualsKeyValue(text);
        checkLines(r.entries, text);
        checkLines(r.problems, text);
        for (const e of r.entries) {
          expect(e.key).not.toBe("");
          const hit = lookupEquals(r.entries, e.key);
          expect(hit && hit.line >= e.line).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("parsePasswd / parseGroup never throw and give integer ids to non-empty names", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.passwd), (text) => {
        for (const m of [parsePasswd(text), parseGroup(text)]) {
          expect(m).toBeInstanceOf(Map);
          for (const [id, name] of m) {
            expect(Number.isSafeInteger(id) && id >= 0).toBe(true);
            expect(name.length).toBeGreaterThan(0);
          }
        }
      }),
      RUNS,
    );
  });

  it("parseDpkgStatus never throws; packages + problems", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.dpkg), (text) => {
        const r = parseDpkgStatus(text);
        expect(r.packages).toBeInstanceOf(Map);
        checkLines(r.problems, text);
        checkLines([...r.packages.values()], text);
        for (const [name, p] of r.packages) {
          expect(p.name).toBe(name);
          expect(typeof p.state).toBe("string");
        }
      }),
      RUNS,
    );
  });

  it("parseRpmQa never throws; packages + problems", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.rpm), (text) => {
        const r = parseRpmQa(text);
        checkLines(r.problems, text);
        for (const p of r.packages.values()) expect(p.versions.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it("parseSysctlConf never throws; entries + problems; resolution never throws", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.sysctl), fc.constantFrom("net/ipv4/ip_forward", "net/ipv4/conf/all/rp_filter", "kernel/x"), (text, key) => {
        const r = parseSysctlConf(text, "/etc/sysctl.d/f.conf");
        checkLines(r.entries, text);
        checkLines(r.problems, text);
        for (const e of r.entries) {
          expect(e.file).toBe("/etc/sysctl.d/f.conf");
          expect(e.key).not.toBe("");
        }
        persistedFor(r.entries, key);
      }),
      RUNS,
    );
  });

  it("orderSysctlFiles gives each .conf basename once, sorted", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 8 }).map((s) => `${s}.conf`), { maxLength: 6 }), { maxLength: 5 }), (dirs) => {
        const out = orderSysctlFiles(dirs.map((names, i) => ({ dir: `/d${i}`, names })));
        const bases = out.map((p) => p.slice(p.indexOf("/", 1) + 1));
        expect(new Set(bases).size).toBe(bases.length);
        expect([...bases].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(bases);
      }),
      RUNS,
    );
  });

  it("lookupStructured never throws for yaml or json", () => {
    fc.assert(
      fc.property(anyText(SAMPLES.yaml), fc.constantFrom("yaml", "json") as fc.Arbitrary<"yaml" | "json">, fc.constantFrom("a.b.1", "x", "y", "a.c.d", "z.q"), (text, format, key) => {
        const r = lookupStructured(text, format, key);
        expect(typeof r.ok).toBe("boolean");
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});

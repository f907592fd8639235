/**
 * redactText skips a rule when the text lacks a substring every match of that rule holds
 * (a speed measure: see src/util/redact.ts). The guards must never change the output: here
 * the guarded function is compared with every rule run unconditionally, on texts built
 * from the rules' own words in mixed case, separators and noise (fixed seed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactDeep, redactText, REDACTED } from "../../../src/util/redact.js";

/** The rules as they ran before the guards: each regex on every text. */
const UNGUARDED: [RegExp, string | ((...m: string[]) => string)][] = [
  [/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|$)/g, `-----BEGIN $1----- ${REDACTED}`],
  [
    /(["'])((?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)\s*[:=]\s*)((?:(?!\1)[^\\\r\n]|\\.)+)(?=\1)/gi,
    (m, quote: string, head: string, value: string) => (value.startsWith("[redacted") || value === "null" ? m : `${quote}${head}${REDACTED}`),
  ],
  [
    /((?:^|[\s{,"'(=;&[])["']?(?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s,}\]"']|["'](?![\s,}\])"';>]|$))+)/gi,
    (m, head: string, value: string) => {
      if (value === "" || value === "null" || value === '""' || value === "''" || value.startsWith("[redacted")) return m;
      const q = value[0];
      if ((q === '"' || q === "'") && value.length > 1 && value.endsWith(q)) return value.startsWith(`${q}[redacted`) ? m : `${head}${q}${REDACTED}${q}`;
      return `${head}${REDACTED}`;
    },
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  [/\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:@/?#"'<>]*:)[^\s/?#"'<>]+@/g, `$1${REDACTED}@`],
  [/\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./A-Za-z0-9$=,]{8,}/g, `$$$1$$${REDACTED}`],
];
const unguarded = (s: string): string => UNGUARDED.reduce((out, [re, rep]) => out.replace(re, rep as string), s);

const WORDS = [
  "secret", "token", "password", "passwd", "passphrase", "private-key", "private_key", "privatekey", "client-key-data",
  "client-certificate-data", "certificate-authority-data", "apikey", "api-key", "api_key", "secretkey", "SeCrEt", "TOKEN",
  "PassWord", "PRIVATE KEY", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "Bearer", "Basic",
  "bearer", "$6$", "$y$", "$2b$", "$1$", "$sha1$", "$", ":", "=", " ", "\n", '"', "'", "{", ",", "(", "abcdefgh12345678", "null",
  "x", "İ", "ſ", "K", "[redacted]", "key", ";", "&", "[", "://", "https://", "@", "/", "u:p",
];
const text = fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 14 }).map((parts) => parts.join(""));

describe("redactText's guards change nothing", () => {
  it("equals the unguarded rules on generated texts", () => {
    fc.assert(fc.property(text, (s) => redactText(s) === unguarded(s)), { seed: 1914, numRuns: 3000 });
  });

  it("equals them on the texts each rule is for", () => {
    for (const s of [
      "token: abc123",
      'secret: "x y"',
      "CLIENT-KEY-DATA: LS0t",
      "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----",
      "Authorization: Bearer abcdefgh.ijkl",
      "root:$6$salt$abcdefghijkl:19000",
      "no secrets here, just prose about passwords",
    ]) {
      expect(redactText(s)).toBe(unguarded(s));
    }
    expect(redactText("token: abc123")).toBe(`token: ${REDACTED}`);
  });

  it("redactDeep redacts every string, keys in their own order, __proto__ as an own key, the input unchanged", () => {
    const text = '{"a":"token: t1","b":[1,"x",{"password":"p"}],"__proto__":{"c":"$6$saltsalt$hashhashhash"}}';
    const input = JSON.parse(text) as Record<string, unknown>;
    const out = redactDeep(input) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["a", "b", "__proto__"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(`{"a":"token: ${REDACTED}","b":[1,"x",{"password":"p"}],"__proto__":{"c":"$6$${REDACTED}"}}`);
    expect(JSON.stringify(input)).toBe(text);
  });

  it("redactDeep on YAML-parsed data: __proto__ and constructor keys stay own data, nothing is polluted or dropped", async () => {
    const { loadYaml } = await import("../../../src/util/yaml.js");
    const { parse } = await loadYaml();
    const input = parse('__proto__:\n  a: "token: t2"\nconstructor:\n  prototype:\n    polluted: "password=p3"\nb: "secret: s4"\n') as Record<string, unknown>;
    const out = redactDeep(input);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor", "b"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(`{"__proto__":{"a":"token: ${REDACTED}"},"constructor":{"prototype":{"polluted":"password=${REDACTED}"}},"b":"secret: ${REDACTED}"}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it("redactDeep copies only what holds a changed string: the rest is the input's own", () => {
    const clean = { title: "Ensure permissions on /etc/passwd are configured", refs: ["CIS 7.1.1"] };
    const dirty = { evidence: [{ file: "/etc/kubernetes/kubelet.conf", line: "token: abcdefgh12" }], note: "n" };
    const input = { results: [clean, dirty], summary: { pass: 1 } };
    const out = redactDeep(input);
    expect(out).not.toBe(input);
    expect(out.results).not.toBe(input.results);
    expect(out.results[0]).toBe(clean);
    expect(out.summary).toBe(input.summary);
    expect(out.results[1]).not.toBe(dirty);
    expect((out.results[1] as typeof dirty).evidence[0]?.line).toBe(`token: ${REDACTED}`);
    expect(dirty.evidence[0]?.line).toBe("token: abcdefgh12");
    const nothing = { a: ["plain"], b: { c: 1 } };
    expect(redactDeep(nothing)).toBe(nothing);
  });

  it("redactDeep: a text repeated anywhere is redacted at each place, also past the texts it remembers", () => {
    const secret = "token: abcdefgh12";
    const many = Array.from({ length: 10_050 }, (_, i) => `password=p${i}`);
    const input = { a: secret, b: [secret, { c: secret }], many, tail: [secret, "plain", `${"token: x"}`] };
    const out = redactDeep(input);
    expect(out.a).toBe(`token: ${REDACTED}`);
    expect(out.b).toEqual([`token: ${REDACTED}`, { c: `token: ${REDACTED}` }]);
    expect(out.many.every((s) => s === `password=${REDACTED}`)).toBe(true);
    expect(out.tail).toEqual([`token: ${REDACTED}`, "plain", `token: ${REDACTED}`]);
    expect(input.b[0]).toBe(secret);
  });

  it("redactDeep: an object met twice (one fact's evidence under many results) is redacted at both places, walked once", () => {
    const evidence = [{ file: "/etc/kubernetes/kubelet.conf", line: "token: abcdefgh12" }];
    const clean = [{ file: "/etc/os-release" }];
    const input = { results: [{ id: "a", evidence }, { id: "b", evidence }, { id: "c", evidence: clean }, { id: "d", evidence: clean }] };
    const out = redactDeep(input);
    expect(out.results.map((r) => r.evidence[0])).toEqual([
      { file: "/etc/kubernetes/kubelet.conf", line: `token: ${REDACTED}` },
      { file: "/etc/kubernetes/kubelet.conf", line: `token: ${REDACTED}` },
      { file: "/etc/os-release" },
      { file: "/etc/os-release" },
    ]);
    expect(out.results[0]!.evidence).toBe(out.results[1]!.evidence);
    expect(out.results[2]!.evidence).toBe(clean);
    expect(evidence[0]!.line).toBe("token: abcdefgh12");
  });
});

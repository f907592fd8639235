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
    /((?:^|[\s{,"'(=;&[])["']?(?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}\]]+)/gi,
    (m, head: string, value: string) =>
      value === "" || value === "null" || value === '""' || value === "''" || value.startsWith("[redacted") ? m : `${head}${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  [/\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./A-Za-z0-9$=,]{8,}/g, `$$$1$$${REDACTED}`],
];
const unguarded = (s: string): string => UNGUARDED.reduce((out, [re, rep]) => out.replace(re, rep as string), s);

const WORDS = [
  "secret", "token", "password", "passwd", "passphrase", "private-key", "private_key", "privatekey", "client-key-data",
  "client-certificate-data", "certificate-authority-data", "apikey", "api-key", "api_key", "secretkey", "SeCrEt", "TOKEN",
  "PassWord", "PRIVATE KEY", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "Bearer", "Basic",
  "bearer", "$6$", "$y$", "$2b$", "$1$", "$sha1$", "$", ":", "=", " ", "\n", '"', "'", "{", ",", "(", "abcdefgh12345678", "null",
  "x", "İ", "ſ", "K", "[redacted]", "key", ";", "&", "[",
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

  it("redactDeep copies every string redacted, keys in the order it always had (last first), __proto__ as an own key", () => {
    const input = JSON.parse('{"a":"token: t1","b":[1,"x",{"password":"p"}],"__proto__":{"c":"$6$saltsalt$hashhashhash"}}') as unknown;
    const out = redactDeep(input) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["__proto__", "b", "a"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(
      `{"__proto__":{"c":"$6$${REDACTED}"},"b":[1,"x",{"password":"p"}],"a":"token: ${REDACTED}"}`,
    );
  });
});

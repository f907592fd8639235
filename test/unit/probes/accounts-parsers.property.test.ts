/**
 * Property tests for the account parsers (passwd, shadow, group) and the login.defs
 * lookup the accounts probe uses: random and mutated input never throws, every entry is
 * well-formed, and line numbers point into the input.
 */
import fc from "fast-check";
import { mutated } from "../../helpers/fuzz.js";
import { describe, expect, it } from "vitest";
import { hashAlgorithm, parseGroupEntries, parsePasswdEntries, parseShadowEntries, passwordState } from "../../../src/probes/parse/accounts.js";
import { lookupSpace, parseSpaceKeyValue } from "../../../src/probes/parse/key-value.js";

const RUNS = { numRuns: 300 };

const SAMPLES = {
  passwd: "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n+::::::\nalice:x:1000:1000::/home/alice:\n",
  shadow: "root:$6$salt$hash:19000:0:99999:7:::\ndaemon:*:19000::::::\nalice::19000::::::\n",
  group: "root:x:0:\nadm:x:4:syslog,alice\n",
  loginDefs: "# c\nUID_MIN 1000\nPASS_MAX_DAYS\t90\nUMASK 022\n",
};

/** Colon-separated records of short tokens, the shape of these files. */
const colonLines = fc
  .array(fc.array(fc.oneof(fc.constantFrom("root", "x", "0", "1000", "", "/bin/sh", "+", "-", "!", "$6$a$b", "#"), fc.string({ maxLength: 6 })), { maxLength: 9 }), { maxLength: 12 })
  .map((rows) => rows.map((r) => r.join(":")).join("\n"));

const inputs = (sample: string) => fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), mutated(sample), colonLines);
const lineCount = (text: string) => text.split("\n").length;

describe("account parsers never throw and give well-formed entries", () => {
  it("passwd", () => {
    fc.assert(fc.property(inputs(SAMPLES.passwd), (text) => {
      const { entries, problems } = parsePasswdEntries(text);
      const n = lineCount(text);
      // Plain booleans, not expect() per entry: fast-check runs this hundreds of times.
      const ok = entries.every((e) =>
        e.name !== "" && !e.name.startsWith("+") && !e.name.startsWith("-") &&
        Number.isInteger(e.uid) && e.uid >= 0 && Number.isInteger(e.gid) && e.gid >= 0 && e.line >= 1 && e.line <= n);
      return ok && problems.every((p) => p.line >= 1 && p.line <= n);
    }), RUNS);
  });

  it("shadow: states and algorithms are from the closed sets", () => {
    fc.assert(fc.property(inputs(SAMPLES.shadow), (text) => {
      const { entries, problems } = parseShadowEntries(text);
      for (const e of entries) {
        expect(e.name).not.toBe("");
        expect(["locked", "empty", "hash"]).toContain(passwordState(e.hash));
        const alg = hashAlgorithm(e.hash);
        expect(alg === undefined || /^(md5|bcrypt|sha256|sha512|scrypt|yescrypt|gost-yescrypt|sha1crypt|sunmd5|des|unknown \(.*\))$/s.test(alg)).toBe(true);
        expect(e.line).toBeLessThanOrEqual(lineCount(text));
      }
      for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
    }), RUNS);
  });

  it("group", () => {
    fc.assert(fc.property(inputs(SAMPLES.group), (text) => {
      const { entries } = parseGroupEntries(text);
      for (const e of entries) {
        expect(e.name).not.toBe("");
        expect(e.members.every((m) => m !== "" && m === m.trim())).toBe(true);
        expect(e.line).toBeLessThanOrEqual(lineCount(text));
      }
    }), RUNS);
  });

  it("login.defs lookups never throw and return a line inside the file", () => {
    fc.assert(fc.property(inputs(SAMPLES.loginDefs), fc.constantFrom("UID_MIN", "PASS_MAX_DAYS", "UMASK"), (text, key) => {
      const hit = lookupSpace(parseSpaceKeyValue(text).entries, key);
      if (hit) expect(hit.line).toBeLessThanOrEqual(lineCount(text));
    }), RUNS);
  });

  it("a valid passwd round-trips: every record written is parsed back", () => {
    const user = fc.record({
      name: fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/),
      uid: fc.nat({ max: 4_000_000 }),
      gid: fc.nat({ max: 4_000_000 }),
      home: fc.stringMatching(/^\/[a-z0-9/]{0,20}$/),
      shell: fc.constantFrom("/bin/bash", "/usr/sbin/nologin", ""),
    });
    fc.assert(fc.property(fc.array(user, { maxLength: 20 }), (users) => {
      const text = users.map((u) => `${u.name}:x:${u.uid}:${u.gid}::${u.home}:${u.shell}`).join("\n");
      const { entries, problems } = parsePasswdEntries(text);
      expect(problems).toEqual([]);
      expect(entries.map(({ name, uid, gid, home, shell }) => ({ name, uid, gid, home, shell }))).toEqual(users);
    }), RUNS);
  });
});

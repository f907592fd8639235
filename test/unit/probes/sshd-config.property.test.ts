/**
 * Property tests for the sshd_config parser: random and mutated input never throws;
 * first-value-wins and Match exclusion hold for generated configurations.
 */
import fc from "fast-check";
import { mutated } from "../../helpers/fuzz.js";
import { describe, expect, it } from "vitest";
import { effectiveSshdConfig, expandSshdConfig, parseSshdConfig, ACCUMULATING } from "../../../src/probes/parse/sshd-config.js";

const RUNS = { numRuns: 200 };
const SAMPLE = 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nCiphers -aes128-cbc\nBanner "/etc/issue net"\nMatch User x\n  X11Forwarding yes\nMatch all\nMaxAuthTries=3 # c\n';

const KEYWORDS = ["PermitRootLogin", "maxauthtries", "LOGLEVEL", "Ciphers", "AllowUsers", "Banner", "UsePAM"];
const word = fc.stringMatching(/^[a-z0-9@:.,+-]{1,8}$/);
const directive = fc.record({ key: fc.constantFrom(...KEYWORDS), args: fc.array(word, { minLength: 1, maxLength: 3 }), sep: fc.constantFrom(" ", "\t", "=", " = ") });
const block = fc.record({ match: fc.constantFrom(null, "User bob", "Address 10.0.0.0/8", "all"), lines: fc.array(directive, { maxLength: 5 }) });

describe("sshd_config parser properties", () => {
  it("never throws on any text; lines are within the file", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), mutated(SAMPLE)), (text) => {
        const r = parseSshdConfig(text);
        const max = text.split("\n").length;
        for (const l of [...r.lines, ...r.problems]) expect(l.line >= 1 && l.line <= max).toBe(true);
        for (const l of r.lines) {
          expect(l.keyword).toBe(l.keyword.toLowerCase());
          expect(l.args.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it("the effective value is the first global occurrence; Match blocks never contribute", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(block, { maxLength: 5 }), async (blocks) => {
        const text = blocks
          .map((b) => [b.match ? `Match ${b.match}` : "", ...b.lines.map((d) => `${d.key}${d.sep}${d.args.join(" ")}`)].join("\n"))
          .join("\n");
        const x = await expandSshdConfig("/etc/ssh/sshd_config", { read: async () => text, glob: async () => [] });
        const eff = effectiveSshdConfig(x.directives);
        // Model: a Match line switches the state until the next one; only `Match all` is global.
        const firstGlobal = new Map<string, string[]>();
        let active = true;
        for (const b of blocks) {
          if (b.match !== null) active = b.match === "all";
          if (!active) continue;
          for (const d of b.lines) {
            const k = d.key.toLowerCase();
            if (ACCUMULATING.has(k)) firstGlobal.set(k, [...(firstGlobal.get(k) ?? []), ...d.args]);
            else if (!firstGlobal.has(k)) firstGlobal.set(k, d.args);
          }
        }
        for (const k of KEYWORDS.map((s) => s.toLowerCase())) {
          const want = firstGlobal.get(k);
          const got = eff.get(k);
          if (!want) {
            expect(got === undefined || got.source === "default").toBe(true);
            continue;
          }
          expect(got?.source).toBe("file");
          if (k === "allowusers") expect(got?.values).toEqual(want);
          // Normalised values keep what was written in `raw`.
          else expect(got?.raw ?? got?.value).toBe(want.join(" "));
        }
      }),
      RUNS,
    );
  });
});

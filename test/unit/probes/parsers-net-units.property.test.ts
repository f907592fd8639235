import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIPv6Hex, parseProcNet, type ProcNetProtocol } from "../../../src/probes/parse/proc-net.js";
import { mergeUnitSections, parseUnitFile } from "../../../src/probes/parse/unit-file.js";

const RUNS = { numRuns: 200 };
const PROTOCOLS: ProcNetProtocol[] = ["tcp", "tcp6", "udp", "udp6"];

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, "0");
/** Bytes → the kernel's printing: each 4-byte word as a little-endian %08X. */
const wordsHex = (bytes: readonly number[]): string => {
  let out = "";
  for (let w = 0; w < bytes.length; w += 4) {
    const word = bytes.slice(w, w + 4);
    out += [...word].reverse().map((b) => hex(b, 2)).join("");
  }
  return out;
};

const VALID_TABLE = [
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 000000004caa4e6a 100 0 0 10 0",
  "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6666 1 0000000000000000 100 0 0 10 0",
  "   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 7777 1 0000000000000000 20 4 30 10 -1",
  "",
].join("\n");

function checkParse(text: string, protocol: ProcNetProtocol): void {
  const lineCount = text.split("\n").length;
  const r = parseProcNet(text, protocol);
  for (const s of r.sockets) {
    expect(s.localPort).toBeGreaterThanOrEqual(0);
    expect(s.localPort).toBeLessThanOrEqual(0xffff);
    expect(Number.isSafeInteger(s.inode)).toBe(true);
    expect(s.line).toBeGreaterThanOrEqual(1);
    expect(s.line).toBeLessThanOrEqual(lineCount);
  }
  for (const p of r.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lineCount);
    expect(typeof p.message).toBe("string");
  }
}

describe("parseProcNet properties", () => {
  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.constantFrom(...PROTOCOLS), (text, protocol) => {
        checkParse(text, protocol);
      }),
      RUNS,
    );
  });

  it("never throws on mutated valid tables", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), ch: fc.constantFrom(" ", ":", "\n", "G", "0", "\t", "\0", "-") }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.constantFrom(...PROTOCOLS), (muts, protocol) => {
        let t = VALID_TABLE;
        for (const m of muts) {
          const at = t.length === 0 ? 0 : m.at % t.length;
          if (m.kind === "delete") t = t.slice(0, at) + t.slice(at + m.len);
          else if (m.kind === "insert") t = t.slice(0, at) + m.text + t.slice(at);
          else t = t.slice(0, at) + m.ch + t.slice(at + 1);
        }
        checkParse(t, protocol);
      }),
      RUNS,
    );
  });

  it("reads back generated IPv4 and IPv6 rows exactly", () => {
    const row = (v6: boolean) =>
      fc.record({
        local: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: v6 ? 16 : 4, maxLength: v6 ? 16 : 4 }),
        localPort: fc.integer({ min: 0, max: 0xffff }),
        remPort: fc.integer({ min: 0, max: 0xffff }),
        state: fc.integer({ min: 1, max: 12 }),
        uid: fc.integer({ min: 0, max: 2 ** 31 }),
        inode: fc.integer({ min: 0, max: 2 ** 40 }),
      });
    for (const v6 of [false, true]) {
      fc.assert(
        fc.property(fc.array(row(v6), { maxLength: 8 }), (rows) => {
          const zero = v6 ? "0".repeat(32) : "00000000";
          const lines = ["  sl  local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode"];
          rows.forEach((r, i) =>
            lines.push(
              `  ${i}: ${wordsHex(r.local)}:${hex(r.localPort, 4)} ${zero}:${hex(r.remPort, 4)} ${hex(r.state, 2)} 00000000:00000000 00:00000000 00000000 ${r.uid} 0 ${r.inode} 1 0000000000000000`,
            ),
          );
          const parsed = parseProcNet(lines.join("\n"), v6 ? "tcp6" : "tcp");
          expect(parsed.problems).toEqual([]);
          expect(parsed.sockets.map((s) => [s.localPort, s.remPort, s.state, s.uid, s.inode])).toEqual(
            rows.map((r) => [r.localPort, r.remPort, hex(r.state, 2), r.uid, r.inode]),
          );
          parsed.sockets.forEach((s, i) => {
            const bytes = (rows[i] as { local: number[] }).local;
            if (!v6) expect(s.localAddress).toBe(bytes.join("."));
          });
        }),
        RUNS,
      );
    }
  });

  it("prints IPv6 like the WHATWG URL serializer (RFC 5952), v4-mapped in dotted form", () => {
    // Bias towards zero runs so compression is exercised.
    const byte = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { minLength: 16, maxLength: 16 }), (bytes) => {
        const text = decodeIPv6Hex(wordsHex(bytes));
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
        const expected = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
        const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
        if (mapped) expect(text).toBe(`::ffff:${bytes.slice(12).join(".")}`);
        else expect(text).toBe(expected);
      }),
      RUNS,
    );
  });
});

describe("parseUnitFile properties", () => {
  it("never throws on random text, and problem lines are in range", () => {
    const alphabet = fc.constantFrom("[", "]", "=", "\\", "#", ";", "\n", "\r", " ", "a", "B", "_", "0", "\t");
    const textArb = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc.array(alphabet, { maxLength: 200 }).map((a) => a.join("")),
    );
    fc.assert(
      fc.property(textArb, (text) => {
        const n = text.split("\n").length;
        const p = parseUnitFile(text, "/f.service");
        for (const pr of p.problems) {
          expect(pr.line).toBeGreaterThanOrEqual(1);
          expect(pr.line).toBeLessThanOrEqual(n);
        }
        for (const list of Object.values(p.sections)) {
          for (const d of list) {
            expect(d.key).not.toBe("");
            expect(d.key).not.toContain("=");
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(n);
          }
        }
        mergeUnitSections([p, p]);
      }),
      RUNS,
    );
  });

  const ident = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9/$ .:=-]{0,20}$/).map((v) => v.trim());
  const model = fc.array(
    fc.record({ name: ident, directives: fc.array(fc.record({ key: ident, value }), { maxLength: 6 }) }),
    { maxLength: 5 },
  );

  it("reads back generated unit files, including wrapped lines and comments", () => {
    fc.assert(
      fc.property(model, fc.boolean(), (sections, wrap) => {
        const lines: string[] = ["# generated"];
        const expected: Record<string, Array<{ key: string; value: string }>> = Object.create(null);
        for (const s of sections) {
          lines.push(`[${s.name}]`, "; comment");
          expected[s.name] ??= [];
          for (const d of s.directives) {
            const sp = d.value.indexOf(" ");
            if (wrap && sp > 0) {
              // `a b` written as `a\` + `b`: the backslash becomes a space.
              lines.push(`${d.key}=${d.value.slice(0, sp)}\\`, "# inside", d.value.slice(sp + 1));
              expected[s.name]?.push({ key: d.key, value: `${d.value.slice(0, sp)} ${d.value.slice(sp + 1)}`.trim() });
            } else {
              lines.push(`${d.key} = ${d.value}`);
              expected[s.name]?.push({ key: d.key, value: d.value });
            }
          }
        }
        const p = parseUnitFile(lines.join("\n"), "/u.service");
        expect(p.problems).toEqual([]);
        const got: Record<string, Array<{ key: string; value: string }>> = Object.create(null);
        for (const [name, list] of Object.entries(p.sections)) got[name] = list.map((d) => ({ key: d.key, value: d.value }));
        expect(got).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("an empty assignment in a later file leaves only the values after it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 5 }),
        fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 5 }),
        (before, after) => {
          const a = parseUnitFile(`[Service]\n${before.map((v) => `ExecStart=${v}`).join("\n")}\nUser=x\n`, "/a");
          const b = parseUnitFile(`[Service]\nExecStart=\n${after.map((v) => `ExecStart=${v}`).join("\n")}\n`, "/b");
          const merged = mergeUnitSections([a, b]);
          const svc = merged["Service"] ?? [];
          expect(svc.filter((d) => d.key === "ExecStart").map((d) => d.value)).toEqual(after);
          expect(svc.filter((d) => d.key === "ExecStart").every((d) => d.file === "/b")).toBe(true);
          expect(svc.find((d) => d.key === "User")?.value).toBe("x");
        },
      ),
      RUNS,
    );
  });
});

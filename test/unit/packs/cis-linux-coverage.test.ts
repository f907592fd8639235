/**
 * Issue 15's coverage acceptance, computed from the packs as `checks list --format json` sees
 * them: for each OS pack, the Level 1 recommendations present (distinct `references.cis`), how
 * many of them are automated, against the benchmark's own Level 1 Server list
 * (cis-level1-server.ts) — ≥ 95 % present, ≥ 80 % of those automated — and
 * docs/cis-linux-coverage.md's table says exactly these numbers.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPacks, type LoadedCheck } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { LEVEL1_SERVER } from "./cis-level1-server.js";

const OS_PACKS = ["cis-debian-12", "cis-ubuntu-22.04", "cis-ubuntu-24.04", "cis-rhel-9"] as const;
const DOC = path.resolve(DEFAULT_BENCHMARKS_DIR, "../docs/cis-linux-coverage.md");

interface Coverage {
  level1: string[];
  automated: string[];
  level2: string[];
}

/** A recommendation is Level 1 when one of its checks is, automated when one of them is not manual. */
function coverage(checks: readonly LoadedCheck[]): Coverage {
  const byRec = new Map<string, LoadedCheck[]>();
  for (const c of checks) {
    const rec = c.references.cis;
    if (typeof rec !== "string") continue;
    byRec.set(rec, [...(byRec.get(rec) ?? []), c]);
  }
  const level1 = [...byRec].filter(([, cs]) => cs.some((c) => (c.level ?? 1) === 1)).map(([r]) => r);
  const automated = level1.filter((r) => byRec.get(r)?.some((c) => !c.manual));
  const level2 = [...byRec].filter(([, cs]) => cs.every((c) => c.level === 2)).map(([r]) => r);
  return { level1, automated, level2 };
}

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)} %`;

describe("CIS Linux coverage (issue 15 acceptance) and docs/cis-linux-coverage.md", () => {
  const cov = new Map<string, Coverage>();
  let doc = "";

  beforeAll(async () => {
    const { packs, errors } = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    expect(errors).toEqual([]);
    for (const id of OS_PACKS) {
      const pack = packs.find((p) => p.meta.id === id);
      if (!pack) throw new Error(`pack ${id} not loaded`);
      cov.set(id, coverage(pack.checks));
    }
    doc = await readFile(DOC, "utf8");
    // Loading every pack takes seconds on a loaded 2-core machine: not a timing assertion.
  }, 120_000);

  it("the FTP items (CIS 2.1.x ftp server, 2.2.x ftp client) name KISA 2026 U-54 beside 2021 U-61 in every OS pack", async () => {
    const { packs } = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const ftp = packs.filter((p) => (OS_PACKS as readonly string[]).includes(p.meta.id)).flatMap((p) => p.checks.filter((c) => /\bftp (server|client)/.test(c.title)));
    // Debian 12 and Ubuntu 24.04: server and client (and tnftp); Ubuntu 22.04 and RHEL 9: server and client.
    expect(ftp.map((c) => c.key).sort()).toEqual([
      "cis-debian-12/2.1.6", "cis-debian-12/2.2.6", "cis-debian-12/2.2.6-tnftp",
      "cis-rhel-9/2.1.7", "cis-rhel-9/2.2.1",
      "cis-ubuntu-22.04/2.1.6", "cis-ubuntu-22.04/2.2.6",
      "cis-ubuntu-24.04/2.1.6", "cis-ubuntu-24.04/2.2.6", "cis-ubuntu-24.04/2.2.6-tnftp",
    ]);
    for (const c of ftp) expect(c.references.kisa, c.key).toEqual([{ edition: 2021, id: "U-61" }, { edition: 2026, id: "U-54" }]);
  }, 120_000);

  for (const id of OS_PACKS) {
    const list = LEVEL1_SERVER[id];
    if (list) {
      it(`${id}: every Level 1 recommendation carries a Level 1 Server number of the benchmark; ≥ 95 % present, ≥ 80 % automated`, () => {
        const c = cov.get(id) as Coverage;
        const bench = new Set(list);
        const extra = c.level1.filter((r) => !bench.has(r));
        expect(extra, `${id}: Level 1 in the pack but not a Level 1 Server number of the benchmark`).toEqual([]);
        const present = list.filter((r) => c.level1.includes(r));
        expect(present.length / list.length, `${id}: missing ${list.filter((r) => !c.level1.includes(r)).join(", ")}`).toBeGreaterThanOrEqual(0.95);
        expect(c.automated.length / c.level1.length).toBeGreaterThanOrEqual(0.8);
      });
    }

    it(`${id}: docs/cis-linux-coverage.md states the pack's figures`, () => {
      const c = cov.get(id) as Coverage;
      const row = doc.split("\n").find((l) => l.startsWith(`| ${id} |`));
      expect(row, `no row for ${id} in the table`).toBeDefined();
      const cells = (row ?? "").split("|").slice(1, -1).map((s) => s.trim());
      const total = list ? String(list.length) : "not counted";
      const present = list ? pct(list.filter((r) => c.level1.includes(r)).length, list.length) : "—";
      expect(cells).toEqual([
        id,
        String(c.level1.length),
        String(c.automated.length),
        String(c.level2.length),
        total,
        present,
        pct(c.automated.length, c.level1.length),
      ]);
    });
  }
});

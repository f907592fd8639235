/**
 * The table-driven runner shared by the CIS Linux pack tests: every case of
 * linuxCases(distro) runs its check on its own fixture root; every automated check of the
 * pack has at least one passing and one failing case; manual-only checks are `manual`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadShippedPacks, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { LIVE_ONLY, MANUAL_ONLY, base, dpkg, linuxCases, type Distro } from "./cis-linux-cases.js";

export function describeLinuxPack(pack: string, distro: Distro): void {
  afterAll(cleanupFixtures);
  const cases = linuxCases(distro);

  describe(`${pack}: every check`, () => {
    it.each(cases.map((c) => [`${c.id} — ${c.label} → ${c.want.status}`, c] as const))("%s", async (_name, c) => {
      const spec = c.pkgs ? { "var/lib/dpkg/status": dpkg(...c.pkgs), ...c.spec } : c.spec;
      const r = await runCheckOn(`${pack}/${c.id}`, base(distro, spec), { ...(c.proc ? { proc: "proc" } : {}), ...(c.vars ? { vars: c.vars } : {}) });
      expect({ status: r.status, message: r.message }).toMatchObject(
        c.want.message !== undefined || c.want.status === "pass" ? { status: c.want.status, message: c.want.message } : { status: c.want.status },
      );
      if (c.want.evidence) expect(r.evidence).toEqual(c.want.evidence);
    });

    it.each(MANUAL_ONLY[distro])("%s is manual", async (id) => {
      const r = await runCheckOn(`${pack}/${id}`, base(distro));
      expect(r.status).toBe("manual");
    });

    it("covers every automated check with a pass and a fail case", async () => {
      const loaded = await loadShippedPacks();
      const checks = loaded.packs.find((p) => p.meta.id === pack)?.checks ?? [];
      expect(checks.length).toBeGreaterThan(50);
      const missing: string[] = [];
      for (const c of checks) {
        if (c.manual) {
          if (!MANUAL_ONLY[distro].includes(c.id) && !cases.some((x) => x.id === c.id && x.want.status === "manual")) missing.push(`${c.id}: manual`);
          continue;
        }
        // A check judged only on the live host: skip offline and error on a mounted host here, its pass and fail in the probe's test.
        const want = c.id in LIVE_ONLY[distro] ? (["skip", "error"] as const) : (["pass", "fail"] as const);
        for (const s of want) if (!cases.some((x) => x.id === c.id && x.want.status === s)) missing.push(`${c.id}: ${s}`);
      }
      expect(missing).toEqual([]);
      // And no case names a check the pack does not have.
      expect(cases.map((c) => c.id).filter((id) => !checks.some((c) => c.id === id))).toEqual([]);
    });

    it("skips on another OS, runs where os-release is missing", async () => {
      const others: Record<Distro, string[]> = {
        debian: ['ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n'],
        "ubuntu-22.04": ["ID=debian\n", 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n', 'ID=ubuntu\nVERSION_ID="20.04"\n'],
        "ubuntu-24.04": ["ID=debian\n", 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n', "ID=ubuntu\n"],
      };
      for (const other of others[distro]) {
        expect((await runCheckOn(`${pack}/7.1.1`, { ...base(distro), "etc/os-release": other })).status, other).toBe("skip");
      }
      expect((await runCheckOn(`${pack}/7.1.1`, { ...base(distro), "etc/os-release": 'ID="rhel"\nID_LIKE="fedora"\n' })).status).toBe("skip");
      const spec = base(distro);
      delete spec["etc/os-release"];
      expect((await runCheckOn(`${pack}/2.2.2`, spec)).status).toBe("pass");
    });
  });
}

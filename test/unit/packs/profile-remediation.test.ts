/**
 * Under a profile that replaces a check's expectation, the human remediation text follows
 * the profile (its own text), or the pack's text is withheld with the reason: it never
 * says "set ip_forward to 0" beside a profile that requires 1.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSelection } from "../../../src/packs/selection.js";
import { cleanupPackDirs, PACK_META, packDir } from "../../helpers/inline-pack.js";

afterAll(cleanupPackDirs);

describe("profile remediation text", () => {
  it("kubernetes-node: 3.3.1's remediation sets forwarding to 1, never the benchmark's 0", async () => {
    const s = await loadSelection({ profile: "kubernetes-node" });
    const check = s.packs.flatMap((p) => p.checks).find((c) => c.key === "cis-debian-12/3.3.1");
    expect(check?.tailoring?.exclude).toBe(false);
    expect(check?.remediation).toBe(
      "printf 'net.ipv4.ip_forward = 1\\n' > /etc/sysctl.d/k8s.conf && sysctl -w net.ipv4.ip_forward=1\nRemove any other file under /etc/sysctl.d or /etc/sysctl.conf that sets it to 0.",
    );
    expect(check?.remediation).not.toMatch(/ip_forward ?= ?0\b|ip_forward=0/);
    // Every expectation the profile replaces carries the profile's own text.
    const replaced = s.packs.flatMap((p) => p.checks).filter((c) => c.tailoring && !c.tailoring.exclude);
    expect(replaced.length).toBeGreaterThan(0);
    for (const c of replaced) expect(c.remediation, c.key).not.toMatch(/^Not the benchmark's remediation/);
  });

  it("kubernetes-node: an excluded check carries neither the pack's text nor its fix (1.1.1.6 would blacklist overlay)", async () => {
    const s = await loadSelection({ profile: "kubernetes-node" });
    const plain = await loadSelection({});
    const find = (sel: typeof s, key: string) => sel.packs.flatMap((p) => p.checks).find((c) => c.key === key);
    expect(find(plain, "cis-debian-12/1.1.1.6")?.remediation).toContain("blacklist overlay");
    const overlay = find(s, "cis-debian-12/1.1.1.6");
    expect(overlay?.tailoring?.exclude).toBe(true);
    expect(overlay?.remediation).toBeUndefined();
    expect(overlay?.fix).toBeUndefined();
    const excluded = s.packs.flatMap((p) => p.checks).filter((c) => c.tailoring?.exclude);
    expect(excluded.length).toBeGreaterThan(0);
    for (const c of excluded) expect([c.key, c.remediation, c.fix]).toEqual([c.key, undefined, undefined]);
  });

  it("a rule without its own text withholds the pack's, with the reason and the expected value", async () => {
    const dir = await packDir({
      "p/pack.yaml": `${PACK_META.replace("id: t", "id: p")}checks:
  - id: fwd
    title: forwarding off
    severity: medium
    audit: { probe: sysctl, params: { key: net.ipv4.ip_forward }, expect: { runtime: 0 } }
    remediation: sysctl -w net.ipv4.ip_forward=0
`,
      "profiles/prof.yaml": `profile: { id: k, title: K }
tailor:
  - check: p/fwd
    reason: Kubernetes needs forwarding
    expect: { runtime: 1 }
`,
    });
    const s = await loadSelection({ paths: [dir], profile: path.join(dir, "profiles/prof.yaml") });
    expect(s.errors).toEqual([]);
    const c = s.packs[0]!.checks[0]!;
    expect(c.remediation).toBe(
      "Not the benchmark's remediation: profile k expects runtime = 1 here (Kubernetes needs forwarding). The benchmark's steps would undo that; bring the setting to the expected value by hand.",
    );
  });
});

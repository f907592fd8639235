/**
 * Acceptance, with a real EACCES (not a simulated one): the CLI run as nobody over a
 * kubeadm node whose kubelet drop-in, kubeadm-flags.env and config are root-only (0600).
 * cis-kubernetes-node 4.2.6 passed here on the kubelet default while its evidence showed
 * EACCES on the drop-in; now it is an error naming what could not be read, and the scan
 * exits 1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunAsNobody, cleanupNobodyRoots, nobodyRoot, scanAsNobody } from "../../helpers/as-nobody.js";
import { ensureCliBuilt } from "../../helpers/cli.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";

describe("kubelet facts a non-root scan cannot read are errors (CLI as nobody)", () => {
  beforeAll(async () => {
    if (canRunAsNobody) await ensureCliBuilt();
  }, 120_000);
  afterAll(cleanupNobodyRoots);

  it.runIf(canRunAsNobody)("4.2.6 and 4.2.1: error naming the unreadable drop-in; the report still names the distribution", { timeout: 60_000 }, async () => {
    const root = await nobodyRoot(kubeadmNode());
    const { report, code } = await scanAsNobody(["--root", root, "--check", "cis-kubernetes-node/4.2.6", "--check", "cis-kubernetes-node/4.2.1"]);
    const dropIn = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf: cannot read drop-in: EACCES: permission denied";
    for (const res of report.results) {
      expect({ id: res.id, status: res.status }).toEqual({ id: res.id, status: "error" });
      expect(res.message).toContain(dropIn);
    }
    expect(report.results.map((x) => x.id)).toEqual(["4.2.1", "4.2.6"]);
    expect(report.kubernetes?.distribution).toBe("kubeadm");
    expect(code).toBe(1);
  });
});

/**
 * Acceptance, with a real EACCES (not a simulated one): the CLI run as nobody over a
 * kubeadm node whose kubelet drop-in, kubeadm-flags.env and config are root-only (0600).
 * cis-kubernetes-node 4.2.6 passed here on the kubelet default while its evidence showed
 * EACCES on the drop-in; now it is an error naming what could not be read, and the scan
 * exits 1.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/engine/result.js";
import { addToRoot } from "../../helpers/fixture-root.js";
import { ensureCliBuilt, runCli } from "../../helpers/cli.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";

describe("kubelet facts a non-root scan cannot read are errors (CLI as nobody)", () => {
  const asRoot = process.getuid?.() === 0;
  let base: string;
  beforeAll(async () => {
    if (asRoot) await ensureCliBuilt();
  }, 120_000);
  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it.runIf(asRoot)("4.2.6 and 4.2.1: error naming the unreadable drop-in; the report still names the distribution", { timeout: 60_000 }, async () => {
    base = await mkdtemp(path.join(tmpdir(), "nodeward-nobody-kubelet-"));
    const root = path.join(base, "root");
    await addToRoot(root, kubeadmNode());
    for (const d of [base, root]) await chmod(d, 0o755);
    const r = await runCli(["scan", "--root", root, "--check", "cis-kubernetes-node/4.2.6", "--check", "cis-kubernetes-node/4.2.1", "--format", "json"], { asUser: "nobody" });
    const report = JSON.parse(r.stdout) as ScanReport;
    const dropIn = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf: cannot read drop-in: EACCES: permission denied";
    for (const res of report.results) {
      expect({ id: res.id, status: res.status }).toEqual({ id: res.id, status: "error" });
      expect(res.message).toContain(dropIn);
    }
    expect(report.results.map((x) => x.id)).toEqual(["4.2.1", "4.2.6"]);
    expect(report.kubernetes?.distribution).toBe("kubeadm");
    expect(r.code).toBe(1);
  });
});

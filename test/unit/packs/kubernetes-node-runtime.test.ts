/**
 * kubernetes-node-runtime: AppArmor and seccomp on every node, pass and fail fixtures,
 * and the skips (RHEL family, offline root, AppArmor off, no kubelet).
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { BENCHMARKS_DIR, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import { kubeadmNode, expectPassThenViolation } from "../../helpers/kubeadm-node.js";

afterAll(cleanupFixtures);

const PACK = "kubernetes-node-runtime";
const packsDir = path.join(BENCHMARKS_DIR, PACK);
const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${PACK}/${id}`, spec, { packsDir });

describe("kubernetes-node-runtime", () => {
  it.each([
    ["NW-K8S-3", { file: "/sys/module/apparmor/parameters/enabled" }],
    ["NW-K8S-4", { file: "/sys/kernel/security/apparmor/profiles" }],
    ["NW-K8S-5", { file: "/var/lib/kubelet/config.yaml", key: "seccompDefault" }],
  ])("%s passes on the compliant node and fails with its violation", async (id, evidence) => {
    await expectPassThenViolation(run, PACK, id, evidence);
  });

  it("NW-K8S-3 fails on a kernel without AppArmor (like this build machine); NW-K8S-4 then skips", async () => {
    const spec = kubeadmNode({
      omit: ["sys/module/apparmor/parameters/enabled", "sys/kernel/security/apparmor/profiles"],
      files: { "sys/kernel/security": { dir: true } },
    });
    const r = await run("NW-K8S-3", spec);
    expect(r.status).toBe("fail");
    expect(r.message).toBe("exists is false, expected true; matched is false, expected true");
    const p = await run("NW-K8S-4", spec);
    expect(p.status).toBe("skip");
    expect(p.message).toBe("AppArmor is not enabled (see NW-K8S-3)");
  });

  it("AppArmor checks skip on RHEL-family nodes and on an offline root", async () => {
    const rhel = kubeadmNode({ files: { "etc/os-release": 'ID="rocky"\nID_LIKE="rhel centos fedora"\n' } });
    expect((await run("NW-K8S-3", rhel)).message).toBe(
      "AppArmor is the security module of Debian, Ubuntu and SUSE; RHEL-family nodes use SELinux",
    );
    const offline = kubeadmNode();
    for (const k of Object.keys(offline)) if (k.startsWith("sys/")) delete offline[k];
    const r = await run("NW-K8S-4", offline);
    expect(r.status).toBe("skip");
    expect(r.message).toBe("no sysfs under this root (an offline root); AppArmor's state exists only at runtime");
  });

  it("NW-K8S-5 fails when seccompDefault is unset (kubelet default false) and skips without a kubelet", async () => {
    const r = await run("NW-K8S-5", kubeadmNode({ kubeletConfig: { seccompDefault: null } }));
    expect(r.status).toBe("fail");
    expect(r.evidence).toContainEqual(expect.objectContaining({ key: "seccompDefault", detail: "not set; kubelet default (with --config)" }));
    expect((await run("NW-K8S-5", { "etc/os-release": "ID=debian\n" })).status).toBe("skip");
  });
});

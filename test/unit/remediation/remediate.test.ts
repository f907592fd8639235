import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { rollbackRun } from "../../../src/remediation/rollback.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { failingNode, fixChecks, treeHash } from "./helpers.js";

afterAll(cleanupFixtures);

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "nodeward-state-"));
  return () => rm(stateDir, { recursive: true, force: true });
});

describe("remediate on an offline kubeadm + Debian root", () => {
  it("dry run changes no byte, and plans every starter fix (live-only ones skipped)", async () => {
    const root = await fixtureRoot(failingNode());
    const before = await treeHash(root);
    const host = new HostRoot({ root });
    const checks = await fixChecks();
    expect(checks.map((c) => c.key).sort()).toHaveLength(7);
    const plan = await planRemediation({ host, checks });
    expect(await treeHash(root)).toBe(before);
    const byKey = Object.fromEntries(plan.fixes.map((f) => [f.check.key, f]));
    expect(Object.keys(byKey).sort()).toEqual([
      "cis-debian-12/1.1.1.1", "cis-debian-12/2.1.2", "cis-debian-12/2.2.4", "cis-debian-12/3.3.5",
      "cis-debian-12/7.1.5", "cis-kubernetes-node/4.1.9", "cis-kubernetes-node/4.2.1",
    ]);
    for (const f of plan.fixes) expect(f.error, f.check.key).toBeUndefined();
    expect(byKey["cis-debian-12/7.1.5"]?.changes).toEqual([{ kind: "chmod", path: "/etc/shadow", from: 0o644, to: 0o640 }]);
    expect(byKey["cis-debian-12/2.2.4"]?.changes).toEqual([]);
    expect(byKey["cis-debian-12/2.2.4"]?.skipped[0]?.reason).toMatch(/live host/);
    expect(byKey["cis-kubernetes-node/4.2.1"]?.needs).toBe("kubelet-restart");
    // 4.2.1 edits the file 4.1.9 chmods: it sees the planned mode through the overlay.
    const w = byKey["cis-kubernetes-node/4.2.1"]?.changes[0];
    expect(w?.kind === "write-file" && w.before?.mode).toBe(0o600);
    expect(w?.kind === "write-file" && w.after.content).toContain("enabled: false # insecure default from an old template");
  });

  it("apply turns the failures into passes, a second apply changes nothing, rollback restores the tree hash", async () => {
    const root = await fixtureRoot(failingNode());
    const original = await treeHash(root);
    const host = new HostRoot({ root });
    const checks = await fixChecks();
    const store = new RunStore(stateDir);

    const progress: number[] = [];
    const result = await applyPlan({ plan: await planRemediation({ host, checks }), store, onProgress: (p) => progress.push(p.done) });
    expect(result.status).toBe("complete");
    expect(progress.at(-1)).toBeGreaterThan(5);
    const rescan = Object.fromEntries(result.rescan.map((r) => [`${r.pack}/${r.id}`, r.status]));
    expect(rescan).toEqual({
      "cis-debian-12/7.1.5": "pass",
      "cis-debian-12/1.1.1.1": "pass",
      "cis-debian-12/3.3.5": "pass",
      "cis-debian-12/2.1.2": "pass",
      "cis-kubernetes-node/4.1.9": "pass",
      "cis-kubernetes-node/4.2.1": "pass",
    });
    // Layout kept: the comment on the YAML key, the other sysctl lines, the new files.
    expect(await readFile(path.join(root, "var/lib/kubelet/config.yaml"), "utf8")).toBe(
      (await import("./helpers.js")).KUBELET_CONFIG.replace("enabled: true # insecure", "enabled: false # insecure"),
    );
    expect((await stat(path.join(root, "var/lib/kubelet/config.yaml"))).mode & 0o7777).toBe(0o600);
    expect(await readFile(path.join(root, "etc/sysctl.conf"), "utf8")).toContain("net.ipv4.ip_forward = 1\n# net.ipv4.conf.all.accept_redirects = 1");
    expect(await readFile(path.join(root, "etc/sysctl.d/60-nodeward.conf"), "utf8")).toContain("net.ipv4.conf.all.accept_redirects = 0\n");
    expect(await readFile(path.join(root, "etc/modprobe.d/nodeward-cramfs.conf"), "utf8")).toContain("install cramfs /bin/false\nblacklist cramfs\n");
    const afterApply = await treeHash(root);
    // 7.1.5 changed /etc/shadow's mode: its backup is the mode and owner, not the hashes.
    const runFiles = (await readdir(stateDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(runFiles.length).toBeGreaterThan(0);
    for (const e of runFiles) expect(await readFile(path.join(e.parentPath, e.name), "utf8"), e.name).not.toContain("root:*:19000");

    // Idempotent: nothing left to do, no run recorded, not a byte changed.
    const again = await applyPlan({ plan: await planRemediation({ host, checks }), store });
    expect(again.status).toBe("nothing-to-do");
    expect(await treeHash(root)).toBe(afterApply);
    expect(await store.list()).toHaveLength(1);

    const rb = await rollbackRun({ store });
    expect(rb.failed).toEqual([]);
    expect(await treeHash(root)).toBe(original);
    expect((await store.list())[0]?.status).toBe("rolled-back");
    const results = await runChecks(checks, { host });
    expect(results.filter((r) => r.status === "fail").map((r) => r.id).sort()).toEqual(["1.1.1.1", "2.1.2", "2.2.4", "3.3.5", "4.1.9", "4.2.1", "7.1.5"]);
  });

  it("file-mode only tightens: a stricter file is left alone, extra bits are cleared not set", async () => {
    const root = await fixtureRoot({ ...failingNode(), "etc/shadow": { content: "x\n", mode: 0o4600, uid: 0, gid: 0 } });
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: (await fixChecks()).filter((c) => c.id === "7.1.5") });
    // 0o4600 fails mode-at-most 0640 (setuid): new = old & 0640 = 0600, never 0640.
    expect(plan.fixes[0]?.changes).toEqual([{ kind: "chmod", path: "/etc/shadow", from: 0o4600, to: 0o600 }]);
  });

  it("4.2.1 refuses when the --anonymous-auth flag overrides the config file", async () => {
    const spec = failingNode();
    spec["etc/default/kubelet"] = "KUBELET_EXTRA_ARGS=--anonymous-auth=true\n";
    spec["etc/systemd/system/kubelet.service.d/10-kubeadm.conf"] =
      '[Service]\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_EXTRA_ARGS\n';
    const root = await fixtureRoot(spec);
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: (await fixChecks()).filter((c) => c.id === "4.2.1") });
    expect(plan.fixes[0]?.error).toMatch(/--anonymous-auth=true .*overrides authentication\.anonymous\.enabled/);
    expect(plan.fixes[0]?.changes).toEqual([]);
  });
});

describe("remediate under a profile", () => {
  const load = async (profile?: string, vars?: Record<string, unknown>) => {
    const { loadSelection } = await import("../../../src/packs/selection.js");
    const { validateFix } = await import("../../../src/remediation/index.js");
    const { selectChecks } = await import("../../../src/engine/select.js");
    const s = await loadSelection({ ...(profile ? { profile } : {}), ...(vars ? { vars } : {}), validateFix });
    expect(s.errors).toEqual([]);
    return selectChecks(s.packs, { checks: ["cis-debian-12/3.3.1", "cis-debian-12/3.3.7", "cis-debian-12/2.1.22"] });
  };

  it("a tailored check gets the profile's fix, never the pack's (which aims at the benchmark's value)", async () => {
    const root = await fixtureRoot({
      "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n",
      "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.rp_filter = 0\n",
    });
    const host = new HostRoot({ root });
    const plain = await load();
    expect(plain.find((c) => c.id === "3.3.1")?.fix).toEqual({ action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 0 } });

    const checks = await load("kubernetes-node");
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId["3.3.1"]?.fix).toEqual({ action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 1 } });
    expect(byId["3.3.7"]?.fix).toEqual({ action: "sysctl-set", params: { key: "net.ipv4.conf.all.rp_filter", value: 2 } });
    // No fix given for the tailored listener check: the pack's would stop the Kubernetes ports' units.
    expect(byId["2.1.22"]?.fix).toBeUndefined();

    const plan = await planRemediation({ host, checks });
    // The last planned content of each file (3.3.7 plans on top of 3.3.1's changes).
    const finalContent = new Map<string, string>();
    for (const c of plan.fixes.flatMap((f) => f.changes)) if (c.kind === "write-file") finalContent.set(c.path, c.after.content);
    expect(Object.fromEntries(finalContent)).toEqual({
      "/etc/sysctl.d/60-nodeward.conf": "# Written by nodeward: kernel parameters set by remediation.\nnet.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\n",
      "/etc/sysctl.d/k8s.conf":
        "# net.ipv4.ip_forward = 0  # nodeward: set in /etc/sysctl.d/60-nodeward.conf\n# net.ipv4.conf.all.rp_filter = 0  # nodeward: set in /etc/sysctl.d/60-nodeward.conf\n",
    });
  });

  it("a fix's params take the pack's vars: port-service-stop spares the ports the audit allowed", async () => {
    expect((await load(undefined, { "allowed-ports": [22, 10250] })).find((c) => c.id === "2.1.22")?.fix).toEqual({
      action: "port-service-stop",
      params: { allowPorts: [22, 10250] },
    });
  });
});

describe("remediate --apply on a Kubernetes node", () => {
  it("refuses without a profile, naming the kubelet; runs with --profile or --no-profile", async () => {
    const { runCli } = await import("../../helpers/cli.js");
    const { kubeadmNode } = await import("../../helpers/kubeadm-node.js");
    const root = await fixtureRoot(kubeadmNode());
    const base = ["remediate", "--apply", "--yes", "--root", root, "--state-dir", stateDir, "--check", "cis-debian-12/7.1.1"];
    const refused = await runCli(base);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "nodeward: this host runs a kubelet (/lib/systemd/system/kubelet.service); remediating without a profile would apply the benchmarks' values that break Kubernetes (e.g. net.ipv4.ip_forward = 0, the overlay module disabled).\n" +
        "Give --profile kubernetes-node (the profile this node is scanned with), or --no-profile to apply them anyway.\n",
    );
    for (const extra of [["--profile", "kubernetes-node"], ["--no-profile"]]) {
      const r = await runCli([...base, ...extra]);
      expect([r.code, r.stderr], extra.join(" ")).toEqual([0, ""]);
      expect(r.stdout).toContain("Nothing to change.");
    }
    expect((await runCli([...base, "--profile", "kubernetes-node", "--no-profile"])).code).toBe(2);
    // A dry run needs neither: it changes nothing.
    expect((await runCli(base.filter((a) => a !== "--apply" && a !== "--yes"))).code).toBe(0);
  });
});

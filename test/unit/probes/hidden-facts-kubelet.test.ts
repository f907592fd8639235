/**
 * Hidden facts, kubelet and distributions (issue 12 item 1): each row hides one source the
 * kubelet resolver reads — a unit drop-in, an EnvironmentFile, a config file or drop-in
 * directory, a process's argv, a distribution's config — the way an LSM or a missing
 * permission hides it (EACCES from the very read), and asserts that no check depending
 * on it passes: each is `error`, naming what could not be read. The checks that do not
 * depend on it keep their verdict.
 *
 * Rows: { name, node, hide, errors (checks that must error, by id), unaffected (checks that
 * must still pass) }. Same shape as the lead's hidden-fact table for the other probes.
 */
import type { Stats } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot, type ReadOptions } from "../../../src/host/host-root.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { DISTRO_NODES } from "../../helpers/k8s-distributions.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";

afterAll(cleanupFixtures);

function eacces(op: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EACCES: permission denied, ${op} '${p}'`), { code: "EACCES", errno: -13, syscall: op, path: p });
}

/** A host root that denies every read at or below the hidden host paths, as an LSM would. */
class DenyingHostRoot extends HostRoot {
  constructor(root: string, private readonly hidden: readonly string[]) {
    super({ root });
  }
  private denied(p: string): boolean {
    return this.hidden.some((h) => p === h || p.startsWith(h.endsWith("/") ? h : `${h}/`));
  }
  override async readFile(p: string, o?: ReadOptions): Promise<string> {
    if (this.denied(p)) throw eacces("open", p);
    return super.readFile(p, o);
  }
  override async readdir(p: string): Promise<string[] | null> {
    if (this.denied(p)) throw eacces("scandir", p);
    return super.readdir(p);
  }
  override async procRead(rel: string, o?: ReadOptions): Promise<string> {
    if (this.denied(`/proc/${rel}`)) throw eacces("open", `/proc/${rel}`);
    return super.procRead(rel, o);
  }
  /** stat of a path inside a hidden directory is denied too (search permission). */
  override async stat(p: string): Promise<Stats | null> {
    if (this.hidden.some((h) => p.startsWith(`${h}/`))) throw eacces("stat", p);
    return super.stat(p);
  }
  override async lstat(p: string): Promise<Stats | null> {
    if (this.hidden.some((h) => p.startsWith(`${h}/`))) throw eacces("lstat", p);
    return super.lstat(p);
  }
}

const PACKS = ["cis-kubernetes-node", "kubernetes-node-runtime"];
/**
 * The CIS Kubernetes checks on every distribution, without the packs' selection by
 * distribution and version (kubernetes-benchmark-selection.test.ts's subject): what is
 * tested here is what a hidden source does to the kubelet's facts.
 */
const withoutSelection = (c: LoadedCheck): LoadedCheck => ({
  ...c,
  applies: c.applies.filter((a) => !a.expect.fields.some((f) => f === "version" || f === "distribution")),
});
async function nodeChecks(): Promise<LoadedCheck[]> {
  const out: LoadedCheck[] = [];
  for (const id of PACKS) {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
    expect(loaded.errors.map(formatPackError)).toEqual([]);
    out.push(...loaded.packs.flatMap((p) => p.checks).map(withoutSelection));
  }
  return out;
}

async function scan(spec: FixtureSpec, hidden: readonly string[]): Promise<Map<string, CheckResult>> {
  const root = await fixtureRoot(spec);
  const results = await runChecks(await nodeChecks(), { host: new DenyingHostRoot(root, hidden) });
  return new Map(results.map((r) => [r.id, r]));
}

interface Row {
  name: string;
  node: FixtureSpec;
  hide: string[];
  /** Checks that must be `error`, and a text their message must contain. */
  errors: Record<string, string>;
  /** Checks that must still pass (they do not depend on what is hidden). */
  unaffected: string[];
}

const KUBELET_SETTINGS = ["4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.10", "NW-K8S-5"];
const each = (ids: string[], why: string): Record<string, string> => Object.fromEntries(ids.map((id) => [id, why]));

const k3s = DISTRO_NODES["k3s-agent"];
const eks = DISTRO_NODES["eks-al2023"];
const rke2 = DISTRO_NODES["rke2-agent"];
if (!k3s || !eks || !rke2) throw new Error("distribution fixtures missing");

const ROWS: Row[] = [
  {
    // The example: 4.2.6 passed on the kubelet default while EACCES hid the drop-in.
    name: "kubeadm: the 10-kubeadm.conf drop-in cannot be read",
    node: kubeadmNode(),
    hide: ["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"],
    errors: { ...each(KUBELET_SETTINGS, "10-kubeadm.conf: cannot read drop-in: EACCES"), "4.1.1": "cannot read drop-in", "4.1.2": "cannot read drop-in", "4.1.5": "cannot read drop-in", "4.1.9": "cannot read drop-in" },
    unaffected: ["NW-K8S-3", "NW-K8S-4"],
  },
  {
    name: "kubeadm: the drop-in directory cannot be listed",
    node: kubeadmNode(),
    hide: ["/etc/systemd/system/kubelet.service.d"],
    errors: { ...each(KUBELET_SETTINGS, "cannot list drop-ins"), "4.1.1": "cannot list drop-ins", "4.1.9": "cannot list drop-ins" },
    unaffected: ["NW-K8S-3"],
  },
  {
    name: "kubeadm: an EnvironmentFile (kubeadm-flags.env) cannot be read",
    node: kubeadmNode(),
    hide: ["/var/lib/kubelet/kubeadm-flags.env"],
    errors: each(KUBELET_SETTINGS, "kubeadm-flags.env: cannot read EnvironmentFile: EACCES"),
    // Which file holds ExecStart is still known: the file checks keep their verdict.
    unaffected: ["4.1.1", "4.1.2", "NW-K8S-3"],
  },
  {
    name: "kubeadm: the kubelet config file cannot be read",
    node: kubeadmNode(),
    hide: ["/var/lib/kubelet/config.yaml"],
    errors: each(KUBELET_SETTINGS, "/var/lib/kubelet/config.yaml: EACCES"),
    // Its mode and owner are still seen (stat is not read): 4.1.9/4.1.10 decide.
    unaffected: ["4.1.1", "4.1.5", "4.1.9", "4.1.10"],
  },
  {
    name: "kubeadm: the running kubelet's argv cannot be read",
    node: kubeadmNode({ files: { "proc/5150/cmdline": "/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0" } }),
    hide: ["/proc/5150/cmdline"],
    errors: each(KUBELET_SETTINGS, "cannot read the command line of 1 process(es) (pids 5150)"),
    unaffected: ["4.1.1", "4.1.9"],
  },
  {
    name: "k3s: /etc/rancher/k3s/config.yaml cannot be read",
    node: k3s.node(),
    hide: ["/etc/rancher/k3s/config.yaml"],
    errors: each(KUBELET_SETTINGS, "/etc/rancher/k3s/config.yaml: EACCES"),
    unaffected: ["NW-K8S-3"],
  },
  {
    name: "k3s: the kubelet config drop-in directory cannot be listed",
    node: k3s.node(),
    hide: ["/var/lib/rancher/k3s/agent/etc/kubelet.conf.d"],
    // Flags from the unit and config.yaml still decide; settings left to config and defaults do not.
    errors: each(["4.2.1", "4.2.2", "4.2.3", "4.2.6"], "kubelet.conf.d: cannot list"),
    unaffected: ["4.2.10", "NW-K8S-5", "4.1.5"],
  },
  {
    name: "EKS AL2023: /etc/eks/kubelet/environment cannot be read",
    node: eks.node(),
    hide: ["/etc/eks/kubelet/environment"],
    errors: { ...each(KUBELET_SETTINGS, "environment: cannot read EnvironmentFile: EACCES"), "4.1.5": "EACCES", "4.1.9": "EACCES" },
    unaffected: ["4.1.1", "4.1.2"],
  },
  {
    name: "EKS AL2023: a config.json.d drop-in cannot be read",
    node: eks.node(),
    hide: ["/etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf"],
    errors: each(["4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.10", "NW-K8S-5"], "00-nodeadm.conf"),
    unaffected: ["4.1.1", "4.1.5", "4.1.9"],
  },
  {
    name: "RKE2: the procfs hides the kubelet's argv",
    node: rke2.node(),
    hide: ["/proc/6531/cmdline"],
    // Modelled from RKE2's files instead, but a running kubelet may differ: not trusted.
    errors: each(KUBELET_SETTINGS, "cannot read the command line"),
    unaffected: ["4.1.5", "NW-K8S-3"],
  },
];

describe.each(ROWS)("hidden: $name", (row) => {
  it("no dependent check passes: each is error with the reason; the others keep their verdict", async () => {
    const results = await scan(row.node, row.hide);
    for (const [id, why] of Object.entries(row.errors)) {
      const r = results.get(id);
      expect({ id, status: r?.status }).toEqual({ id, status: "error" });
      expect(r?.message ?? "").toContain(why);
    }
    for (const id of row.unaffected) expect({ id, status: results.get(id)?.status }).toEqual({ id, status: "pass" });
    // And nothing at all passes on a hidden fact: every pass is unaffected by design.
    const passed = [...results.values()].filter((r) => r.status === "pass").map((r) => r.id);
    for (const id of passed) expect(Object.keys(row.errors)).not.toContain(id);
  });
});

describe("looks like Kubernetes, kubelet not resolved: error, never a silent skip", () => {
  it.each<[string, FixtureSpec, string]>([
    ["a k3s data directory, no k3s unit or process", { "var/lib/rancher/k3s/agent/kubelet.kubeconfig": "x", "proc/1/cmdline": "/sbin/init\0" }, "k3s is installed"],
    ["an RKE2 config, no unit or process", { "etc/rancher/rke2/config.yaml": "token: x\n", "proc/1/cmdline": "/sbin/init\0" }, "rke2 is installed"],
    ["/var/lib/kubelet and nothing else", { "var/lib/kubelet/pki/kubelet.crt": "x", "proc/1/cmdline": "/sbin/init\0" }, "looks like Kubernetes (/var/lib/kubelet)"],
    ["a kubelet-like process no resolver knows", { "proc/1/cmdline": "/sbin/init\0", "proc/99/cmdline": "/opt/bin/kubelet-wrapper\0--foo\0" }, "process 99 (kubelet-wrapper)"],
  ])("%s", async (_name, spec, why) => {
    const results = await scan(spec, []);
    const kubelet = [...results.values()].filter((r) => r.id.startsWith("4.1") || r.id.startsWith("4.2") || r.id === "NW-K8S-5");
    expect(kubelet.length).toBeGreaterThan(10);
    for (const r of kubelet) {
      expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: "error" });
      expect(r.message).toContain(why);
    }
  });

  it("a plain host (no Kubernetes anywhere) skips the kubelet checks with the reason", async () => {
    const results = await scan({ "proc/1/cmdline": "/sbin/init\0", "etc/hostname": "plain\n" }, []);
    const r = results.get("4.2.1");
    expect(r?.status).toBe("skip");
    expect(r?.message).toContain("no kubelet");
  });
});

/**
 * The benchmark edition (CIS Kubernetes v1.12.0 below kubelet 1.34, v2.0.1 from 1.34) and
 * the platform packs are chosen on the kubelet fact: a hidden source must reach them as
 * an unknown version or distribution, so the pack that steps aside says why (its
 * if-unknown note, with the reason) and the one that judges errors where it cannot see.
 */
describe("hidden facts reach the benchmark selection with their reason", () => {
  const SELECTION_PACKS = ["cis-kubernetes-node", "cis-kubernetes-node-2.0", "kubernetes-control-plane", "kubernetes-control-plane-2.0", "cis-eks-node", "cis-aks-node", "cis-gke-node"];
  async function selectionScan(spec: FixtureSpec, hidden: readonly string[]): Promise<Map<string, CheckResult[]>> {
    const checks: LoadedCheck[] = [];
    for (const id of SELECTION_PACKS) {
      const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
      expect(loaded.errors.map(formatPackError)).toEqual([]);
      checks.push(...loaded.packs.flatMap((p) => p.checks));
    }
    const results = await runChecks(checks, { host: new DenyingHostRoot(await fixtureRoot(spec), hidden) });
    const by = new Map<string, CheckResult[]>(SELECTION_PACKS.map((p) => [p, []]));
    for (const r of results) by.get(r.pack)?.push(r);
    return by;
  }
  const messages = (rs: CheckResult[] | undefined) => [...new Set((rs ?? []).map((r) => `${r.status}: ${r.message ?? ""}`))];

  it("the kubelet's unit cannot be read: the version still comes from its package, and v1.12.0 errors on the kubelet", async () => {
    const by = await selectionScan(kubeadmNode({ kubeletVersion: "1.33.5" }), ["/lib/systemd/system"]);
    expect(messages(by.get("cis-kubernetes-node-2.0"))).toEqual(["skip: the kubelet is older than 1.34; CIS Kubernetes Benchmark v1.12.0 (pack cis-kubernetes-node) judges this node"]);
    const r = by.get("cis-kubernetes-node")?.find((x) => x.id === "4.2.1");
    expect(r?.status).toBe("error");
    expect(r?.message).toContain("the node runs kubeadm");
    expect(r?.message).toContain("/lib/systemd/system/kubelet.service");
  });

  it("neither the kubelet nor its version can be read: v1.12.0 steps aside with its if-unknown note and the reason, never 'the kubelet is 1.34 or newer'", async () => {
    const by = await selectionScan(kubeadmNode({ kubeletVersion: "1.33.5" }), ["/lib/systemd/system", "/var/lib/dpkg"]);
    const [node112] = messages(by.get("cis-kubernetes-node"));
    expect(messages(by.get("cis-kubernetes-node"))).toHaveLength(1);
    expect(node112).toMatch(/^skip: kubelet version unknown; CIS Kubernetes Benchmark v2\.0\.1 \(pack cis-kubernetes-node-2\.0\) judges this node as the fallback \(.*\/var\/lib\/dpkg\/status.*\)$/);
    expect(messages(by.get("kubernetes-control-plane"))[0]).toMatch(/^skip: kubelet version unknown; CIS Kubernetes Benchmark v2\.0\.1 \(pack kubernetes-control-plane-2\.0\) judges this node as the fallback/);
    // The fallback judges: it cannot see the kubelet, so its kubelet checks error with the reason.
    const r = by.get("cis-kubernetes-node-2.0")?.find((x) => x.id === "4.2.1");
    expect(r?.status).toBe("error");
    expect(r?.message).toContain("/lib/systemd/system/kubelet.service");
    for (const [pack, rs] of by) for (const x of rs) expect({ pack, id: x.id, message: x.message ?? "" }).not.toEqual(expect.objectContaining({ message: expect.stringContaining("1.34 or newer") }));
  });

  it("another distribution's marker hidden on a kubeadm node: still kubeadm (its own files show it), the hidden marker said in the evidence", async () => {
    const by = await selectionScan(kubeadmNode({ kubeletVersion: "1.33.5" }), ["/var/lib/rancher"]);
    const r = by.get("cis-kubernetes-node")?.find((x) => x.id === "4.2.1");
    expect(r?.status).toBe("pass");
    expect(r?.evidence).toContainEqual({
      detail: expect.stringMatching(/^not observed while recognising the distribution: \/var\/lib\/rancher\/k3s: EACCES.* \(the node is kubeadm, shown by \/etc\/systemd\/system\/kubelet\.service\.d\/10-kubeadm\.conf/),
    });
    expect(messages(by.get("cis-eks-node"))).toEqual(["skip: not an Amazon EKS node (this pack judges EKS worker nodes; others run the CIS Kubernetes packs)"]);
  });

  it("no distribution recognised, one's marker hidden: the platform packs step aside saying the distribution is unknown", async () => {
    // A kubelet of its own with no distribution's files, and the EKS directory unreadable.
    const kubeadmFiles = new Set(["etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "var/lib/kubelet/kubeadm-flags.env"]);
    const spec: FixtureSpec = { ...Object.fromEntries(Object.entries(kubeadmNode({ kubeletVersion: "1.33.5" })).filter(([k]) => !kubeadmFiles.has(k))), "etc/eks/README": "x" };
    const by = await selectionScan(spec, ["/etc/eks"]);
    expect(messages(by.get("cis-eks-node"))).toEqual([expect.stringMatching(/^skip: distribution unknown; not judged as an Amazon EKS node \(.*\/etc\/eks\/.*EACCES/)]);
  });

  it("a plain host (no Kubernetes anywhere): the editions skip saying there is no kubelet", async () => {
    const by = await selectionScan({ "proc/1/cmdline": "/sbin/init\0", "etc/hostname": "plain\n" }, []);
    for (const pack of ["cis-kubernetes-node", "cis-kubernetes-node-2.0"]) {
      expect(messages(by.get(pack))).toEqual([
        "skip: no kubelet on this node (no kubelet process and no kubelet.service unit)",
        "skip: no kube-proxy on this node (no kube-proxy process and no static pod manifest)",
      ]);
    }
    // Never an edition's version reason: there is no kubelet to have a version.
    for (const rs of by.values()) for (const r of rs) expect(r.message ?? "").not.toMatch(/1\.34|version unknown/);
  });
});

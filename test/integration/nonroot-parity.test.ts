/**
 * Never pass what it cannot see: every bundled pack scanned as root and as an unprivileged
 * user (nobody, uid 65534, no capabilities in any set, no_new_privs — what a careless
 * install, a DaemonSet without capabilities or a sandboxed unit runs as), compared check by
 * check (nonroot-parity-compare.ts). The unprivileged scan may only turn a result into an
 * error or skip naming what it could not read, or drop evidence it could not read; a pass
 * that flips, a fail without a reason, a changed message or value on a readable source fails
 * the test with the check's id.
 *
 * Over:
 *   1. the cached Debian 12 root of setup.sh (`--root`, `--deep`): /etc/shadow 0640
 *      root:shadow, /root 0700, /var/spool/cron/crontabs 1730, ssh host keys 0600…;
 *   2. the compliant Kubernetes node of test/helpers/compliant-debian-node.ts (a kubeadm node
 *      on Debian 12 that passes every automated check of its packs, with the modes CIS asks
 *      for: the kubelet's drop-in and config 0600, /etc/kubernetes/pki keys 0600, sshd_config
 *      0600, crontab 0600, /etc/cron.d 0700, audit rules 0640…), as a running system (its
 *      procfs) and as an offline image of it (no procfs, unit enablement decides);
 *   3. every Kubernetes distribution's hardened worker of test/helpers/k8s-distributions.ts
 *      (k3s, RKE2, k0s, EKS on AL2 and AL2023, AKS, GKE: their kubelet configs, kubeconfigs
 *      and unit drop-ins at the modes their benchmarks ask for);
 *   4. this machine, live (`/`, not deep: a walk of the host's file systems takes minutes):
 *      root scans it before and after the unprivileged scan, and a result that changed
 *      between root's two scans (a port opened by someone else meanwhile) is not compared.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupNobodyRoots, nobodyRoot } from "../helpers/as-nobody.js";
import { CLI, ensureCliBuilt } from "../helpers/cli.js";
import { compliantDebianNode } from "../helpers/compliant-debian-node.js";
import { DISTRO_NODES } from "../helpers/k8s-distributions.js";
import { debianRoot, isRoot, run } from "./helpers.js";
import { compareNonroot, differing, maskUnknownReasons, sameButUnknown, type Comparison, type NrReport } from "./nonroot-parity-compare.js";

/** Drop to nobody: no supplementary groups, empty inheritable/ambient/bounding sets, no_new_privs. */
const DROP = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"];
/** The same environment for both users (a unit's PATH; the test runner's may hold root-only dirs). */
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", LANG: "C", NO_COLOR: "1", HOME: "/" };

const figures: string[] = [];

beforeAll(async () => {
  if (!isRoot()) throw new Error("the integration suite runs as root (it drops to nobody with setpriv)");
  await ensureCliBuilt();
  // The drop itself: uid/gid 65534, no capability left anywhere, no_new_privs.
  const s = spawnSync(DROP[0]!, [...DROP.slice(1), "cat", "/proc/self/status"], { encoding: "utf8" });
  if (s.status !== 0) throw new Error(`setpriv failed (${s.status}): ${s.error?.message ?? s.stderr}`);
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(s.stdout)?.[1]?.trim();
  expect(field("Uid")).toBe("65534\t65534\t65534\t65534");
  expect(field("Groups")).toBe("");
  for (const c of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(field(c), c).toBe("0000000000000000");
  expect(field("NoNewPrivs")).toBe("1");
});

afterAll(async () => {
  await cleanupNobodyRoots();
  if (figures.length) console.log(`nonroot-parity:\n  ${figures.join("\n  ")}`);
});

async function scan(args: readonly string[], asNobody: boolean): Promise<NrReport> {
  const argv = [...(asNobody ? DROP : []), process.execPath, CLI, "scan", ...args, "--format", "json", "--quiet"];
  const t = performance.now();
  const r = await run(argv, { env: ENV, cwd: "/", timeoutMs: 600_000 });
  figures.push(`${asNobody ? "nobody" : "root  "} scan ${args.join(" ") || "/"}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  expect([0, 1], `exit ${r.exitCode} ${r.signal ?? ""}\n${r.stderr}`).toContain(r.exitCode);
  const report = JSON.parse(r.stdout) as NrReport & { loadErrors?: unknown[] };
  expect(report.loadErrors ?? []).toEqual([]);
  return report;
}

/** Of `paths` (absolute, on this machine), those nobody cannot read (a directory: list). */
async function unreadableAsNobody(paths: readonly string[]): Promise<Set<string>> {
  const script = `const fs = require("node:fs"); const out = [];
for (const p of JSON.parse(process.env.NW_PATHS)) {
  try { const st = fs.statSync(p); fs.accessSync(p, st.isDirectory() ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK); }
  catch (e) { if (e.code !== "ENOENT") out.push(p); }
}
process.stdout.write(JSON.stringify(out));`;
  const r = await run([...DROP, process.execPath, "-e", script], { env: { ...ENV, NW_PATHS: JSON.stringify(paths) }, cwd: "/" });
  expect(r.exitCode, r.stderr).toBe(0);
  return new Set(JSON.parse(r.stdout) as string[]);
}

/** The comparison's violations, with every dropped evidence file checked unreadable to nobody. */
async function violations(c: Comparison, rootDir: string): Promise<string[]> {
  const on = (f: string) => (rootDir === "/" ? f : rootDir + f);
  const all = [...new Set([...c.droppedFiles.values()].flat())];
  const unreadable = await unreadableAsNobody(all.map(on));
  const out = [...c.violations];
  for (const [k, files] of c.droppedFiles) {
    const readable = files.filter((f) => !unreadable.has(on(f)));
    if (readable.length) out.push(`${k}: evidence of a file nobody can read was dropped: ${readable.join(", ")}`);
  }
  return out;
}

function summarize(label: string, c: Comparison): void {
  const counts = new Map<string, number>();
  for (const kind of c.allowed.values()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  figures.push(`${label}: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ") || "no differences"}`);
}

describe("the comparison", () => {
  const r = (id: string, status: string, message?: string, extra: object = {}) => ({ id, pack: "p", status, ...(message ? { message } : {}), ...extra });

  it("allows only errors, skips and unobserved manuals that name a denial, and evidence nobody cannot read", () => {
    const a = {
      results: [
        r("flip", "pass"),
        r("silent-error", "pass"),
        r("named-error", "fail", "x is 1"),
        r("new-fail", "pass"),
        r("message", "fail", "x is 1"),
        r("manual", "manual", "needs a person to judge; the observed value is shown"),
        r("evidence", "pass", undefined, { evidence: [{ file: "/etc/shadow" }, { file: "/etc/passwd" }] }),
        r("evidence-note", "pass", undefined, { evidence: [{ detail: "2 rules" }] }),
        r("unknown", "fail", "m", { observed: "rules=0, loaded=unknown (auditctl is not installed (not found in PATH))" }),
        r("value", "fail", "m", { observed: "n=1" }),
        r("runtime-hidden", "fail", "runtime is 1, expected 0; persisted is (not set), expected 0", { observed: "runtime=1, persisted=(not set)" }),
        r("runtime-guessed", "fail", "runtime is 1, expected 0; persisted is (not set), expected 0", { observed: "runtime=1, persisted=(not set)" }),
        r("fallback-judged", "pass"),
        r("fallback-lost", "pass"),
        r("listener", "pass", undefined, { evidence: [{ protocol: "tcp", port: 19571, pid: 1287, process: "node" }, { detail: "permission denied reading the open files of 1 process(es)" }] }),
        { id: "fallback-judged", pack: "q", status: "pass" },
        { id: "fallback-lost", pack: "q", status: "pass" },
      ],
    };
    const b = {
      results: [
        r("flip", "fail", "x is 2"),
        r("silent-error", "error", "cannot determine users"),
        r("named-error", "error", "cannot determine x: /etc/x: EACCES: permission denied, open '/etc/x'"),
        r("new-fail", "fail", "x is 1"),
        r("message", "fail", "x is 2"),
        r("manual", "manual", "needs a person to judge; could not be observed here: cannot read /root/.profile: EACCES: permission denied"),
        r("evidence", "pass", undefined, { evidence: [{ file: "/etc/passwd" }] }),
        r("evidence-note", "pass"),
        r("unknown", "fail", "m", { observed: "rules=0, loaded=unknown (auditctl was not found in PATH; could not search: /root/bin (EACCES))" }),
        r("value", "fail", "m", { observed: "n=2" }),
        r("runtime-hidden", "fail", "persisted is (not set), expected 0", { observed: "runtime=unknown (/proc/sys/x is hidden from nodeward: subset=pid), persisted=(not set)" }),
        r("runtime-guessed", "fail", "persisted is (not set), expected 0", { observed: "runtime=0, persisted=(not set)" }),
        r("listener", "pass", undefined, { evidence: [{ protocol: "tcp", port: 19571 }, { detail: "permission denied reading the open files of 88 process(es)" }] }),
        r("fallback-judged", "skip", "kubelet version unknown; X (pack q) judges this node as the fallback (cannot determine version: /x: EACCES: permission denied)"),
        r("fallback-lost", "skip", "kubelet version unknown; X (pack q) judges this node as the fallback (cannot determine version: /x: EACCES: permission denied)"),
        { id: "fallback-judged", pack: "q", status: "error", message: "cannot determine x: /x: EACCES: permission denied" },
        { id: "fallback-lost", pack: "q", status: "skip", message: "the kubelet is older than 1.34; Y (pack p) judges this node" },
      ],
    };
    const c = compareNonroot(a, b);
    expect(c.violations.map((v) => v.split(":")[0])).toEqual(["p/flip", "p/silent-error", "p/new-fail", "p/message", "p/evidence-note", "p/value", "p/runtime-guessed", "p/fallback-lost", "q/fallback-lost"]);
    expect(c.violations[0]).toContain("pass became fail");
    expect(c.violations[1]).toContain("pass became error without naming what could not be read");
    expect([...c.allowed]).toEqual([
      ["p/named-error", "to-error"],
      ["p/manual", "manual-unobserved"],
      ["p/evidence", "evidence-only"],
      ["p/unknown", "unknown-reason"],
      ["p/runtime-hidden", "fail-on-seen"],
      ["p/fallback-judged", "to-skip"],
      ["p/listener", "evidence-only"],
      ["q/fallback-judged", "to-error"],
    ]);
    expect(c.violations[7]).toContain("skipped for q, which does not judge it either");
    expect([...c.droppedFiles]).toEqual([["p/evidence", ["/etc/shadow"]]]);
    expect(maskUnknownReasons("a=unknown (x (y)), b=unknown (z)")).toBe("a=unknown (…), b=unknown (…)");
    expect(sameButUnknown("a=1, b=2", "a=unknown (EACCES), b=2")).toBe(true);
    expect(sameButUnknown("a=1, b=3", "a=unknown (EACCES), b=2")).toBe(false);
  });
});

describe("scanned as root and as nobody without capabilities", () => {
  it("the cached Debian 12 root (--root, --deep): only errors naming what nobody cannot read", async () => {
    const root = debianRoot();
    const args = ["--root", root, "--deep"];
    const asRoot = await scan(args, false);
    const asNobody = await scan(args, true);
    const c = compareNonroot(asRoot, asNobody);
    summarize("Debian 12 root", c);
    expect(await violations(c, root)).toEqual([]);

    // Not vacuous: /etc/shadow (0640 root:shadow) and /root (0700) are out of nobody's reach.
    const get = (rep: NrReport, id: string) => rep.results.find((x) => `${x.pack}/${x.id}` === id);
    expect(get(asRoot, "cis-debian-12/7.2.2")?.status).toBe("pass");
    expect(get(asNobody, "cis-debian-12/7.2.2")).toMatchObject({
      status: "error",
      message: `cannot determine passwords: /etc/shadow: EACCES: permission denied, open '${root}/etc/shadow'`,
    });
    expect(get(asRoot, "cis-debian-12/7.1.11")?.status).toBe("pass");
    expect(get(asNobody, "cis-debian-12/7.1.11")?.status).toBe("error");
    expect(get(asNobody, "cis-debian-12/7.1.11")?.message).toContain(`/root: EACCES: permission denied, scandir '${root}/root'`);
    expect(c.allowed.size).toBeGreaterThan(20);
  });

  for (const view of ["running", "offline image"] as const) {
    it(`the compliant Kubernetes node (${view}, --deep): only errors naming what nobody cannot read`, async () => {
      const node = compliantDebianNode();
      const spec = view === "running" ? node : Object.fromEntries(Object.entries(node).filter(([k]) => !k.startsWith("proc/")));
      const root = await nobodyRoot(spec);
      const args = ["--root", root, "--deep"];
      const asRoot = await scan(args, false);
      const asNobody = await scan(args, true);
      const c = compareNonroot(asRoot, asNobody);
      summarize(`compliant node, ${view}`, c);
      expect(await violations(c, root)).toEqual([]);

      // Not vacuous: the kubelet's config (0600) is out of nobody's reach; as root it passes.
      const get = (rep: NrReport, id: string) => rep.results.find((x) => `${x.pack}/${x.id}` === id);
      expect(get(asRoot, "cis-kubernetes-node/4.2.1")?.status).toBe("pass");
      expect(get(asNobody, "cis-kubernetes-node/4.2.1")?.status).toBe("error");
      expect(get(asNobody, "cis-kubernetes-node/4.2.1")?.message).toMatch(/EACCES: permission denied/);
      expect(asRoot.results.filter((x) => x.status === "pass").length).toBeGreaterThan(350);
      expect(c.allowed.size).toBeGreaterThan(150);
    });
  }

  it("every Kubernetes distribution's hardened worker (--deep): only errors naming what nobody cannot read", async () => {
    const problems: string[] = [];
    for (const [name, d] of Object.entries(DISTRO_NODES)) {
      const root = await nobodyRoot(d.node());
      const args = ["--root", root, "--deep"];
      const asRoot = await scan(args, false);
      const asNobody = await scan(args, true);
      const c = compareNonroot(asRoot, asNobody);
      summarize(name, c);
      problems.push(...(await violations(c, root)).map((v) => `${name}: ${v}`));
      // Not vacuous: the node's own Kubernetes checks pass as root and error as nobody somewhere.
      const judged = asRoot.results.filter((x) => x.status === "pass" && c.allowed.get(`${x.pack}/${x.id}`) === "to-error");
      expect({ name, judgedThenUnseen: judged.length > 0 }).toEqual({ name, judgedThenUnseen: true });
    }
    expect(problems).toEqual([]);
  });

  it("this machine, live (/): only errors naming what nobody cannot read", async () => {
    const before = await scan([], false);
    const asNobody = await scan([], true);
    const after = await scan([], false);
    // What moved between root's own two scans is not nobody's doing.
    const moved = new Set(differing(before, after));
    figures.push(`live: ${moved.size} results moved between root's two scans, not compared${moved.size ? `: ${[...moved].slice(0, 10).join(", ")}` : ""}`);
    const keep = (rep: NrReport): NrReport => ({ results: rep.results.filter((x) => !moved.has(`${x.pack}/${x.id}`)) });
    const c = compareNonroot(keep(before), keep(asNobody));
    summarize("live /", c);
    expect(await violations(c, "/")).toEqual([]);
    expect(before.results.length - moved.size).toBeGreaterThan(1500);
  });
});

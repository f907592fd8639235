/**
 * Issue 4 acceptance: a kubeadm-style compliant node (kubelet unit + drop-in, config.yaml,
 * kubeconfig, pki, modprobe.d, sysctl.d, sshd_config, …) passes every automated check of the
 * `kubernetes-node` profile; each single violation planted in it fails exactly its check and
 * no other — except where two checks audit the same fact (OVERLAPS, each entry explained).
 *
 * The violations are the per-pack fail fixtures (cis-linux-cases.ts, KUBEADM_VIOLATIONS, the
 * kisa-unix table) layered over the compliant node with `layer()`: each case builds its own
 * tree, the violating entry replacing the compliant one.
 */
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult, Status } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { MountView } from "../../../src/host/mount-view.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { loadSelection } from "../../../src/packs/selection.js";
import {
  DISABLED_MODULES,
  PASSWD_LINES,
  GROUP_LINES,
  LOGIN_DEFS,
  MOUNTS,
  SHADOW_LINES,
  GRUB_CFG,
  compliantDebianNode,
  layer,
  mountinfo,
  procNet,
  sshdConfig,
} from "../../helpers/compliant-debian-node.js";
import { addToRoot, cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { pamGood, PWQUALITY_DROPIN } from "../../helpers/pam-fixtures.js";
import { DEBIAN_RULES, RULES_FILE } from "../../helpers/audit-fixtures.js";
import { KUBEADM_VIOLATIONS, type KubeadmNodeOptions } from "../../helpers/kubeadm-node.js";
import { dpkg, linuxCases } from "./cis-linux-cases.js";
import { PARTITIONS } from "./cis-linux-cases-hardening.js";

// Hundreds of whole-node fixture roots: removing them takes more than the default 10 s on a busy machine.
afterAll(cleanupFixtures, 120_000);

const execFileP = promisify(execFile);
const PROFILE = "kubernetes-node";
const key = (r: Pick<CheckResult, "pack" | "id">): string => `${r.pack}/${r.id}`;

let loaded: Promise<LoadedCheck[]> | undefined;
function profileChecks(): Promise<LoadedCheck[]> {
  loaded ??= loadSelection({ profile: PROFILE }).then((s) => {
    if (s.errors.length > 0) throw new Error(`profile ${PROFILE} did not load:\n${s.errors.map(formatPackError).join("\n")}`);
    return s.packs.flatMap((p) => p.checks);
  });
  return loaded;
}

async function scanRoot(root: string, only?: ReadonlySet<string>): Promise<Map<string, CheckResult>> {
  const checks = (await profileChecks()).filter((c) => !only || only.has(c.pack.id));
  // procfs is the fixture's proc/ (HostRoot's default): runtime sysctls, modules, sockets, kube-proxy.
  // The fixture tree holds every filesystem of the node's mount table (/var, /home, …) as plain
  // directories: nothing in it is hidden by a mount this process lacks.
  const results = await runChecks(checks, { host: new HostRoot({ root, mounts: MountView.NONE }), deep: true });
  return new Map(results.map((r) => [key(r), r]));
}

/**
 * The tree of `spec` made from the already-built tree of `baseSpec` at `baseRoot`: a hard-link
 * copy (`cp -al`, directories copied with their modes and owners), then every entry that
 * differs is unlinked and written afresh (a changed file never writes through a shared inode)
 * and every entry `spec` lacks is removed. The same files as fixtureRoot(spec), several times
 * faster than writing the whole node for each of hundreds of violations.
 */
async function treeFrom(baseRoot: string, baseSpec: FixtureSpec, spec: FixtureSpec): Promise<string> {
  const root = path.join(await fixtureRoot({}), "root");
  await execFileP("cp", ["-al", baseRoot, root]);
  const same = (k: string) => JSON.stringify(baseSpec[k]) === JSON.stringify(spec[k]);
  const changed: FixtureSpec = {};
  for (const k of Object.keys(baseSpec)) if (!(k in spec)) await rm(path.join(root, k), { recursive: true, force: true });
  for (const [k, e] of Object.entries(spec)) {
    if (same(k)) continue;
    // A directory entry keeps its (copied, not linked) directory and children; anything else is replaced.
    if (!(typeof e === "object" && "dir" in e)) await rm(path.join(root, k), { recursive: true, force: true });
    changed[k] = e;
  }
  await addToRoot(root, changed);
  return root;
}

// ---------------------------------------------------------------- expected skips

const NOT_UBUNTU_22 = "not Ubuntu 22.04 (this pack is CIS Ubuntu Linux 22.04 LTS; Ubuntu 24.04, Debian and RHEL have their own)";
const NOT_UBUNTU_24 = "not Ubuntu 24.04 (this pack is CIS Ubuntu Linux 24.04 LTS; Ubuntu 22.04, Debian and RHEL have their own)";
const NOT_RHEL = "not a RHEL-family system (this pack is CIS Red Hat Enterprise Linux 9; Debian and Ubuntu have their own)";
const tailoredOut = (reason: string): string => `tailored out by profile ${PROFILE}: ${reason}`;
const OVERLAY = "containerd's and CRI-O's overlayfs snapshotter mounts container images with the overlay module; disabling it stops every container on the node.";
const SCTP = "Services and Pods with protocol SCTP need the sctp kernel module; blacklisting it breaks SCTP workloads. Re-enable this check on clusters that run none.";
const IPV6_FWD = "Dual-stack clusters need IPv6 forwarding on every node; whether IPv6 forwarding is on is a cluster design decision, not a hardening finding.";
const NO_COREDUMP = "systemd-coredump is not installed (the kernel's core_pattern and the limits above apply)";
const NO_APPORT = "apport is not installed (no automatic error reporting)";
const NO_RSYSLOG = "rsyslog is not installed, so journald is the logging system (the journald items apply)";
const NO_GDM = "GDM is not installed (gdm3): there is no graphical login to configure";
/** CIS Debian 12 1.7.2–1.7.10: they apply only where GDM is installed; 1.7.1 (Level 2) says it is not. */
const GDM_ITEMS = ["1.7.2", "1.7.2-banner-message-text", "1.7.3", "1.7.4", "1.7.4-lock-delay", "1.7.5", "1.7.5-lock-delay", "1.7.6", "1.7.6-automount-open", "1.7.7", "1.7.7-automount-open", "1.7.8", "1.7.9", "1.7.10"];
const NO_CHRONY = "chrony is not installed (systemd-timesyncd or another daemon keeps time; see 2.3.1.1)";
const NO_TELNET = "nothing listens on the telnet port (23/tcp), so no root login over telnet";

/**
 * Every automated check that skips on the compliant node, with its reason. Everything else
 * automated passes. A node does not run inetd, vsftpd, NFS, sendmail, postfix, BIND, SNMP or
 * an FTP server, and keeps time with systemd-timesyncd (so chrony's items skip).
 */
const EXPECTED_SKIPS: Record<string, string> = {
  // The profile's exclusions.
  "cis-debian-12/1.1.1.6": tailoredOut(OVERLAY),
  "cis-debian-12/3.2.4": tailoredOut(SCTP),
  "cis-debian-12/3.3.1-net.ipv6.conf.all.forwarding": tailoredOut(IPV6_FWD),
  "cis-ubuntu-22.04/3.2.4": tailoredOut(SCTP),
  "cis-ubuntu-22.04/3.3.1-net.ipv6.conf.all.forwarding": tailoredOut(IPV6_FWD),
  "cis-ubuntu-24.04/1.1.1.6": tailoredOut(OVERLAY),
  "cis-ubuntu-24.04/3.2.4": tailoredOut(SCTP),
  "cis-ubuntu-24.04/3.3.1-net.ipv6.conf.all.forwarding": tailoredOut(IPV6_FWD),
  "cis-rhel-9/3.2.4": tailoredOut(SCTP),
  "cis-rhel-9/3.3.1-net.ipv6.conf.all.forwarding": tailoredOut(IPV6_FWD),
  // Packages a node does not have: systemd-coredump (1.5.3), apport (1.5.5).
  "cis-debian-12/1.5.3-coredump.Storage": NO_COREDUMP,
  "cis-debian-12/1.5.3-coredump.ProcessSizeMax": NO_COREDUMP,
  "cis-debian-12/1.5.5": NO_APPORT,
  "cis-debian-12/1.5.5-apport.service": NO_APPORT,
  // No graphical login: GDM's items (1.7.2–1.7.10).
  ...Object.fromEntries(GDM_ITEMS.map((id) => [`cis-debian-12/${id}`, NO_GDM])),
  // One time daemon: systemd-timesyncd.
  "cis-debian-12/2.3.3.2": NO_CHRONY,
  "cis-debian-12/2.3.3.3": NO_CHRONY,
  // journald is the logging system (rsyslog is not installed, journald does not forward to it).
  "cis-debian-12/6.1.3.1": "journald does not forward to syslog, so journald is the logging system (the journald items apply)",
  ...Object.fromEntries(["6.1.3.2", "6.1.3.3", "6.1.3.4", "6.1.3.7"].map((id) => [`cis-debian-12/${id}`, NO_RSYSLOG])),
  // KISA's other ways, for older systems or another su restriction: pam_pwquality, pam_wheel and pam_faillock judge here.
  "kisa-unix/U-01.securetty": NO_TELNET,
  "kisa-unix/U-01.login-pam": NO_TELNET,
  ...Object.fromEntries([["U-02.dcredit", "dcredit"], ["U-02.ucredit", "ucredit"], ["U-02.lcredit", "lcredit"], ["U-02.ocredit", "ocredit"], ["U-46", "minlen"]].map(([id, opt]) => [
    `kisa-unix/${id}.cracklib`, `pam_cracklib is not in a password stack (pam_pwquality's ${opt} is ${id})`,
  ])),
  "kisa-unix/U-54.csh": "no /etc/csh.* (csh and tcsh are not installed)",
  "kisa-unix/U-03.deny.tally2": "pam_tally2 is not in an auth stack (pam_faillock's threshold is U-03.deny)",
  "kisa-unix/U-45.mode": "su is executable by everyone (or not at /usr/bin/su), so only pam_wheel can restrict it (U-45)",
  // KISA items of services the node does not have.
  "kisa-unix/U-10": "no /etc/inetd.conf (inetd is not installed)",
  "kisa-unix/U-10.xinetd": "no /etc/xinetd.conf (xinetd is not installed)",
  "kisa-unix/U-10.xinetd-d": "no files under /etc/xinetd.d (xinetd is not installed)",
  "kisa-unix/U-11.syslog": "no /etc/syslog.conf",
  "kisa-unix/U-20": "no /etc/vsftpd.conf (vsftpd is not installed)",
  "kisa-unix/U-20.vsftpd-rhel": "no /etc/vsftpd/vsftpd.conf (vsftpd is not installed the RHEL way)",
  "kisa-unix/U-25": "no /etc/exports (no NFS server)",
  "kisa-unix/U-69": "no /etc/exports (no NFS server)",
  "kisa-unix/U-32": "no /etc/mail/sendmail.cf (sendmail is not installed)",
  "kisa-unix/U-34": "no /etc/bind/named.conf* (BIND is not installed)",
  "kisa-unix/U-34.rhel": "no /etc/named.* (BIND is not installed the RHEL way)",
  "kisa-unix/U-63": "no /etc/ftpusers (no FTP server)",
  "kisa-unix/U-64": "no /etc/ftpusers (no FTP server)",
  "kisa-unix/U-67": "no /etc/snmp/snmpd.conf (snmpd is not installed)",
  "kisa-unix/U-70": "no /etc/mail/sendmail.cf (sendmail is not installed)",
  "kisa-unix/U-70.postfix": "no /etc/postfix/main.cf (postfix is not installed)",
};
/** Every other check of the Ubuntu and RHEL packs skips as another OS's. */
const OTHER_OS: Record<string, string> = { "cis-ubuntu-22.04": NOT_UBUNTU_22, "cis-ubuntu-24.04": NOT_UBUNTU_24, "cis-rhel-9": NOT_RHEL };
/** The node's kubelet (1.33) selects CIS Kubernetes v1.12.0: the other Kubernetes packs skip, saying why. */
const OTHER_KUBERNETES: Record<string, string> = {
  "cis-kubernetes-node-2.0": "the kubelet is older than 1.34; CIS Kubernetes Benchmark v1.12.0 (pack cis-kubernetes-node) judges this node",
  "kubernetes-control-plane-2.0": "the kubelet is older than 1.34; CIS Kubernetes Benchmark v1.12.0 (pack kubernetes-control-plane) judges this node",
  "cis-eks-node": "not an Amazon EKS node (this pack judges EKS worker nodes; others run the CIS Kubernetes packs)",
  "cis-aks-node": "not an Azure AKS node (this pack judges AKS worker nodes; others run the CIS Kubernetes packs)",
  "cis-gke-node": "not a Google GKE node (this pack judges GKE worker nodes; others run the CIS Kubernetes packs)",
};
const otherOs = (key: string): string | undefined => OTHER_OS[key.split("/")[0] ?? ""] ?? OTHER_KUBERNETES[key.split("/")[0] ?? ""];

/** Manual checks that skip rather than show an observed value. */
const MANUAL_SKIPS: Record<string, string | RegExp> = {
  "cis-debian-12/2.3.3.1": NO_CHRONY,
  "cis-debian-12/6.1.3.5": NO_RSYSLOG,
  "cis-debian-12/6.1.3.6": NO_RSYSLOG,
  "cis-debian-12/6.1.3.8": NO_RSYSLOG,
  // kube-proxy runs in a pod: its kubeconfig is inside the container (see kubeadm-node-violations).
  "cis-kubernetes-node/4.1.3": /^no kube-proxy kubeconfig file on this host \(kube-proxy runs in a pod/,
  "cis-kubernetes-node/4.1.4": /^no kube-proxy kubeconfig file on this host \(kube-proxy runs in a pod/,
};

/**
 * A fixture root with a procfs of running processes is a running node seen from outside its
 * own mount namespace (the DaemonSet's /host). The fixture has neither /run/systemd/system
 * nor a PID 1 name, so whether systemd runs it — and so whether a unit runs — cannot be
 * told: a check that judges whether a unit runs is `error` with the reason, never passed on
 * its enablement alone.
 */
const SYSTEMD_UNREACHABLE = /^cannot determine active: no \/run\/systemd\/system, and \/proc\/1\/comm is missing: cannot confirm that systemd does not run this host$/;
const judgesRunningState = (c: LoadedCheck): boolean => c.audit?.probeId === "systemd-unit" && /\bactive\b/.test(c.audit.expect.expected);

/**
 * CIS 4 (host firewall) on the running view: which utility is in use depends on whether its
 * service runs, which this fixture cannot tell (above), so every section-4 check is `error`
 * with that reason — 4.1.1 on its own fact, the others because their section's applicability
 * is unknown. The offline image judges them (hidden-facts.test.ts exercises them there).
 */
const FIREWALL_UNDECIDED = /^(cannot tell whether the check applies: )?cannot determine (judged|inUseCount): no \/run\/systemd\/system, and \/proc\/1\/comm is missing: cannot confirm that systemd does not run this host$/;
const isFirewall = (key: string): boolean => key.startsWith(`${DEB}/4.`);

/**
 * CIS 4 items the profile tailors out (kube-proxy and the CNI own the node's iptables rules):
 * an exclusion is decided before the section's applicability, so they skip with the reason
 * on every view, in every pack (Ubuntu 22.04 numbers "iptables are flushed" 4.2.3).
 */
const IPTABLES_OWNED = "kube-proxy (iptables mode) and the CNI plugin own the node's iptables rules (Service NAT, KUBE-* chains, pod traffic); flushing them cuts the node's Services and pod network until kube-proxy writes them again. Rules owned by Kubernetes are not leftovers to flush.";
const FIREWALL_TAILORED: Record<string, string> = {
  "cis-debian-12/4.3.3": tailoredOut(IPTABLES_OWNED),
  "cis-ubuntu-22.04/4.2.3": tailoredOut(IPTABLES_OWNED),
  "cis-ubuntu-24.04/4.3.3": tailoredOut(IPTABLES_OWNED),
};

/**
 * CIS 6.2.3 (audit rules, Level 2) on the running view: each rules check also judges the rules
 * loaded in the kernel (`auditctl -l`), which a mounted host's kernel cannot be asked for from
 * here, so they are `error` with that reason; a rule missing on disk is still a definite
 * failure (the violations below). The offline image passes them all (last test).
 */
const AUDIT_LOADED_UNKNOWN = /^cannot determine (loaded|sudoLogWatchesLoaded): the loaded rules of a mounted host cannot be asked from here \(auditctl runs on this machine's kernel\)$/;
const judgesLoadedRules = (c: LoadedCheck): boolean => c.audit?.probeId === "audit-rules" && /\b(loaded|sudoLogWatchesLoaded)\b/.test(c.audit.expect.expected);

function expectedCompliant(c: LoadedCheck): { status: Status; message?: string | RegExp } {
  const tailored = FIREWALL_TAILORED[c.key];
  if (tailored) return { status: "skip", message: tailored };
  if (isFirewall(c.key)) return { status: "error", message: FIREWALL_UNDECIDED };
  if (!c.manual && !otherOs(c.key) && judgesLoadedRules(c)) return { status: "error", message: AUDIT_LOADED_UNKNOWN };
  if (!c.manual && !otherOs(c.key) && !(c.key in EXPECTED_SKIPS) && judgesRunningState(c)) return { status: "error", message: SYSTEMD_UNREACHABLE };
  if (c.manual) {
    const os = otherOs(c.key);
    if (os) return { status: "skip", message: os };
    const skip = MANUAL_SKIPS[c.key];
    return skip ? { status: "skip", message: skip } : { status: "manual" };
  }
  const skip = EXPECTED_SKIPS[c.key] ?? otherOs(c.key);
  return skip ? { status: "skip", message: skip } : { status: "pass" };
}

// ---------------------------------------------------------------- violations

interface Violation {
  what: string;
  /** Layered over the compliant node (see layer()). */
  spec?: FixtureSpec;
  /** Entries removed from the compliant node first. */
  omit?: string[];
  /** Options of kubeadmNode() (Kubernetes violations). */
  kubeadm?: KubeadmNodeOptions;
  /** The target's fail message: exact, or its start (`prefix`); undefined = not asserted. */
  message?: string;
  prefix?: boolean;
}

const SSHD_DROPIN = "etc/ssh/sshd_config.d/00-violation.conf";
const DEB = "cis-debian-12";

/**
 * CIS Debian 12: the fail fixture of cis-linux-cases.ts for each check, adapted where a
 * case replaces a whole file the node needs, or where the profile tailors the check.
 */
const dir755 = (uid: number) => ({ dir: true as const, mode: 0o755, uid, gid: uid });

function cisViolations(): Record<string, Violation> {
  const out: Record<string, Violation> = {};
  const fails = linuxCases("debian").filter((c) => c.want.status === "fail");
  const pick = (id: string, label?: string) => {
    const c = fails.find((x) => x.id === id && (label === undefined || x.label === label));
    if (!c) throw new Error(`no fail case ${id} ${label ?? ""}`);
    return c;
  };
  const ids = [...new Set(fails.map((c) => c.id))];
  for (const id of ids) {
    // Excluded by the profile, or not applicable on this node (chrony not installed); CIS 4 is
    // undecided on the running view (FIREWALL_UNDECIDED): nothing there passes to be violated.
    if (`${DEB}/${id}` in EXPECTED_SKIPS || isFirewall(`${DEB}/${id}`)) continue;
    const mod = DISABLED_MODULES[id];
    // Modules: "loaded although configured" layers as is (proc/modules + modules.dep replaced).
    const c = mod ? pick(id, "loaded although configured") : pick(id);
    const spec = c.pkgs ? { ...c.spec, "var/lib/dpkg/status": dpkg(...c.pkgs) } : c.spec;
    const v: Violation = { what: c.label, spec, ...(c.want.message !== undefined ? { message: c.want.message } : {}) };
    const sshd = c.spec["etc/ssh/sshd_config"];
    if (typeof sshd === "string" && id !== "5.1.4") {
      // "Keyword bad\nMatch …": the bad global value, planted as a drop-in Included before the
      // compliant settings (first value wins) — a whole new sshd_config would undo every 5.1 item.
      v.spec = { [SSHD_DROPIN]: sshd.split("\n")[0] + "\n" };
    }
    out[`${DEB}/${id}`] = v;
  }
  const adapt = (id: string, change: Partial<Violation>): void => {
    const v = out[`${DEB}/${id}`];
    if (!v) throw new Error(`no violation for ${id} to adapt`);
    out[`${DEB}/${id}`] = { ...v, ...change };
  };
  // Mounts: the node's mount table without the partition, or with the option dropped from its line.
  for (const [base, path, opts] of PARTITIONS) {
    adapt(`${base}.1`, { what: `${path} not mounted`, spec: { "proc/1/mountinfo": mountinfo(MOUNTS.filter((m) => m[0] !== path)) }, message: "mounted is false, expected true" });
    opts.forEach((o, i) => {
      const mounts = MOUNTS.map((m) => (m[0] === path ? ([m[0], m[1], m[2], m[3].split(",").filter((x) => x !== o).join(",")] as const) : m));
      const options = (mounts.find((m) => m[0] === path)?.[3] ?? "").split(",").concat("rw").filter((x, j, a) => a.indexOf(x) === j);
      adapt(`${base}.${i + 2}`, { what: `${path} without ${o}`, spec: { "proc/1/mountinfo": mountinfo(mounts) }, message: `options is ${JSON.stringify(options)}, expected contains ${o}` });
    });
  }
  // Accounts (5.4, 7.2): the node's own passwd, shadow, group and login.defs with one change.
  const text = (ls: readonly string[]) => ls.join("\n") + "\n";
  const passwd = (...extra: string[]) => ({ "etc/passwd": text([...PASSWD_LINES, ...extra]) });
  const edit = (ls: readonly string[], who: string, line: string) => ls.map((l) => (l.startsWith(`${who}:`) ? line : l));
  const shadow = (who: string, line: string) => ({ "etc/shadow": text(edit(SHADOW_LINES, who, line)) });
  const defs = (k: string, v: string) => ({ "etc/login.defs": LOGIN_DEFS.replace(new RegExp(`^${k} .*$`, "m"), `${k} ${v}`) });
  const HASH = "$y$j9T$salt$hash";
  const accountViolations: Record<string, Partial<Violation>> = {
    "5.4.1.1": { what: "PASS_MAX_DAYS 99999", spec: defs("PASS_MAX_DAYS", "99999"), message: "passMaxDays is 99999, expected >= 1 and <= 365" },
    "5.4.1.1-accounts": { what: "alice never expires", spec: shadow("alice", `alice:${HASH}:19000:1:99999:7:30::`), message: "users is 1 of 5 matching: alice, expected no element: state = hash, any(max not set; max < 1; max > 365)" },
    "5.4.1.2": { what: "PASS_MIN_DAYS 0", spec: defs("PASS_MIN_DAYS", "0"), message: "passMinDays is 0, expected >= 1" },
    "5.4.1.2-accounts": { what: "alice min 0", spec: shadow("alice", `alice:${HASH}:19000:0:90:7:30::`) },
    "5.4.1.3": { what: "PASS_WARN_AGE 3", spec: defs("PASS_WARN_AGE", "3"), message: "passWarnAge is 3, expected >= 7" },
    "5.4.1.3-accounts": { what: "alice warn 3", spec: shadow("alice", `alice:${HASH}:19000:1:90:3:30::`) },
    "5.4.1.4": { what: "ENCRYPT_METHOD MD5", spec: defs("ENCRYPT_METHOD", "MD5") },
    "5.4.1.5": { what: "INACTIVE=-1", spec: { "etc/default/useradd": "SHELL=/bin/sh\nINACTIVE=-1\n" }, message: "inactive is -1, expected >= 0 and <= 45" },
    "5.4.1.5-accounts": { what: "alice never locked", spec: shadow("alice", `alice:${HASH}:19000:1:90:7:::`) },
    "5.4.1.6": { what: "alice changed 30 days from now", spec: shadow("alice", `alice:${HASH}:${Math.floor(Date.now() / 86_400_000) + 30}:1:90:7:30::`) },
    "5.4.2.1": { what: "toor with uid 0", spec: passwd("toor:x:0:1000::/root:/bin/bash") },
    "5.4.2.2": { what: "bob with primary gid 0", spec: { ...passwd("bob:x:1001:0::/nonexistent:/usr/sbin/nologin"), "etc/shadow": text([...SHADOW_LINES, "bob:!:19000::::::"]) } },
    "5.4.2.3": { what: "wheel with gid 0", spec: { "etc/group": text([...GROUP_LINES, "wheel:x:0:"]) } },
    "5.4.2.4": { what: "root without a password", spec: shadow("root", "root::19000:1:90:7:30::") },
    "5.4.2.6": { what: "umask 022 in /root/.bashrc", spec: { "root/.bashrc": "umask 022\n" } },
    "5.4.2.7": { what: "daemon with /bin/sh", spec: { "etc/passwd": text(edit(PASSWD_LINES, "daemon", "daemon:x:1:1:daemon:/usr/sbin:/bin/sh")) } },
    "5.4.2.8": { what: "daemon with a password", spec: shadow("daemon", `daemon:${HASH}:19000:1:90:7:30::`) },
    "5.4.3.1": { what: "nologin in /etc/shells", spec: { "etc/shells": "# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n/usr/sbin/nologin\n" }, message: "matched is true, expected false" },
    "5.4.3.2": { what: "TMOUT not readonly", spec: { "etc/profile.d/tmout.sh": "export TMOUT=600\n" }, message: "readonly is false, expected true" },
    "5.4.3.3": { what: "umask 022 in profile.d", spec: { "etc/profile.d/umask.sh": "umask 022\n" } },
    "5.4.3.3-login.defs": { what: "UMASK 022", spec: defs("UMASK", "022") },
    "7.2.1": { what: "alice's hash in /etc/passwd", spec: { "etc/passwd": text(edit(PASSWD_LINES, "alice", `alice:${HASH}:1000:1000:Alice:/home/alice:/bin/bash`)) } },
    "7.2.2": { what: "alice's password empty", spec: shadow("alice", "alice::19000:1:90:7:30::") },
    "7.2.3": { what: "bob's primary gid 4242 has no group", spec: { ...passwd("bob:x:1001:4242::/nonexistent:/usr/sbin/nologin"), "etc/shadow": text([...SHADOW_LINES, "bob:!:19000::::::"]) } },
    "7.2.4": { what: "alice in group shadow", spec: { "etc/group": text(edit(GROUP_LINES, "shadow", "shadow:x:42:alice")) } },
    "7.2.5": { what: "bob shares uid 1000", spec: { ...passwd("bob:x:1000:1000::/home/alice:/usr/sbin/nologin"), "etc/shadow": text([...SHADOW_LINES, "bob:!:19000::::::"]) } },
    "7.2.6": { what: "staff shares gid 1000", spec: { "etc/group": text([...GROUP_LINES, "staff:x:1000:"]) } },
    "7.2.7": { what: "a second alice line", spec: passwd("alice:x:1002:1000::/nonexistent:/usr/sbin/nologin") },
    "7.2.8": { what: "a second alice group", spec: { "etc/group": text([...GROUP_LINES, "alice:x:1003:"]) } },
    "7.2.9": { what: "alice's home 0755", spec: { "home/alice": dir755(1000) } },
    "7.2.10": { what: "a .forward", spec: { "home/alice/.forward": { content: "x\n", mode: 0o600, uid: 1000, gid: 1000 } } },
  };
  for (const [id, v] of Object.entries(accountViolations)) adapt(id, { message: undefined, ...v });
  // Packages: removed with their configuration left (dpkg status stanzas are merged by package).
  const removed = (p: string) => ({ "var/lib/dpkg/status": `Package: ${p}\nStatus: deinstall ok config-files\nVersion: 1.0-1\nArchitecture: amd64\n` });
  for (const [id, p] of [["5.2.1", "sudo"], ["5.3.1.1", "libpam-runtime"], ["5.3.1.2", "libpam-modules"], ["5.3.1.3", "libpam-pwquality"]] as const) {
    adapt(id, { what: `${p} removed`, spec: removed(p), message: undefined });
  }
  adapt("5.2.7-group", { what: "alice in sugroup", spec: { "etc/group": text(edit(GROUP_LINES, "sugroup", "sugroup:x:1002:alice")) }, message: undefined });
  // Disabled = no .wants link: the compliant node's link goes.
  adapt("2.3.2.2", { omit: ["etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service"] });
  adapt("2.4.1.1", { omit: ["etc/systemd/system/multi-user.target.wants/cron.service"] });
  // The case's sshd_config has only a Match block: here the node's file without AllowGroups.
  adapt("5.1.4", {
    what: "no AllowUsers/AllowGroups/DenyUsers/DenyGroups",
    spec: { "etc/ssh/sshd_config": sshdConfig({ AllowGroups: null }) },
    message: "(settings.allowusers is (not set), expected set) or (settings.allowgroups is (not set), expected set) or (settings.denyusers is (not set), expected set) or (settings.denygroups is (not set), expected set)",
  });
  // The node has two public host keys, the case one.
  adapt("5.1.3", {
    message: "files is 1 of 2 not matching: /etc/ssh/ssh_host_ed25519_key.pub, expected every element: mode 0644 or more restrictive, owner = root, group = root",
  });
  // Tailored by the profile: forwarding must stay on, so the violation is persisting 0.
  adapt("3.3.1", {
    what: "net.ipv4.ip_forward = 0 persisted by a file read after k8s.conf",
    // systemd-sysctl orders files by name: "99-zz.conf" sorts before "k8s.conf" and loses.
    spec: { "etc/sysctl.d/zz-hardening.conf": "net.ipv4.ip_forward=0\n" },
    message: "persisted is 0, expected 1 or not set",
  });
  // Tailored to accept loose mode: the case's 0 still fails, against the profile's expectation.
  adapt("3.3.7", { message: "persisted is 0, expected one of [1, 2]" });
  adapt("3.3.7-net.ipv4.conf.default.rp_filter", { message: "persisted is 0, expected one of [1, 2]" });
  // Logging (6.1): the node's journald settings are its drop-in 60-journald.conf; a violation is a later drop-in.
  const journald = (body: string): FixtureSpec => ({ "etc/systemd/journald.conf.d/90-violation.conf": `[Journal]\n${body}\n` });
  adapt("6.1.1.4", { what: "journald masked", spec: { "etc/systemd/system/systemd-journald.service": { symlink: "/dev/null" } }, message: undefined });
  adapt("6.1.2.1.1", { what: "systemd-journal-remote removed", spec: removed("systemd-journal-remote") });
  adapt("6.1.2.1.3", { what: "systemd-journal-upload not enabled", spec: {}, omit: ["etc/systemd/system/multi-user.target.wants/systemd-journal-upload.service"] });
  adapt("6.1.2.2", { spec: journald("ForwardToSyslog=yes") });
  adapt("6.1.2.3", { what: "Compress=no", spec: journald("Compress=no"), message: "value is no, expected matches /(?i)^(yes|true|1|on)$/" });
  adapt("6.1.2.4", { spec: journald("Storage=volatile") });
  // Bootloader: grub.cfg's content without the superuser and password (its mode kept: a content-only change).
  adapt("1.4.1", { spec: { "boot/grub/grub.cfg": GRUB_CFG.split("\n").slice(2).join("\n") } });
  // AppArmor (1.3.1): the kubeadm node's running profiles (kubeadm-node.ts), all enforcing.
  const APPARMOR_PROFILES = "cri-containerd.apparmor.d (enforce)\n/usr/sbin/chronyd (enforce)\n";
  // A package removed; the default entry without security=apparmor; one more profile loaded in kill or complain mode.
  adapt("1.3.1.1", { what: "apparmor removed", spec: removed("apparmor") });
  adapt("1.3.1.1-apparmor-utils", { what: "apparmor-utils removed", spec: removed("apparmor-utils") });
  adapt("1.3.1.2", {
    what: "the kernel entry without security=apparmor",
    spec: { "boot/grub/grub.cfg": GRUB_CFG.replace(" security=apparmor", "") },
    message: 'entries is 1 of 1 not matching: /boot/grub/grub.cfg:4 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.apparmor = 1, params.security = apparmor',
  });
  adapt("1.3.1.3", { spec: { "sys/kernel/security/apparmor/profiles": `${APPARMOR_PROFILES}/usr/sbin/cupsd (kill)\n` }, message: "profiles is 1 of 3 not matching: /usr/sbin/cupsd, expected every element: mode one of [enforce, complain]" });
  adapt("1.3.1.4", { spec: { "sys/kernel/security/apparmor/profiles": `${APPARMOR_PROFILES}/usr/sbin/cupsd (complain)\n` }, message: "profiles is 1 of 3 not matching: /usr/sbin/cupsd, expected every element: mode = enforce" });
  // GDM installed (1.7.1): its items then apply, and the node has none of its dconf settings.
  adapt("1.7.1", { what: "gdm3 installed", spec: { "var/lib/dpkg/status": dpkg("gdm3") } });
  // A wireless interface whose driver (iwlwifi) is loaded, next to the node's own modules.
  adapt("3.1.2", {
    what: "a wireless interface, its driver loaded",
    spec: {
      "proc/modules": `${compliantDebianNode()["proc/modules"] as string}iwlwifi 458752 0 - Live 0x0000000000000000\n`,
      "sys/class/net/wlp2s0/wireless": { dir: true },
      "sys/class/net/wlp2s0/device": { symlink: "../../../devices/pci0000:00/0000:02:00.0" },
      "sys/devices/pci0000:00/0000:02:00.0/driver": { symlink: "../../../bus/pci/drivers/iwlwifi" },
      "sys/bus/pci/drivers/iwlwifi/module": { symlink: "../../../../module/iwlwifi" },
    },
  });
  // AIDE: removed with its configuration left; its daily check not enabled.
  adapt("6.3.1", { what: "aide removed", spec: removed("aide") });
  adapt("6.3.2", { what: "dailyaidecheck.timer not enabled", spec: {}, omit: ["etc/systemd/system/timers.target.wants/dailyaidecheck.timer"] });
  // Auditing (6.2, Level 2): packages removed, auditd not enabled, an argument off the kernel line.
  adapt("6.2.1.1", { what: "auditd removed", spec: removed("auditd") });
  adapt("6.2.1.1-audispd-plugins", { what: "audispd-plugins removed", spec: removed("audispd-plugins") });
  adapt("6.2.1.2", { what: "auditd.service not enabled", spec: {}, omit: ["etc/systemd/system/multi-user.target.wants/auditd.service"] });
  adapt("6.2.1.3", { what: "no audit=1", spec: { "boot/grub/grub.cfg": GRUB_CFG.replace(" audit=1", "") }, message: "entries is 1 of 1 not matching: /boot/grub/grub.cfg:4 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.audit = 1" });
  adapt("6.2.1.4", { what: "audit_backlog_limit=4096", spec: { "boot/grub/grub.cfg": GRUB_CFG.replace("audit_backlog_limit=8192", "audit_backlog_limit=4096") }, message: "entries is 1 of 1 not matching: /boot/grub/grub.cfg:4 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.audit_backlog_limit >= 8192" });
  // A rule missing from the node's rules file (its content replaced, its mode kept).
  const rulesIds: Record<string, keyof typeof DEBIAN_RULES> = {
    "6.2.3.1": "scope", "6.2.3.2": "userEmulation", "6.2.3.3": "sudoLog", "6.2.3.4": "time", "6.2.3.5": "network", "6.2.3.7": "access", "6.2.3.8": "identity",
    "6.2.3.9": "permMod", "6.2.3.10": "mounts", "6.2.3.11": "session", "6.2.3.12": "logins", "6.2.3.13": "delete", "6.2.3.14": "mac", "6.2.3.15": "chcon",
    "6.2.3.16": "setfacl", "6.2.3.17": "chacl", "6.2.3.18": "usermod", "6.2.3.19": "modules",
  };
  for (const [id, item] of Object.entries(rulesIds)) {
    const gone = DEBIAN_RULES[item][0] as string;
    adapt(id, { spec: { [RULES_FILE]: `${Object.values(DEBIAN_RULES).flat().filter((l) => l !== gone).join("\n")}\n` } });
  }
  // File access (6.2.4): the case's one changed mode or owner (layer keeps the node's content); not
  // the case's extra /usr/sbin/automount, and the counts in the message are the node's.
  const node = compliantDebianNode();
  for (const id of ["6.2.4.1", "6.2.4.2", "6.2.4.3", "6.2.4.4", "6.2.4.5", "6.2.4.5-rules.d", "6.2.4.5-plugins.d", "6.2.4.6", "6.2.4.6-rules.d", "6.2.4.6-plugins.d", "6.2.4.7", "6.2.4.7-rules.d", "6.2.4.7-plugins.d", "6.2.4.8", "6.2.4.9", "6.2.4.10"]) {
    const v = out[`${DEB}/${id}`];
    const spec = Object.fromEntries(Object.entries(v?.spec ?? {}).filter(([k, e]) => k !== "usr/sbin/automount" && JSON.stringify(node[k]) !== JSON.stringify(e)));
    adapt(id, { spec, message: undefined });
  }
  adapt("2.1.22", {
    message: "listeners is 1 of 2 not matching: tcp 0.0.0.0:2024, expected every element: any(address matches /^(127\\.|::1$|::ffff:127\\.)/; port one of [22, 6443, 2379, 2380, 10250, 10256, 10257, 10259]; port >= 30000 and <= 32767)",
  });
  return out;
}

/** kisa-unix: the fail fixtures of kisa-unix.test.ts, planted in the node's own files. */
const PAM = pamGood(false) as Record<string, string>;
/** KISA's pam_pwquality thresholds (2021 numbering): they fail when the module leaves the stack. */
const PWQ_KISA: Record<string, Status> = Object.fromEntries(["U-02.dcredit", "U-02.ucredit", "U-02.lcredit", "U-02.ocredit", "U-46"].map((id) => [`kisa-unix/${id}`, "fail" as Status]));
const withoutLine = (text: string | undefined, module: string): string => (text ?? "").split("\n").filter((l) => !l.includes(module)).join("\n");

function kisaViolations(): Record<string, Violation> {
  const passwd = (...extra: string[]) => ({ "etc/passwd": [...PASSWD_LINES, ...extra].join("\n") + "\n" });
  const pwq = (k: string, v: string) => ({ "etc/security/pwquality.conf": `minlen = 14\n${["dcredit", "ucredit", "lcredit", "ocredit"].map((x) => `${x} = ${x === k ? v : "-1"}`).join("\n")}\n` });
  const loginDefs = (k: string, v: string) => ({ "etc/login.defs": LOGIN_DEFS.replace(new RegExp(`^${k} .*$`, "m"), `${k} ${v}`) });
  const o = (content: string, mode: number, uid = 0, gid = 0) => ({ content, mode, uid, gid });
  // A service account as adduser makes it: locked in /etc/shadow.
  const ftpShadow = { "etc/shadow": [...SHADOW_LINES, "ftp:*:19000:0:99999:7:::"].join("\n") + "\n" };
  const K = "kisa-unix";
  const vs: Record<string, Violation> = {
    "U-01": { what: "PermitRootLogin yes", spec: { [SSHD_DROPIN]: "PermitRootLogin yes\n" }, message: "value is yes, expected no" },
    "U-02": { what: "pam_pwquality removed from common-password", spec: { "etc/pam.d/common-password": withoutLine(PAM["etc/pam.d/common-password"], "pam_pwquality.so") }, message: "files is 0 of 5 matching, expected some element: matched = true" },
    ...Object.fromEntries(["dcredit", "ucredit", "lcredit", "ocredit"].map((k) => [`U-02.${k}`, { what: `${k} = 0`, spec: pwq(k, "0"), message: "(conf is 0, expected <= -1) or (args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1)" }])),
    "U-03": { what: "pam_faillock removed from common-auth", spec: { "etc/pam.d/common-auth": withoutLine(PAM["etc/pam.d/common-auth"], "pam_faillock.so") }, message: "files is 0 of 5 matching, expected some element: matched = true" },
    "U-03.deny": { what: "deny = 11", spec: { "etc/security/faillock.conf": (PAM["etc/security/faillock.conf"] as string).replace("deny = 5", "deny = 11") }, message: "conf is 11, expected not set or >= 1 and <= 10" },
    "U-04": { what: "hash in /etc/passwd", spec: { "etc/passwd": PASSWD_LINES.map((l) => l.startsWith("alice:") ? l.replace("alice:x:", "alice:$6$salt$hash:") : l).join("\n") + "\n" } },
    "U-44": { what: "toor with uid 0", spec: passwd("toor:x:0:0::/root:/bin/bash") },
    "U-45": { what: "pam_wheel commented out", spec: { "etc/pam.d/su": "auth sufficient pam_rootok.so\n# auth required pam_wheel.so\n" }, message: "matched is false, expected true" },
    // The drop-in's minlen wins over pwquality.conf's (libpwquality reads it last).
    "U-46": { what: "minlen = 6 in the pwquality.conf.d drop-in", spec: { [PWQUALITY_DROPIN]: (PAM[PWQUALITY_DROPIN] as string).replace("minlen = 14", "minlen = 6") }, message: "conf is 6, expected not set or >= 8" },
    "U-47": { what: "PASS_MAX_DAYS 99999", spec: loginDefs("PASS_MAX_DAYS", "99999"), message: "value is 99999, expected >= 1 and <= 90" },
    "U-48": { what: "PASS_MIN_DAYS 0", spec: loginDefs("PASS_MIN_DAYS", "0"), message: "value is 0, expected >= 1" },
    "U-52": { what: "bob shares uid 1000", spec: passwd("bob:x:1000:1000::/home/alice:/bin/bash"), message: 'duplicateUids is [{"uid":1000,"names":["alice","bob"]}], expected []' },
    "U-53": { what: "daemon has /bin/sh", spec: { "etc/passwd": PASSWD_LINES.map((l) => l.startsWith("daemon:") ? l.replace("/usr/sbin/nologin", "/bin/sh") : l).join("\n") + "\n" } },
    "U-54": { what: "TMOUT=3600", spec: { "etc/profile.d/tmout.sh": "TMOUT=3600\n" }, message: "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 600" },
    "U-05": { what: '"." first in PATH', spec: { "etc/profile": "# x\nexport PATH=.:$PATH\n" }, message: "matched is true, expected false" },
    "U-05.root": { what: '"." in the middle of .bashrc', spec: { "root/.bashrc": "PATH=/usr/bin:.:/bin\n" } },
    "U-06": { what: "file of uid 4242", spec: { "srv/data": o("x", 0o644, 4242, 0) }, message: "count is 1, expected 0" },
    "U-09": { what: "/etc/hosts 0604", spec: { "etc/hosts": o("x\n", 0o604) }, message: "mode is 0604, expected 0600 or more restrictive" },
    "U-11": { what: "/etc/rsyslog.conf 0644", spec: { "etc/rsyslog.conf": o("x\n", 0o644) }, message: "mode is 0644, expected 0640 or more restrictive" },
    "U-12": { what: "/etc/services 0646", spec: { "etc/services": o("x\n", 0o646) }, message: "mode is 0646, expected 0644 or more restrictive" },
    "U-14": { what: "group-writable .bashrc", spec: { "home/alice/.bashrc": o("x", 0o664, 1000, 1000) }, message: "files is 1 of 2 not matching: /home/alice/.bashrc, expected every element: mode 7755 or more restrictive" },
    "U-14.root": { what: ".profile owned by daemon", spec: { "root/.profile": o("x", 0o644, 1, 1) }, message: "files is 1 of 2 not matching: /root/.profile, expected every element: owner = root, mode 7755 or more restrictive" },
    "U-15": { what: "0666 file", spec: { "etc/app.conf": o("x", 0o666) }, message: "count is 1, expected 0" },
    "U-16": { what: "regular file in /dev", spec: { "dev/.hidden": o("rootkit", 0o644) }, message: "count is 1, expected 0" },
    "U-17": { what: '"+ +" in hosts.equiv', spec: { "etc/hosts.equiv": o("+ +\n", 0o600) }, message: "(exists is true, expected false) or (matched is true, expected false)" },
    "U-17.rhosts": { what: "0644 .rhosts", spec: { "home/alice/.rhosts": o("host alice\n", 0o644, 1000, 1000) }, message: "files is 1 of 1 not matching: /home/alice/.rhosts, expected every element: mode 0600 or more restrictive, matched = false" },
    "U-17.root": { what: "/root/.rhosts with +", spec: { "root/.rhosts": o("host +\n", 0o600) }, message: "(exists is true, expected false) or (matched is true, expected false)" },
    "U-55": { what: "hosts.lpd 0644", spec: { "etc/hosts.lpd": o("x\n", 0o644) }, message: "(exists is true, expected false) or (mode is 0644, expected 0600 or more restrictive)" },
    "U-56": { what: "UMASK 002", spec: loginDefs("UMASK", "002"), message: "value is 002, expected matches /^0?[0-7][2367][2367]$/" },
    "U-57": { what: "alice's home owned by root", spec: { "home/alice": { dir: true, mode: 0o755, uid: 0, gid: 0 } } },
    "U-58": { what: "bob's home missing", spec: passwd("bob:x:1001:1001::/home/bob:/bin/bash") },
    // Network services: an inetd-era daemon on all addresses (also not an allowed port: OVERLAPS).
    "U-19": { what: "fingerd on 79", spec: procNet({ tcp: [["0.0.0.0", 79]] }) },
    "U-21": { what: "rlogind on 513", spec: procNet({ tcp: [["0.0.0.0", 513]] }) },
    "U-23": { what: "chargen on udp 19", spec: procNet({ udp: [["0.0.0.0", 19]] }) },
    "U-29": { what: "tftpd on udp 69", spec: procNet({ udp: [["0.0.0.0", 69]] }) },
    "U-60": { what: "telnetd on 23", spec: procNet({ tcp: [["0.0.0.0", 23]] }) },
    "U-61": { what: "ftpd on 21", spec: procNet({ tcp: [["0.0.0.0", 21]] }) },
    "U-20.account": { what: "ftp account", spec: { ...passwd("ftp:x:107:65534:ftp daemon:/srv/ftp:/usr/sbin/nologin"), ...ftpShadow }, message: "users is 1 of 6 matching: ftp, expected no element: name one of [ftp, anonymous]" },
    "U-62": { what: "ftp with bash", spec: { ...passwd("ftp:x:107:65534::/srv/ftp:/bin/bash"), ...ftpShadow, "srv/ftp": { dir: true, mode: 0o755, uid: 107, gid: 65534 } }, message: "users is 1 of 6 matching: ftp, expected no element: name = ftp, loginShell = true" },
  };
  return Object.fromEntries(Object.entries(vs).map(([id, v]) => [`${K}/${id}`, v]));
}

function kubernetesViolations(): Record<string, Violation> {
  return Object.fromEntries(Object.entries(KUBEADM_VIOLATIONS).map(([k, v]) => [k, { what: v.what, kubeadm: v.options, message: v.message, prefix: true }]));
}

/**
 * Known overlaps: a violation that legitimately changes more than its own check, and how.
 * Each is two checks auditing the same fact, or one check's applicability depending on another's.
 */
const WORLD_WRITABLE = "a mode past the limit with o+w is also a world-writable file (CIS 7.1.11, KISA U-15)";
const UNAPPROVED_PORT = "a listener on all addresses on a port outside allowed-ports also fails CIS 2.1.22";
const OVERLAPS: Record<string, { also: Record<string, Status>; why: string }> = {
  // sshd PermitRootLogin: CIS 5.1.20 and KISA U-01 audit the same keyword.
  "cis-debian-12/5.1.20": { also: { "kisa-unix/U-01": "fail" }, why: "PermitRootLogin is KISA U-01 too" },
  "kisa-unix/U-01": { also: { "cis-debian-12/5.1.20": "fail" }, why: "PermitRootLogin is CIS 5.1.20 too" },
  // The CIS file-mode fixtures add o+w to 0644/0640 limits (0646).
  ...Object.fromEntries(
    ["7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.1.6", "7.1.7", "7.1.8", "7.1.9", "2.4.1.8", "2.4.2.1"].map((id) => [
      `${DEB}/${id}`, { also: { "kisa-unix/U-15": "fail" as Status, [`${DEB}/7.1.11`]: "fail" as Status }, why: WORLD_WRITABLE },
    ]),
  ),
  "kisa-unix/U-12": { also: { "kisa-unix/U-15": "fail", [`${DEB}/7.1.11`]: "fail" }, why: WORLD_WRITABLE },
  // World-writable files and unowned files: CIS 7.1.11 / 7.1.12 and KISA U-15 / U-06 are the same walk and filter.
  [`${DEB}/7.1.11`]: { also: { "kisa-unix/U-15": "fail" }, why: "a world-writable file is KISA U-15 too" },
  "kisa-unix/U-15": { also: { [`${DEB}/7.1.11`]: "fail" }, why: "a world-writable file is CIS 7.1.11 too" },
  [`${DEB}/7.1.12`]: { also: { "kisa-unix/U-06": "fail" }, why: "a file of an unknown uid or gid is KISA U-06 too" },
  "kisa-unix/U-06": { also: { [`${DEB}/7.1.12`]: "fail" }, why: "a file of an unknown uid is CIS 7.1.12 too" },
  // SMTP on 0.0.0.0:25 is also a port outside allowed-ports.
  [`${DEB}/2.1.21`]: { also: { [`${DEB}/2.1.22`]: "fail" }, why: UNAPPROVED_PORT },
  ...Object.fromEntries(["U-19", "U-21", "U-23", "U-29", "U-61"].map((id) => [
    `kisa-unix/${id}`, { also: { [`${DEB}/2.1.22`]: "fail" as Status }, why: UNAPPROVED_PORT },
  ])),
  // A telnet server makes KISA U-01's telnet items apply: the node has no /etc/securetty nor pam_securetty in /etc/pam.d/login.
  "kisa-unix/U-60": {
    also: { [`${DEB}/2.1.22`]: "fail", "kisa-unix/U-01.securetty": "fail", "kisa-unix/U-01.login-pam": "fail" },
    why: `${UNAPPROVED_PORT}; and with telnet listening, root's telnet login is U-01's question (no /etc/securetty, no pam_securetty)`,
  },
  // timesyncd disabled leaves no time daemon enabled: 2.3.1.1 audits the same .wants link.
  [`${DEB}/2.3.2.2`]: { also: { [`${DEB}/2.3.1.1`]: "fail" }, why: "no time daemon enabled any more" },
  // Logging (6.1) and AIDE (6.3): a masked journald is neither active-able nor "in use"; forwarding
  // to syslog without rsyslog fails both choices; removing a package makes its dependent items skip.
  [`${DEB}/6.1.1.1`]: { also: { [`${DEB}/6.1.1.4`]: "fail" }, why: "a masked journald is also not the logging system in use" },
  [`${DEB}/6.1.1.4`]: { also: { [`${DEB}/6.1.1.1`]: "fail" }, why: "a masked journald is not enabled either" },
  [`${DEB}/6.1.2.1.1`]: { also: { [`${DEB}/6.1.2.1.2`]: "skip", [`${DEB}/6.1.2.1.3`]: "skip" }, why: "the upload items apply only where systemd-journal-remote is installed" },
  [`${DEB}/6.1.2.2`]: { also: { [`${DEB}/6.1.3.1`]: "fail" }, why: "journald forwarding to syslog makes rsyslog the logging system, which is not installed" },
  [`${DEB}/1.3.1.3`]: { also: { [`${DEB}/1.3.1.4`]: "fail" }, why: "a profile in kill mode is not enforcing either (1.3.1.4, Level 2)" },
  [`${DEB}/1.7.1`]: {
    also: { ...Object.fromEntries(GDM_ITEMS.filter((id) => id !== "1.7.10").map((id) => [`${DEB}/${id}`, "fail" as Status])), [`${DEB}/1.7.10`]: "pass" },
    why: "with GDM installed its items apply: the node has none of the dconf settings (fail) and no XDMCP (pass)",
  },
  [`${DEB}/6.2.4.1`]: { also: { [`${DEB}/6.1.4.1`]: "fail" }, why: "the audit log is a log file under /var/log too (6.1.4.1: 0640 or stricter)" },
  [`${DEB}/5.2.3`]: { also: { [`${DEB}/6.2.3.3`]: "fail" }, why: "6.2.3.3 watches the file sudoers' logfile names: with none set there is nothing to watch (the benchmark: SUDO_LOG_FILE is unset)" },
  [`${DEB}/6.3.1`]: { also: { [`${DEB}/6.3.2`]: "skip", [`${DEB}/6.3.3`]: "skip" }, why: "AIDE's other items apply only where it is installed" },
  // A mount option item applies only where its path is a separate partition.
  ...Object.fromEntries(PARTITIONS.map(([base, , opts]) => [
    `${DEB}/${base}.1`,
    { also: Object.fromEntries(opts.map((_o, i) => [`${DEB}/${base}.${i + 2}`, "skip" as Status])), why: "its mount option items apply only to a separate partition" },
  ])),
  // A second uid-0 account is also a duplicate uid, and a system account (uid < UID_MIN) with a shell.
  "kisa-unix/U-44": {
    also: { "kisa-unix/U-52": "fail", [`${DEB}/5.4.2.1`]: "fail", [`${DEB}/5.4.2.2`]: "fail", [`${DEB}/5.4.2.7`]: "fail", [`${DEB}/7.2.5`]: "fail" },
    why: "toor (uid 0, gid 0, /bin/bash) is a second uid-0 and gid-0 account, a duplicate uid and a system account with a shell",
  },
  [`${DEB}/5.4.2.1`]: {
    also: { "kisa-unix/U-44": "fail", "kisa-unix/U-52": "fail", [`${DEB}/5.4.2.7`]: "fail", [`${DEB}/7.2.5`]: "fail" },
    why: "toor (uid 0, /bin/bash) is KISA U-44, a duplicate uid and a system account with a shell",
  },
  // The same facts in CIS and KISA: password ageing defaults, shadowed passwords, duplicate uids, shells, homes, dot files.
  [`${DEB}/5.4.1.1`]: { also: { "kisa-unix/U-47": "fail" }, why: "PASS_MAX_DAYS over 90 is KISA U-47 too" },
  "kisa-unix/U-47": { also: { [`${DEB}/5.4.1.1`]: "fail" }, why: "PASS_MAX_DAYS 99999 is CIS 5.4.1.1 too" },
  [`${DEB}/5.4.1.2`]: { also: { "kisa-unix/U-48": "fail" }, why: "PASS_MIN_DAYS 0 is KISA U-48 too" },
  "kisa-unix/U-48": { also: { [`${DEB}/5.4.1.2`]: "fail" }, why: "PASS_MIN_DAYS 0 is CIS 5.4.1.2 too" },
  "kisa-unix/U-56": { also: { [`${DEB}/5.4.3.3-login.defs`]: "fail" }, why: "UMASK 002 is weaker than CIS's 027" },
  [`${DEB}/5.4.2.3`]: { also: { [`${DEB}/7.2.6`]: "fail" }, why: "a second gid-0 group is a duplicate gid" },
  [`${DEB}/5.4.2.4`]: { also: { [`${DEB}/7.2.2`]: "fail" }, why: "root's empty shadow field is an empty password" },
  [`${DEB}/5.4.2.7`]: { also: { "kisa-unix/U-53": "fail", [`${DEB}/7.2.9`]: "fail" }, why: "daemon with a shell is KISA U-53, and an interactive account whose home (/usr/sbin) it does not own" },
  "kisa-unix/U-53": { also: { [`${DEB}/5.4.2.7`]: "fail", [`${DEB}/7.2.9`]: "fail" }, why: "daemon with a shell is CIS 5.4.2.7, and an interactive account whose home (/usr/sbin) it does not own" },
  ...Object.fromEntries([`${DEB}/7.2.1`, "kisa-unix/U-04"].map((k) => [k, {
    also: Object.fromEntries([...(k === "kisa-unix/U-04" ? [`${DEB}/7.2.1`] : ["kisa-unix/U-04"]), ...["5.4.1.1-accounts", "5.4.1.2-accounts", "5.4.1.3-accounts", "5.4.1.5-accounts"].map((id) => `${DEB}/${id}`)].map((x) => [x, "fail" as Status])),
    why: "a hash in /etc/passwd is unshadowed (CIS 7.2.1, KISA U-04) and has none of shadow's ageing fields",
  }])),
  [`${DEB}/7.2.5`]: { also: { "kisa-unix/U-52": "fail" }, why: "a duplicate uid is KISA U-52 too" },
  // PAM: CIS and KISA read the same stacks; a module's options need its line.
  [`${DEB}/5.2.7`]: { also: { "kisa-unix/U-45": "fail" }, why: "pam_wheel in /etc/pam.d/su is KISA U-45 too" },
  "kisa-unix/U-45": { also: { [`${DEB}/5.2.7`]: "fail" }, why: "pam_wheel in /etc/pam.d/su is CIS 5.2.7 too" },
  // Without the module in the stack its thresholds are read by no one: KISA's threshold items fail with it.
  [`${DEB}/5.3.2.2`]: { also: { "kisa-unix/U-03": "fail", "kisa-unix/U-03.deny": "fail" }, why: "pam_faillock in common-auth is KISA U-03 too, and U-03.deny's threshold needs it" },
  "kisa-unix/U-03": { also: { [`${DEB}/5.3.2.2`]: "fail", "kisa-unix/U-03.deny": "fail" }, why: "pam_faillock in common-auth is CIS 5.3.2.2 too, and U-03.deny's threshold needs it" },
  [`${DEB}/5.3.2.3`]: { also: { "kisa-unix/U-02": "fail", ...PWQ_KISA }, why: "pam_pwquality in common-password is KISA U-02 too, and the credit and minlen items need it" },
  "kisa-unix/U-02": { also: { [`${DEB}/5.3.2.3`]: "fail", ...PWQ_KISA }, why: "pam_pwquality in common-password is CIS 5.3.2.3 too, and the credit and minlen items need it" },
  "kisa-unix/U-03.deny": { also: { [`${DEB}/5.3.3.1.1`]: "fail" }, why: "deny over 10 is over CIS's 5 too" },
  "kisa-unix/U-46": { also: { [`${DEB}/5.3.3.2.2`]: "fail" }, why: "minlen 6 is under CIS's 14 too" },
  [`${DEB}/5.3.2.1-common-password`]: { also: { [`${DEB}/5.3.3.4.3`]: "fail", [`${DEB}/5.3.3.4.4`]: "fail" }, why: "pam_unix's hashing and use_authtok items need its password line" },
  [`${DEB}/5.3.2.4`]: { also: { [`${DEB}/5.3.3.3.3`]: "fail" }, why: "pam_pwhistory's use_authtok item needs its line" },
  "kisa-unix/U-52": { also: { [`${DEB}/7.2.5`]: "fail" }, why: "a duplicate uid is CIS 7.2.5 too" },
  [`${DEB}/7.2.7`]: { also: { [`${DEB}/5.4.2.8`]: "fail" }, why: "the second alice line (nologin) gets alice's shadow entry, a password, so it is an unlocked account without a shell" },
  "kisa-unix/U-54": { also: { [`${DEB}/5.4.3.2`]: "fail" }, why: "TMOUT=3600, not readonly, is CIS 5.4.3.2 too" },
  ...Object.fromEntries(["U-14", "U-14.root", "U-17.rhosts", "U-17.root"].map((id) => [`kisa-unix/${id}`, { also: { [`${DEB}/7.2.10`]: "fail" as Status }, why: "a dot file of an interactive account is CIS 7.2.10 too" }])),
  ...Object.fromEntries(["U-57", "U-58"].map((id) => [`kisa-unix/${id}`, { also: { [`${DEB}/7.2.9`]: "fail" as Status }, why: "an interactive account's home is CIS 7.2.9 too" }])),
  // An ftp account with a shell is an ftp account (U-20.account forbids it outright).
  "kisa-unix/U-62": {
    also: { "kisa-unix/U-20.account": "fail", [`${DEB}/5.4.2.7`]: "fail", [`${DEB}/7.2.9`]: "fail" },
    why: "the ftp account exists, is a system account with a shell, and its home /srv/ftp is 0755",
  },
  // 4.1.7/4.1.8 (manual: the client CA file's mode and owner) apply only when a client CA is set.
  "cis-kubernetes-node/4.2.3": {
    also: { "cis-kubernetes-node/4.1.7": "skip", "cis-kubernetes-node/4.1.8": "skip" },
    why: "the client CA file items apply only when the kubelet has one",
  },
  // NW-K8S-4 applies only where AppArmor is enabled (NW-K8S-3): it skips instead.
  "kubernetes-node-runtime/NW-K8S-3": {
    also: { "kubernetes-node-runtime/NW-K8S-4": "skip", [`${DEB}/1.3.1.3`]: "fail", [`${DEB}/1.3.1.4`]: "fail" },
    why: "NW-K8S-4 applies only when AppArmor is enabled; CIS 1.3.1.3/1.3.1.4 read the same enabled flag",
  },
  "kubernetes-node-runtime/NW-K8S-4": { also: { [`${DEB}/1.3.1.3`]: "fail", [`${DEB}/1.3.1.4`]: "fail" }, why: "no profile loaded is CIS 1.3.1.3/1.3.1.4 too" },
};

function allViolations(): Record<string, Violation> {
  return { ...cisViolations(), ...kisaViolations(), ...kubernetesViolations() };
}

function violationSpec(v: Violation): FixtureSpec {
  return layer(compliantDebianNode(v.kubeadm ?? {}), v.spec ?? {}, v.omit ?? []);
}

/** Run `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

// ---------------------------------------------------------------- the tests

describe(`profile ${PROFILE}: a compliant kubeadm Debian 12 node`, () => {
  let baseline: Map<string, CheckResult> | undefined;
  let baseRoot: string | undefined;
  async function compliant(): Promise<Map<string, CheckResult>> {
    baseRoot ??= await fixtureRoot(compliantDebianNode());
    baseline ??= await scanRoot(baseRoot);
    return baseline;
  }

  it("passes every automated check; the skips are the listed ones, with their reasons; manual ones stay manual", async () => {
    const checks = await profileChecks();
    const results = await compliant();
    const diff: string[] = [];
    for (const c of checks) {
      const r = results.get(c.key);
      const want = expectedCompliant(c);
      const got = { status: r?.status, message: r?.message };
      const m = want.message;
      const ok = got.status === want.status && (m === undefined || (m instanceof RegExp ? m.test(got.message ?? "") : got.message === m));
      if (!ok) diff.push(`${c.key}: ${got.status} (${got.message ?? ""}), expected ${want.status}${want.message !== undefined ? ` (${String(want.message)})` : ""}`);
    }
    // Every listed skip names a real check of the profile.
    for (const k of [...Object.keys(EXPECTED_SKIPS), ...Object.keys(MANUAL_SKIPS), ...Object.keys(FIREWALL_TAILORED)]) if (!results.has(k)) diff.push(`${k}: listed as a skip but not in the profile`);
    expect(diff, `compliant node, checks not as expected:\n  ${diff.join("\n  ")}`).toEqual([]);
    const automated = checks.filter((c) => !c.manual);
    const passing = automated.filter((c) => results.get(c.key)?.status === "pass");
    expect(passing.length).toBeGreaterThan(190);
  });

  it("CIS 4: only \"iptables are flushed\" is tailored (kube-proxy and the CNI own those rules); the single-utility and default-deny items stay the benchmark's", async () => {
    const checks = await profileChecks();
    const tailoring = (k: string) => checks.find((c) => c.key === k)?.tailoring;
    for (const k of Object.keys(FIREWALL_TAILORED)) {
      expect(tailoring(k), k).toMatchObject({ profile: PROFILE, exclude: true, reason: IPTABLES_OWNED });
    }
    const firewall = checks.filter((c) => /^cis-(debian-12|ubuntu-22\.04|ubuntu-24\.04)\/4\./.test(c.key));
    expect(firewall.length).toBeGreaterThan(80);
    expect(firewall.filter((c) => c.tailoring).map((c) => c.key).sort()).toEqual(Object.keys(FIREWALL_TAILORED).sort());
  });

  it("has a violation for every automated check that passes, and none for another check", async () => {
    const checks = await profileChecks();
    const results = await compliant();
    const passing = checks.filter((c) => !c.manual && results.get(c.key)?.status === "pass").map((c) => c.key).sort();
    // A unit's running state is unknown here (SYSTEMD_UNREACHABLE), yet a violation of its
    // enablement is still a definite failure: those checks keep their violations too.
    const runningState = checks.filter((c) => !c.manual && results.get(c.key)?.status === "error" && judgesRunningState(c) && !isFirewall(c.key)).map((c) => c.key);
    expect(runningState.length).toBeGreaterThan(20);
    // Likewise the audit rules checks, undecided on the loaded rules (AUDIT_LOADED_UNKNOWN): a rule missing on disk fails them.
    const loadedRules = checks.filter((c) => !c.manual && results.get(c.key)?.status === "error" && judgesLoadedRules(c)).map((c) => c.key);
    expect(loadedRules.length).toBe(18);
    expect(Object.keys(allViolations()).sort()).toEqual([...passing, ...runningState, ...loadedRules].sort());
    // An overlap names a violation and checks of the profile.
    for (const [target, o] of Object.entries(OVERLAPS)) {
      expect([...passing, ...runningState, ...loadedRules]).toContain(target);
      for (const k of Object.keys(o.also)) expect(results.has(k), `${target} overlaps ${k}`).toBe(true);
    }
  });

  it("CIS 6.2 (auditd, Level 2): the node's image, offline, passes every automated auditd item (the loaded rules do not exist there)", async () => {
    const image = Object.fromEntries(Object.entries(compliantDebianNode()).filter(([k]) => !k.startsWith("proc/") && !k.startsWith("sys/")));
    const results = await scanRoot(await fixtureRoot(image), new Set([DEB]));
    const auditd = (await profileChecks()).filter((c) => c.pack.id === DEB && c.id.startsWith("6.2."));
    expect(auditd.filter((c) => !c.manual).length).toBe(47); // 6.2.4.3 is two checks: the files' group and auditd.conf's log_group
    const notPassing = auditd.filter((c) => !c.manual && results.get(c.key)?.status !== "pass").map((c) => `${c.key}: ${results.get(c.key)?.status} (${results.get(c.key)?.message ?? ""})`);
    expect(notPassing).toEqual([]);
    expect(auditd.filter((c) => c.manual).map((c) => [c.id, results.get(c.key)?.status])).toEqual([["6.2.3.6", "manual"], ["6.2.3.21", "manual"]]);
  });

  it("each violation fails exactly its check (and the listed overlaps), no other status changes", { timeout: 360_000 }, async () => {
    const base = await compliant();
    const violations = Object.entries(allViolations());
    // The Ubuntu and RHEL packs skip every check on this Debian node (the first test shows it) and no
    // violation touches /etc/os-release: the violations are scanned with the packs that apply here.
    const nodePacks = new Set([...base.values()].filter((r) => !otherOs(key(r))).map((r) => r.pack));
    const problems: string[] = [];
    await pool(violations, 4, async ([target, v]) => {
      const tree = await treeFrom(baseRoot as string, compliantDebianNode(), violationSpec(v));
      // Removed at once: hundreds of trees left to afterAll make its cleanup slower than a hook may take.
      const results = await scanRoot(tree, nodePacks).finally(() => rm(path.dirname(tree), { recursive: true, force: true }));
      const want = new Map<string, Status>([[target, "fail"], ...Object.entries(OVERLAPS[target]?.also ?? {})]);
      const lines: string[] = [];
      for (const [k, r] of results) {
        const expected = want.get(k) ?? base.get(k)?.status;
        if (r.status !== expected) lines.push(`${k}: ${r.status}${r.message ? ` (${r.message})` : ""}, expected ${expected}`);
      }
      const got = results.get(target)?.message ?? "";
      if (results.get(target)?.status === "fail" && v.message !== undefined && !(v.prefix ? got.startsWith(v.message) : got === v.message)) {
        lines.push(`${target}: message "${got}", expected ${v.prefix ? "to start with " : ""}"${v.message}"`);
      }
      const overlap = OVERLAPS[target];
      if (lines.length > 0) problems.push(`${target} — ${v.what}${overlap ? ` (known overlap: ${overlap.why})` : ""}:\n    ${lines.join("\n    ")}`);
    });
    expect(problems, `${problems.length} of ${violations.length} violations:\n  ${problems.join("\n  ")}`).toEqual([]);
  });
});

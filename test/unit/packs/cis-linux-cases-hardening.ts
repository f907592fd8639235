/**
 * Pass and fail fixtures for CIS Linux section 1 items beyond the kernel modules: process
 * hardening (1.5) and the warning banners (1.6 in Debian/Ubuntu, 1.7 in RHEL 9). The
 * builders take the pack's own ids so the Debian-family table and the RHEL 9 test share them.
 */
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import type { Case } from "./cis-linux-cases.js";

const SYSCTL_CONF = "etc/sysctl.d/60-cis.conf";

/** A key whose good values are several (ptrace_scope 1–3). */
export function sysctlOneOfCases(id: string, key: string, good: number, bad: number, list: string): Case[] {
  const p = key.replace(/\./g, "/");
  return [
    { id, label: `${good} running and persisted`, proc: true, spec: { [`proc/sys/${p}`]: `${good}\n`, [SYSCTL_CONF]: `${key} = ${good}\n` }, want: { status: "pass" } },
    {
      id, label: `persisted, but a later file sets ${bad}`, proc: true, spec: { [`proc/sys/${p}`]: `${good}\n`, [SYSCTL_CONF]: `${key} = ${good}\n`, "etc/sysctl.d/99-zz.conf": `${key}=${bad}\n` },
      want: { status: "fail", message: `persisted is ${bad}, expected one of [${list}]`, evidence: [{ file: `/proc/sys/${p}`, key }, { file: "/etc/sysctl.d/99-zz.conf", line: 1, key }] },
    },
    {
      id, label: `${bad} running, nothing persisted`, proc: true, spec: { [`proc/sys/${p}`]: `${bad}\n`, "proc/sys/kernel/osrelease": "6.1.0\n" },
      want: { status: "fail", message: `runtime is ${bad}, expected one of [${list}]; persisted is (not set), expected one of [${list}]`, evidence: [{ file: `/proc/sys/${p}`, key }] },
    },
  ];
}

/** `* hard core 0` through pam_limits. */
export function coreLimitCases(id: string): Case[] {
  return [
    { id, label: "* hard core 0 in limits.d", spec: { "etc/security/limits.conf": "# defaults\n", "etc/security/limits.d/60-core.conf": "*  hard  core  0\n" }, want: { status: "pass" } },
    {
      id, label: "a later limits.d file raises it", spec: { "etc/security/limits.conf": "* hard core 0\n", "etc/security/limits.d/90-dev.conf": "* hard core unlimited\n" },
      want: {
        status: "fail", message: "hard is unlimited, expected 0",
        evidence: [{ file: "/etc/security/limits.conf", line: 1, key: "* hard core" }, { file: "/etc/security/limits.d/90-dev.conf", line: 1, key: "* hard core" }],
      },
    },
    {
      id, label: "no core limit", spec: { "etc/security/limits.conf": "# nothing\n" },
      want: { status: "fail", message: "hard is (not set), expected 0", evidence: [{ file: "/etc/security/limits.conf", detail: "no core limit in /etc/security/limits.conf" }] },
    },
  ];
}

/** systemd-coredump's Storage / ProcessSizeMax; `pkgs` holds the package the check needs installed (Debian family), if any. */
export function coredumpCases(id: string, key: "Storage" | "ProcessSizeMax", good: string, bad: string, pkgs: string[] = []): Case[] {
  const cases: Case[] = [
    { id, label: `${key}=${good} in a drop-in`, pkgs, spec: { "etc/systemd/coredump.conf": `[Coredump]\n#${key}=\n`, "etc/systemd/coredump.conf.d/60-cis.conf": `[Coredump]\nStorage=none\nProcessSizeMax=0\n` }, want: { status: "pass" } },
    {
      id, label: `${key}=${bad} in a later drop-in`, pkgs,
      spec: { "etc/systemd/coredump.conf.d/60-cis.conf": "[Coredump]\nStorage=none\nProcessSizeMax=0\n", "etc/systemd/coredump.conf.d/90-debug.conf": `[Coredump]\n${key}=${bad}\n` },
      want: { status: "fail", message: `value is ${bad}, expected ${good}`, evidence: [{ file: "/etc/systemd/coredump.conf.d/90-debug.conf", line: 2, key: `Coredump.${key}` }] },
    },
    {
      id, label: "unset (systemd's default)", pkgs, spec: { "etc/systemd/coredump.conf": "[Coredump]\n" },
      want: {
        status: "fail", message: `value is (not set), expected ${good}`,
        evidence: [{ file: "/etc/systemd/coredump.conf", key: `Coredump.${key}`, detail: "not set in /etc/systemd/coredump.conf: the daemon's default applies" }],
      },
    },
  ];
  if (pkgs.length > 0) cases.push({ id, label: "systemd-coredump not installed", spec: {}, want: { status: "skip", message: "systemd-coredump is not installed (the kernel's core_pattern and the limits above apply)" } });
  return cases;
}

export function apportCases(ids: { conf: string; unit: string }): Case[] {
  const unit: FixtureSpec = { "lib/systemd/system/apport.service": "[Unit]\nDescription=apport\n[Service]\nExecStart=/usr/share/apport/apport\n[Install]\nWantedBy=multi-user.target\n" };
  const skip = { status: "skip" as const, message: "apport is not installed (no automatic error reporting)" };
  return [
    { id: ids.conf, label: "enabled=0", pkgs: ["apport"], spec: { "etc/default/apport": "# set this to 0 to disable apport\nenabled=0\n" }, want: { status: "pass" } },
    {
      id: ids.conf, label: "enabled=1", pkgs: ["apport"], spec: { "etc/default/apport": "enabled=1\n" },
      want: { status: "fail", message: "value is 1, expected 0", evidence: [{ file: "/etc/default/apport" }, { file: "/etc/default/apport", line: 1, key: "enabled" }] },
    },
    { id: ids.conf, label: "apport not installed", spec: {}, want: skip },
    { id: ids.unit, label: "apport.service disabled", pkgs: ["apport"], spec: unit, want: { status: "pass" } },
    {
      id: ids.unit, label: "apport.service enabled", pkgs: ["apport"], spec: { ...unit, "etc/systemd/system/multi-user.target.wants/apport.service": { symlink: "/lib/systemd/system/apport.service" } },
      want: {
        status: "fail", message: "enabled is true, expected false",
        evidence: [{ unit: "apport.service", file: "/lib/systemd/system/apport.service", detail: "enabled by /etc/systemd/system/multi-user.target.wants/apport.service -> /lib/systemd/system/apport.service" }],
      },
    },
    { id: ids.unit, label: "apport not installed", spec: {}, want: skip },
  ];
}

export function prelinkCases(id: string, dpkgLine: number): Case[] {
  return [
    { id, label: "not installed", spec: {}, want: { status: "pass" } },
    { id, label: "installed", pkgs: ["prelink"], spec: {}, want: { status: "fail", message: "installed is true, expected false", evidence: [{ file: "/var/lib/dpkg/status", line: dpkgLine, package: "prelink", detail: "Status: install ok installed" }] } },
  ];
}

/** 1.6.1–1.6.6 (Debian/Ubuntu) or 1.7.1–1.7.6 (RHEL 9): `first` is the section prefix, `os` a name the banner must not give. */
export function bannerCases(section: "1.6" | "1.7", os: string): Case[] {
  const id = (n: number) => `${section}.${n}`;
  const rootFile = (content: string, mode = 0o644, uid = 0) => ({ content, mode, uid, gid: 0 });
  const policy = "Authorized users only. All activity may be monitored and reported.\n";
  const leaky = `${os} 12 \\n \\l\n`;
  const cases: Case[] = [
    // Content cases write plain strings (mode 0644, root): over the compliant node they replace only the text.
    { id: id(1), label: "site text", spec: { "etc/motd": policy }, want: { status: "pass" } },
    { id: id(1), label: "no /etc/motd", spec: {}, want: { status: "pass" } },
    {
      id: id(1), label: "names the OS release (\\r)", spec: { "etc/motd": `Welcome\nKernel \\r on \\m\n` },
      want: { status: "fail", message: "(exists is true, expected false) or (matched is true, expected false)", evidence: [{ file: "/etc/motd" }, { file: "/etc/motd", line: 2 }] },
    },
  ];
  for (const [n, file] of [[2, "etc/issue"], [3, "etc/issue.net"]] as const) {
    const ev: Evidence = { file: `/${file}` };
    cases.push(
      { id: id(n), label: "site text", spec: { [file]: policy }, want: { status: "pass" } },
      { id: id(n), label: "distribution default naming the OS", spec: { [file]: leaky }, want: { status: "fail", message: "matched is true, expected false", evidence: [ev, { file: `/${file}`, line: 1 }] } },
      { id: id(n), label: "empty", spec: { [file]: "" }, want: { status: "fail", message: "size is 0, expected > 0", evidence: [ev] } },
      {
        id: id(n), label: "missing", spec: {},
        want: { status: "fail", message: "exists is false, expected true; size is (not set), expected > 0", evidence: [ev] },
      },
    );
  }
  for (const [n, file] of [[4, "etc/motd"], [5, "etc/issue"], [6, "etc/issue.net"]] as const) {
    cases.push(
      { id: id(n), label: "0644 root", spec: { [file]: rootFile(policy) }, want: { status: "pass" } },
      { id: id(n), label: "0664", spec: { [file]: rootFile(policy, 0o664) }, want: { status: "fail", message: "mode is 0664, expected 0644 or more restrictive", evidence: [{ file: `/${file}` }] } },
      { id: id(n), label: "owned by daemon", spec: { [file]: rootFile(policy, 0o644, 1) }, want: { status: "fail", message: "owner is daemon, expected root", evidence: [{ file: `/${file}` }] } },
      { id: id(n), label: "missing", spec: {}, want: { status: "skip" } },
    );
  }
  return cases;
}

/** CIS 1.1.2: the partitions and their mount options (the same ids in all four benchmarks). */
export const PARTITIONS: readonly [string, string, readonly string[]][] = [
  ["1.1.2.1", "/tmp", ["nodev", "nosuid", "noexec"]],
  ["1.1.2.2", "/dev/shm", ["nodev", "nosuid", "noexec"]],
  ["1.1.2.3", "/home", ["nodev", "nosuid"]],
  ["1.1.2.4", "/var", ["nodev", "nosuid"]],
  ["1.1.2.5", "/var/tmp", ["nodev", "nosuid", "noexec"]],
  ["1.1.2.6", "/var/log", ["nodev", "nosuid", "noexec"]],
  ["1.1.2.7", "/var/log/audit", ["nodev", "nosuid", "noexec"]],
];

const ROOT_FS = "UUID=0a1b /  ext4 errors=remount-ro 0 1\n";
const MOUNTINFO_ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n";

/** Offline roots (fstab; systemd's /dev/shm), and a running one (/proc/1/mountinfo) where /dev/shm needs it. */
export function partitionCases(): Case[] {
  const cases: Case[] = [];
  for (const [base, path, opts] of PARTITIONS) {
    const line = (o: readonly string[]) => `tmpfs ${path} tmpfs ${["defaults", ...o].join(",")} 0 0\n`;
    const ev = (o: readonly string[]) => ({ file: "/etc/fstab", line: 2, detail: `tmpfs on ${path} type tmpfs (${["defaults", ...o].join(",")})` });
    const shm = path === "/dev/shm";
    // Not a mount point: offline, a root without the line (but systemd always mounts /dev/shm), so a running system shows it.
    const absent: Pick<Case, "spec" | "proc"> = shm ? { spec: { "proc/1/mountinfo": MOUNTINFO_ROOT }, proc: true } : { spec: { "etc/fstab": ROOT_FS } };
    const absentEv = shm ? { file: "/proc/1/mountinfo", detail: "/dev/shm is not a mount point (no line for it)" } : { file: "/etc/fstab", detail: `no ${path} line in /etc/fstab and no enabled ${path.slice(1).replace(/\//g, "-")}.mount` };
    cases.push(
      { id: `${base}.1`, label: "own fstab line", spec: { "etc/fstab": ROOT_FS + line(opts) }, want: { status: "pass" } },
      { id: `${base}.1`, label: "on the root file system", ...absent, want: { status: "fail", message: "mounted is false, expected true", evidence: [absentEv] } },
    );
    opts.forEach((o, i) => {
      const id = `${base}.${i + 2}`;
      const without = opts.filter((x) => x !== o);
      cases.push(
        { id, label: `${opts.join(",")}`, spec: { "etc/fstab": ROOT_FS + line(opts) }, want: { status: "pass" } },
        {
          id, label: `without ${o}`, spec: { "etc/fstab": ROOT_FS + line(without) },
          want: { status: "fail", message: `options is ${JSON.stringify(["defaults", ...without])}, expected contains ${o}`, evidence: [ev(without)] },
        },
        { id, label: "not a separate partition", ...absent, want: { status: "skip", message: `${path} is not a separate partition (see ${base}.1)` } },
      );
    });
  }
  return cases;
}

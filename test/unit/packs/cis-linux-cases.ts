/**
 * Pass and fail fixtures for every check of the CIS Linux host packs (cis-debian-12,
 * cis-ubuntu-22.04, cis-ubuntu-24.04), as one table per pack. Each case builds real files in a temp root:
 * dpkg status stanzas, unit files and .wants links, modprobe.d and modules.dep, sysctl.d
 * and a proc/sys tree, sshd_config with Includes, files with modes and owners. The fail
 * case states the exact message and evidence the result must carry.
 */
import { expect } from "vitest";
import { SSHD_DEFAULTS } from "../../../src/probes/parse/sshd-config.js";
import type { Evidence } from "../../../src/probes/types.js";
import { BASE_ACCOUNTS } from "../../helpers/check-fixture.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { MANUAL_5_4, localUserCases, userAccountCases } from "./cis-linux-cases-accounts.js";
import { MANUAL_5_3, pamCases, sudoCases } from "./cis-linux-cases-pam.js";
import { aideCases, bootloaderCases, journaldCases, logfileCases, manualLoggingCases, rsyslogCases } from "./cis-linux-cases-logging.js";
import { apparmorCases } from "./cis-linux-cases-mac.js";
import { DEBIAN_AUDIT_IDS, DEBIAN_RULES, auditdCases, debianRuleMessages } from "./cis-linux-cases-audit.js";
import { firewallCases, liveOnly4 } from "./cis-linux-cases-firewall.js";
import { gdmCases, networkDeviceCases } from "./cis-linux-cases-desktop.js";
import { apportCases, bannerCases, partitionCases, coreLimitCases, coredumpCases, prelinkCases, sysctlOneOfCases } from "./cis-linux-cases-hardening.js";

export type Distro = "debian" | "ubuntu-22.04" | "ubuntu-24.04";

export interface Expected {
  status: "pass" | "fail" | "skip" | "manual" | "error";
  message?: string;
  evidence?: Evidence[];
}

export interface Case {
  id: string;
  /** Label shown in the test name. */
  label: string;
  spec: FixtureSpec;
  /** Use the fixture's proc/ as procfs (runtime sysctl, /proc/modules, sockets). */
  proc?: boolean;
  /** Packages installed besides bash (dpkg status on Debian/Ubuntu, the rpm stub on RHEL). */
  pkgs?: string[];
  /** Pack vars to load the check with (as a profile or --var would set them). */
  vars?: Record<string, unknown>;
  want: Expected;
}

export const REL = "6.1.0-28-amd64";
const DPKG = "/var/lib/dpkg/status";

const OS_RELEASE: Record<Distro, string> = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  "ubuntu-22.04": 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
  "ubuntu-24.04": 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
};

/** dpkg status with `bash` (so the database exists) and the named packages installed. */
/** `name` or `name=version` (default version 1.0-1). */
export function dpkg(...installed: string[]): string {
  return ["bash", ...installed].map((p) => {
    const [name, version = "1.0-1"] = p.split("=") as [string, string?];
    return `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: amd64\n`;
  }).join("\n");
}

export function base(distro: Distro, extra: FixtureSpec = {}): FixtureSpec {
  return { ...BASE_ACCOUNTS, "etc/os-release": OS_RELEASE[distro], "var/lib/dpkg/status": dpkg(), ...extra };
}

// ---------------------------------------------------------------- kernel modules

const MODULE_PATH: Record<string, string> = {
  overlay: "kernel/fs/overlayfs/overlay.ko.xz",
  "usb-storage": "kernel/drivers/usb/storage/usb-storage.ko.xz",
  dccp: "kernel/net/dccp/dccp.ko.xz",
  tipc: "kernel/net/tipc/tipc.ko.xz",
  rds: "kernel/net/rds/rds.ko.xz",
  sctp: "kernel/net/sctp/sctp.ko.xz",
};

export function moduleCases(id: string, mod: string): Case[] {
  const norm = mod.replace(/-/g, "_");
  const path = MODULE_PATH[mod] ?? `kernel/fs/${mod}/${mod}.ko.xz`;
  const kernel: FixtureSpec = {
    "proc/sys/kernel/osrelease": `${REL}\n`,
    "proc/modules": "ext4 1015808 1 - Live 0x0000000000000000\n",
    [`lib/modules/${REL}/modules.dep`]: `kernel/fs/ext4/ext4.ko.xz: \n${path}: \n`,
  };
  const dep: Evidence = { file: `/lib/modules/${REL}/modules.dep`, line: 2, module: norm, detail: path };
  return [
    {
      id, label: "install /bin/false + blacklist", proc: true,
      spec: { ...kernel, [`etc/modprobe.d/${mod}.conf`]: `install ${mod} /bin/false\nblacklist ${mod}\n` },
      want: { status: "pass" },
    },
    {
      id, label: "no module file in this kernel", proc: true,
      spec: { ...kernel, [`lib/modules/${REL}/modules.dep`]: "kernel/fs/ext4/ext4.ko.xz: \n" },
      want: { status: "pass" },
    },
    {
      // CIS's audit looks for the module's file, finds none and passes ("pre-compiled into the kernel, no remediation is necessary").
      id, label: "built into the kernel (modules.builtin)", proc: true,
      spec: { ...kernel, [`lib/modules/${REL}/modules.dep`]: "kernel/fs/ext4/ext4.ko.xz: \n", [`lib/modules/${REL}/modules.builtin`]: `kernel/fs/ext4/jbd2.ko\n${path.replace(/\.xz$/, "")}\n` },
      want: { status: "pass" },
    },
    {
      id, label: "kernel without loadable-module support (no /proc/modules)", proc: true,
      spec: { "proc/sys/kernel/osrelease": `${REL}\n` },
      want: { status: "pass" },
    },
    {
      id, label: "loadable, not disabled", proc: true, spec: kernel,
      want: {
        status: "fail",
        message: "(disabledByInstall is false, expected true; blacklisted is false, expected true) or (loadable is true, expected false) or (moduleSupport is true, expected false) or (builtin is false, expected true)",
        evidence: [dep],
      },
    },
    {
      id, label: "loaded although configured", proc: true,
      spec: { ...kernel, "proc/modules": `${norm} 65536 0 - Live 0x0000000000000000\n`, [`etc/modprobe.d/${mod}.conf`]: `install ${mod} /bin/false\nblacklist ${mod}\n` },
      want: {
        status: "fail",
        message: "(loaded is true, expected false) or (loaded is true, expected false; disabledByInstall is true, expected false) or (moduleSupport is true, expected false; loaded is true, expected false) or (builtin is false, expected true)",
        evidence: [
          { file: "/proc/modules", line: 1, module: norm, detail: "state Live" },
          dep,
          { file: `/etc/modprobe.d/${mod}.conf`, line: 1, module: norm, command: "/bin/false", key: "install" },
          { file: `/etc/modprobe.d/${mod}.conf`, line: 2, module: norm, key: "blacklist" },
        ],
      },
    },
  ];
}

// ---------------------------------------------------------------- systemd units

function wantsDir(unit: string): string {
  if (unit.endsWith(".socket")) return "sockets.target.wants";
  if (unit === "systemd-timesyncd.service") return "sysinit.target.wants";
  return "multi-user.target.wants";
}

export function unitFile(unit: string): FixtureSpec {
  const target = unit.endsWith(".socket") ? "sockets.target" : unit === "systemd-timesyncd.service" ? "sysinit.target" : "multi-user.target";
  const body = unit.endsWith(".socket") ? "[Socket]\nListenStream=/run/x.sock\n" : "[Service]\nExecStart=/usr/sbin/daemon\n";
  return { [`lib/systemd/system/${unit}`]: `[Unit]\nDescription=${unit}\n${body}[Install]\nWantedBy=${target}\n` };
}

export function enabled(unit: string): FixtureSpec {
  return { ...unitFile(unit), [`etc/systemd/system/${wantsDir(unit)}/${unit}`]: { symlink: `/lib/systemd/system/${unit}` } };
}

export function enabledEvidence(unit: string): Evidence {
  return {
    unit,
    file: `/lib/systemd/system/${unit}`,
    detail: `enabled by /etc/systemd/system/${wantsDir(unit)}/${unit} -> /lib/systemd/system/${unit}`,
  };
}

/** "Not in use": absent, disabled and masked pass; enabled fails. */
function serviceCases(id: string, unit: string, pkgs: string[]): Case[] {
  return [
    { id, label: "package not installed (no unit file)", spec: {}, want: { status: "pass" } },
    { id, label: "installed, disabled", spec: { "var/lib/dpkg/status": dpkg(...pkgs), ...unitFile(unit) }, want: { status: "pass" } },
    {
      id, label: "masked (wants link left behind)",
      spec: { ...enabled(unit), [`etc/systemd/system/${unit}`]: { symlink: "/dev/null" } },
      want: { status: "pass" },
    },
    {
      id, label: "enabled", spec: { "var/lib/dpkg/status": dpkg(...pkgs), ...enabled(unit) },
      want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledEvidence(unit)] },
    },
  ];
}

function packageCases(id: string, pkg: string): Case[] {
  const status = `${dpkg()}\nPackage: ${pkg}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n`;
  return [
    { id, label: "not installed", spec: {}, want: { status: "pass" } },
    {
      id, label: "removed, config files left",
      spec: { "var/lib/dpkg/status": `${dpkg()}\nPackage: ${pkg}\nStatus: deinstall ok config-files\nVersion: 1.0-1\n` },
      want: { status: "pass" },
    },
    {
      id, label: "installed", spec: { "var/lib/dpkg/status": status },
      want: {
        status: "fail",
        message: "installed is true, expected false",
        evidence: [{ file: DPKG, line: 6, package: pkg, detail: "Status: install ok installed" }],
      },
    },
  ];
}

// ---------------------------------------------------------------- sysctl

export function sysctlCases(id: string, key: string, value: number): Case[] {
  const p = key.replace(/\./g, "/");
  const bad = value === 0 ? 1 : 0;
  const conf = "etc/sysctl.d/60-cis.conf";
  const cases: Case[] = [
    {
      id, label: "running and persisted", proc: true,
      spec: { [`proc/sys/${p}`]: `${value}\n`, [conf]: `# CIS\n${key} = ${value}\n` },
      want: { status: "pass" },
    },
    {
      id, label: "persisted but a later file overrides it", proc: true,
      spec: { [`proc/sys/${p}`]: `${value}\n`, [conf]: `${key} = ${value}\n`, "etc/sysctl.d/99-zz.conf": `${key}=${bad}\n` },
      want: {
        status: "fail",
        message: `persisted is ${bad}, expected ${value}`,
        evidence: [{ file: `/proc/sys/${p}`, key }, { file: "/etc/sysctl.d/99-zz.conf", line: 1, key }],
      },
    },
    {
      id, label: "running value wrong, nothing persisted", proc: true,
      spec: { [`proc/sys/${p}`]: `${bad}\n`, "proc/sys/kernel/osrelease": `${REL}\n` },
      want: {
        status: "fail",
        message: `runtime is ${bad}, expected ${value}; persisted is (not set), expected ${value}`,
        evidence: [{ file: `/proc/sys/${p}`, key }],
      },
    },
  ];
  if (key.startsWith("net.ipv6.")) {
    cases.push({
      id, label: "IPv6 disabled in the kernel", proc: true,
      spec: { "sys/module/ipv6/parameters/disable": "1\n", "proc/sys/kernel/osrelease": `${REL}\n` },
      want: { status: "skip", message: "IPv6 is disabled in the kernel (ipv6.disable=1)" },
    });
  }
  return cases;
}

// ---------------------------------------------------------------- files

export interface FileRule {
  path: string;
  max: number;
  /** gid used for the passing fixture (0 root, 42 shadow, 101 crontab, 1 daemon). */
  gid?: number;
  dir?: boolean;
  /** Missing file: fail (required) or skip with this message. */
  missing?: { status: "fail"; message: string } | { status: "skip"; message: string } | { status: "pass" };
}

const fmt = (m: number) => `0${m.toString(8).padStart(3, "0")}`;

export function fileCases(id: string, r: FileRule): Case[] {
  const rel = r.path.slice(1);
  // /etc/passwd and /etc/group keep the fixture's accounts, so owner names still resolve.
  const content = (BASE_ACCOUNTS[rel] as string | undefined) ?? "# x\n";
  const entry = (mode: number, uid: number, gid: number) =>
    r.dir ? { dir: true as const, mode, uid, gid } : { content, mode, uid, gid };
  const wide = r.dir ? 0o755 : r.max | 0o004 | (r.max & 0o040 ? 0o002 : 0o040);
  const cases: Case[] = [
    { id, label: `${fmt(r.max)} root`, spec: { [rel]: entry(r.max, 0, r.gid ?? 0) }, want: { status: "pass" } },
    { id, label: "stricter mode", spec: { [rel]: entry(r.max & 0o600, 0, r.gid ?? 0) }, want: { status: "pass" } },
    {
      id, label: `${fmt(wide)}`, spec: { [rel]: entry(wide, 0, r.gid ?? 0) },
      want: { status: "fail", message: `mode is ${fmt(wide)}, expected ${fmt(r.max)} or more restrictive`, evidence: [{ file: r.path }] },
    },
    {
      id, label: "owned by daemon", spec: { [rel]: entry(r.max, 1, r.gid ?? 0) },
      want: { status: "fail", message: "owner is daemon, expected root", evidence: [{ file: r.path }] },
    },
  ];
  if (r.missing) {
    cases.push({ id, label: "missing", spec: {}, want: r.missing.status === "pass" ? { status: "pass" } : { ...r.missing, ...(r.missing.status === "fail" ? { evidence: [{ file: r.path }] } : {}) } });
  }
  return cases;
}

// ---------------------------------------------------------------- sshd

export const SSHD = "etc/ssh/sshd_config";
export const DEBIAN_SSHD = "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n";

/** Good value set in a drop-in that the main file Includes; bad value set after it (first wins). */
export function sshdCases(id: string, key: string, good: string, bad: string, failMessage: string, badIsDefault = false): Case[] {
  const lower = key.toLowerCase();
  const cases: Case[] = [
    {
      id, label: `${key} ${good} in an Include (first value wins)`,
      spec: { [SSHD]: `${DEBIAN_SSHD}${key} ${bad}\n`, "etc/ssh/sshd_config.d/60-cis.conf": `${key} ${good}\n` },
      want: { status: "pass" },
    },
    {
      id, label: `${key} ${bad}; ${good} only inside a Match block`,
      spec: { [SSHD]: `${key} ${bad}\nMatch User admin\n  ${key} ${good}\n` },
      want: { status: "fail", message: failMessage, evidence: [{ file: "/etc/ssh/sshd_config", line: 1, key: lower }] },
    },
    {
      id, label: "openssh-server not installed", spec: {},
      want: { status: "skip", message: "the OpenSSH server is not installed (no /etc/ssh/sshd_config)" },
    },
  ];
  if (badIsDefault) {
    cases.push({
      id, label: "unset: compiled-in default", spec: { [SSHD]: DEBIAN_SSHD },
      want: {
        status: "fail",
        message: failMessage,
        evidence: [{ file: "/etc/ssh/sshd_config", key: lower, detail: "not set outside Match blocks in /etc/ssh/sshd_config: sshd's compiled-in default" }],
      },
    });
  }
  return cases;
}

// ---------------------------------------------------------------- the table

export function linuxCases(distro: Distro): Case[] {
  // CIS Ubuntu 24.04 v1.0.0 and Debian 12 v1.1.0 (derived from it) share numbers, units and
  // packages; Ubuntu 22.04 v2.0.0 is the older layout (D is false only there).
  const D = distro !== "ubuntu-22.04";
  const cases: Case[] = [];
  const fsMods = D
    ? [["1.1.1.1", "cramfs"], ["1.1.1.2", "freevxfs"], ["1.1.1.3", "hfs"], ["1.1.1.4", "hfsplus"], ["1.1.1.5", "jffs2"], ["1.1.1.6", "overlay"], ["1.1.1.7", "squashfs"], ["1.1.1.8", "udf"], ["1.1.1.9", "usb-storage"]]
    : [["1.1.1.1", "cramfs"], ["1.1.1.2", "freevxfs"], ["1.1.1.3", "hfs"], ["1.1.1.4", "hfsplus"], ["1.1.1.5", "jffs2"], ["1.1.1.6", "squashfs"], ["1.1.1.7", "udf"], ["1.1.1.8", "usb-storage"]];
  for (const [id, mod] of [...fsMods, ["3.2.1", "dccp"], ["3.2.2", "tipc"], ["3.2.3", "rds"], ["3.2.4", "sctp"]] as [string, string][]) {
    cases.push(...moduleCases(id, mod));
  }

  const svc: [string, string[], string[]][] = [
    ["2.1.1", ["autofs.service"], ["autofs"]],
    ["2.1.2", ["avahi-daemon.service", "avahi-daemon.socket"], ["avahi-daemon"]],
    ["2.1.3", ["isc-dhcp-server.service", "isc-dhcp-server6.service"], ["isc-dhcp-server"]],
    ["2.1.4", [D ? "named.service" : "bind9.service"], ["bind9"]],
    ["2.1.5", ["dnsmasq.service"], ["dnsmasq"]],
    ["2.1.6", ["vsftpd.service"], ["vsftpd"]],
    ["2.1.7", ["slapd.service"], ["slapd"]],
    ["2.1.8", ["dovecot.service", "dovecot.socket"], ["dovecot-imapd"]],
    ["2.1.9", ["nfs-server.service"], ["nfs-kernel-server"]],
    ["2.1.10", ["ypserv.service"], ["ypserv"]],
    ["2.1.11", ["cups.service", "cups.socket"], ["cups"]],
    ["2.1.12", ["rpcbind.service", "rpcbind.socket"], ["rpcbind"]],
    ["2.1.13", ["rsync.service"], ["rsync"]],
    ["2.1.14", ["smbd.service"], ["samba"]],
    ["2.1.15", ["snmpd.service"], ["snmpd"]],
    ["2.1.16", ["tftpd-hpa.service"], ["tftpd-hpa"]],
    ["2.1.17", ["squid.service"], ["squid"]],
    ["2.1.18", ["apache2.service", "apache2.socket", "nginx.service"], ["apache2", "nginx"]],
    ["2.1.19", ["xinetd.service"], ["xinetd"]],
    ["3.1.3", ["bluetooth.service"], ["bluez"]],
  ];
  for (const [id, units, pkgs] of svc) units.forEach((u, i) => cases.push(...serviceCases(i === 0 ? id : `${id}-${u}`, u, pkgs)));

  cases.push(...packageCases("2.1.20", "xserver-common"));
  const clients: [string, string[]][] = [
    ["2.2.1", ["nis"]], ["2.2.2", ["rsh-client"]], ["2.2.3", ["talk"]],
    ["2.2.4", D ? ["telnet", "inetutils-telnet"] : ["telnet"]], ["2.2.5", ["ldap-utils"]], ["2.2.6", D ? ["ftp", "tnftp"] : ["ftp"]],
  ];
  for (const [id, pkgs] of clients) pkgs.forEach((p, i) => cases.push(...packageCases(i === 0 ? id : `${id}-${p}`, p)));

  cases.push(...listenerCases());
  cases.push(...timeCases(D));
  cases.push(...cronCases());

  cases.push(...networkSysctlCases());

  cases.push(...partitionCases());
  cases.push(...sysctlCases("1.5.1", "kernel.randomize_va_space", 2));
  cases.push(...sysctlOneOfCases("1.5.2", "kernel.yama.ptrace_scope", 1, 0, "1, 2, 3"));
  cases.push(...coreLimitCases("1.5.3"));
  cases.push(...sysctlCases("1.5.3-fs.suid_dumpable", "fs.suid_dumpable", 0));
  cases.push(...coredumpCases("1.5.3-coredump.Storage", "Storage", "none", "external", ["systemd-coredump"]));
  cases.push(...coredumpCases("1.5.3-coredump.ProcessSizeMax", "ProcessSizeMax", "0", "2G", ["systemd-coredump"]));
  cases.push(...prelinkCases("1.5.4", 6));
  cases.push(...apportCases({ conf: "1.5.5", unit: "1.5.5-apport.service" }));
  cases.push(...bannerCases("1.6", distro === "debian" ? "Debian GNU/Linux" : "Ubuntu"));
  cases.push(...sshCases(distro));
  cases.push(...sudoCases());
  cases.push(...firewallCases(distro === "ubuntu-22.04" ? "ubuntu2204" : "debian"));
  cases.push(...pamCases(distro === "debian" ? "debian" : distro === "ubuntu-22.04" ? "ubuntu2204" : "ubuntu2404"));
  cases.push(...userAccountCases(distro !== "ubuntu-22.04"));
  cases.push(...filePermCases());
  cases.push(...localUserCases({ shadowed: "7.2.1", empty: "7.2.2", groups: "7.2.3", shadowGroup: "7.2.4", dupUid: "7.2.5", dupGid: "7.2.6", dupUser: "7.2.7", dupGroup: "7.2.8", homes: "7.2.9", dotfiles: "7.2.10" }));
  cases.push(...loggingCases(distro));
  cases.push(...bootloaderCases("/boot/grub/grub.cfg"));
  cases.push(...apparmorCases());
  cases.push(...gdmCases({ sec: "1.7", pkg: "gdm3", confDir: "etc/gdm3" }), ...networkDeviceCases());
  // System auditing: 6.2 in Debian 12 and Ubuntu 24.04 (the same items), 6.3 in Ubuntu 22.04 v2.0.0.
  cases.push(...auditdCases(D ? DEBIAN_AUDIT_IDS : { ...DEBIAN_AUDIT_IDS, sec: "6.3" }, DEBIAN_RULES, debianRuleMessages()));
  return cases;
}

/**
 * CIS 6.1 logging and 6.3 AIDE (Debian 12 v1.1.0 and Ubuntu 24.04 v1.0.0, which share the
 * numbering); Ubuntu 22.04 v2.0.0 puts AIDE at 6.1, journald at 6.2 and has no rsyslog items.
 */
function loggingCases(distro: Distro): Case[] {
  if (distro === "debian" || distro === "ubuntu-24.04") {
    const rsyslog = { installed: "6.1.3.1", enabled: "6.1.3.2", forward: "6.1.3.3", fileMode: "6.1.3.4", noListen: "6.1.3.7" };
    return [
      ...journaldCases({ journaldEnabled: "6.1.1.1", oneLoggingSystem: "6.1.1.4", remoteInstalled: "6.1.2.1.1", uploadEnabled: "6.1.2.1.3", remoteNotInUse: "6.1.2.1.4", forwardOff: "6.1.2.2", compress: "6.1.2.3", storage: "6.1.2.4", rsyslog, logfiles: "6.1.4.1" }, true),
      ...rsyslogCases(rsyslog),
      ...logfileCases("6.1.4.1"),
      ...manualLoggingCases(["6.1.1.2", "6.1.1.3"], "6.1.2.1.2", ["6.1.3.5", "6.1.3.6", "6.1.3.8"]),
      ...aideCases({ installed: "6.3.1", regular: "6.3.2", auditTools: "6.3.3" }, "dailyaidecheck.timer", "/etc/aide/aide.conf"),
    ];
  }
  const ids = { journaldEnabled: "6.2.1.1.1", remoteInstalled: "6.2.1.2.1", uploadEnabled: "6.2.1.2.3", remoteNotInUse: "6.2.1.2.4", forwardOff: "6.2.1.1.4", compress: "6.2.1.1.6", storage: "6.2.1.1.5", logfiles: "6.2.2.1" };
  return [
    ...journaldCases(ids, false),
    ...logfileCases("6.2.2.1"),
    ...manualLoggingCases(["6.2.1.1.2", "6.2.1.1.3"], "6.2.1.2.2", []),
    ...aideCases({ installed: "6.1.1", regular: "6.1.2", auditTools: "6.1.3" }, "dailyaidecheck.timer", "/etc/aide/aide.conf"),
  ];
}

export function tcpTable(entries: [string, number][]): string {
  const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  return [
    header,
    ...entries.map(([hexAddr, port], i) =>
      `   ${i}: ${hexAddr}:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1 0000000000000000 100 0 0 10 0`),
    "",
  ].join("\n");
}

/** /proc/net with a TCP table and empty tcp6/udp/udp6 tables. */
export function net(tcp: string): FixtureSpec {
  const empty = (h: string) => `${h}\n`;
  return {
    "proc/net/tcp": tcp,
    "proc/net/tcp6": empty("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"),
    "proc/net/udp": empty("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"),
    "proc/net/udp6": empty("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"),
  };
}

export function listenerCases(): Case[] {
  const ANY = "00000000";
  const LO = "0100007F";
  return [
    { id: "2.1.21", label: "SMTP on loopback only", proc: true, spec: net(tcpTable([[LO, 25], [ANY, 22]])), want: { status: "pass" } },
    {
      id: "2.1.21", label: "SMTP on all addresses", proc: true, spec: net(tcpTable([[ANY, 25], [LO, 587]])),
      want: {
        status: "fail",
        message: "listeners is 1 of 2 matching: tcp 0.0.0.0:25, expected no element: port one of [25, 465, 587], protocol = tcp, not(address matches /^(127\\.|::1$|::ffff:127\\.)/)",
        // Every listener (the fact), the offending one among them.
        evidence: [{ protocol: "tcp", address: "0.0.0.0", port: 25 }, { protocol: "tcp", address: "127.0.0.1", port: 587 }],
      },
    },
    { id: "2.1.21", label: "offline root (no procfs)", spec: {}, want: { status: "skip" } },
    { id: "2.1.22", label: "ssh and loopback only", proc: true, spec: net(tcpTable([[ANY, 22], [LO, 8080]])), want: { status: "pass" } },
    {
      id: "2.1.22", label: "unapproved port", proc: true, spec: net(tcpTable([[ANY, 22], [ANY, 2024]])),
      want: {
        status: "fail",
        message: "listeners is 1 of 2 not matching: tcp 0.0.0.0:2024, expected every element: any(address one of [127.0.0.1, ::1]; address matches /^(127\\.|::ffff:127\\.)/; port one of [22])",
        evidence: [{ protocol: "tcp", address: "0.0.0.0", port: 22 }, { protocol: "tcp", address: "0.0.0.0", port: 2024 }],
      },
    },
  ];
}

function timeCases(D: boolean): Case[] {
  const chrony = (conf: string): FixtureSpec => ({ "var/lib/dpkg/status": dpkg("chrony"), "etc/chrony/chrony.conf": conf });
  const timesyncd = { "var/lib/dpkg/status": dpkg("systemd-timesyncd") };
  return [
    { id: "2.3.1.1", label: "chrony enabled", spec: { ...enabled("chrony.service") }, want: { status: "pass" } },
    {
      id: "2.3.1.1", label: "timesyncd enabled, chrony's link dangling",
      spec: { ...enabled("systemd-timesyncd.service"), "etc/systemd/system/multi-user.target.wants/chrony.service": { symlink: "/lib/systemd/system/chrony.service" } },
      want: { status: "pass" },
    },
    {
      id: "2.3.1.1", label: "both enabled", spec: { ...enabled("chrony.service"), ...enabled("systemd-timesyncd.service") },
      want: {
        status: "fail",
        message: "expected not (all(files some element: path matches //chrony\\.service$/, exists = true; files some element: path matches //systemd-timesyncd\\.service$/, exists = true))",
        evidence: [{ file: "/etc/systemd/system/multi-user.target.wants/chrony.service", detail: "symlink to /lib/systemd/system/chrony.service" }, { file: "/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service", detail: "symlink to /lib/systemd/system/systemd-timesyncd.service" }],
      },
    },
    {
      id: "2.3.1.1", label: "none enabled", spec: { ...enabled("cron.service") },
      want: {
        status: "fail",
        message: "files is 0 of 1 matching, expected some element: path matches //(chrony|systemd-timesyncd)\\.service$/, exists = true",
        evidence: [{ file: "/etc/systemd/system/multi-user.target.wants/cron.service", detail: "symlink to /lib/systemd/system/cron.service" }],
      },
    },
    {
      id: "2.3.2.1", label: "NTP= in a drop-in", spec: { ...timesyncd, "etc/systemd/timesyncd.conf.d/60-timesyncd.conf": "[Time]\nNTP=time.example.org\n" },
      want: { status: "manual" },
    },
    { id: "2.3.2.1", label: "timesyncd not installed", spec: {}, want: { status: "skip", message: "systemd-timesyncd is not installed (chrony or another daemon keeps time; see 2.3.1.1)" } },
    D
      ? { id: "2.3.2.2", label: "timesyncd enabled", spec: { ...timesyncd, ...enabled("systemd-timesyncd.service") }, want: { status: "pass" } }
      : { id: "2.3.2.2", label: "manual in Ubuntu", spec: { ...timesyncd, ...enabled("systemd-timesyncd.service") }, want: { status: "manual" } },
    ...(D
      ? [{
          id: "2.3.2.2", label: "timesyncd installed, disabled", spec: { ...timesyncd, ...unitFile("systemd-timesyncd.service") },
          want: { status: "fail" as const, message: "enabled is false, expected true", evidence: [{ unit: "systemd-timesyncd.service", file: "/lib/systemd/system/systemd-timesyncd.service" }] },
        }]
      : []),
    { id: "2.3.2.2", label: "timesyncd not installed", spec: {}, want: { status: "skip", message: "systemd-timesyncd is not installed (chrony or another daemon keeps time; see 2.3.1.1)" } },
    { id: "2.3.3.1", label: "pool line", spec: chrony("pool 2.debian.pool.ntp.org iburst\n"), want: { status: "manual" } },
    { id: "2.3.3.1", label: "chrony not installed", spec: {}, want: { status: "skip", message: "chrony is not installed (systemd-timesyncd or another daemon keeps time; see 2.3.1.1)" } },
    { id: "2.3.3.2", label: "no user line (built-in _chrony)", spec: chrony("pool x iburst\n"), want: { status: "pass" } },
    { id: "2.3.3.2", label: "user _chrony", spec: chrony("user _chrony\n"), want: { status: "pass" } },
    {
      id: "2.3.3.2", label: "user root", spec: chrony("pool x\nuser root\n"),
      want: {
        status: "fail",
        message: "(found is true, expected false) or (value is root, expected _chrony)",
        evidence: [{ file: "/etc/chrony/chrony.conf" }, { file: "/etc/chrony/chrony.conf", line: 2, key: "user" }],
      },
    },
    { id: "2.3.3.2", label: "chrony not installed", spec: {}, want: { status: "skip", message: "chrony is not installed (systemd-timesyncd or another daemon keeps time; see 2.3.1.1)" } },
    { id: "2.3.3.3", label: "chrony enabled", spec: { ...chrony("pool x\n"), ...enabled("chrony.service") }, want: { status: "pass" } },
    {
      id: "2.3.3.3", label: "chrony masked", spec: { ...chrony("pool x\n"), ...unitFile("chrony.service"), "etc/systemd/system/chrony.service": { symlink: "/dev/null" } },
      want: { status: "fail", message: "enabled is false, expected true", evidence: [{ unit: "chrony.service", file: "/etc/systemd/system/chrony.service", detail: "masked: /etc/systemd/system/chrony.service -> /dev/null" }] },
    },
  ];
}

function cronCases(): Case[] {
  const cron = { "var/lib/dpkg/status": dpkg("cron") };
  const at = { "var/lib/dpkg/status": dpkg("at") };
  const withPkg = (pkg: FixtureSpec, cs: Case[]): Case[] => cs.map((c) => ({ ...c, spec: { ...pkg, ...c.spec } }));
  const cases: Case[] = [
    { id: "2.4.1.1", label: "cron enabled", spec: { ...cron, ...enabled("cron.service") }, want: { status: "pass" } },
    {
      id: "2.4.1.1", label: "cron disabled", spec: { ...cron, ...unitFile("cron.service") },
      want: { status: "fail", message: "enabled is false, expected true", evidence: [{ unit: "cron.service", file: "/lib/systemd/system/cron.service" }] },
    },
    { id: "2.4.1.1", label: "cron not installed", spec: { ...enabled("cron.service") }, want: { status: "skip", message: "cron is not installed (CIS: this section can be skipped)" } },
    ...withPkg(cron, fileCases("2.4.1.2", { path: "/etc/crontab", max: 0o600, missing: { status: "skip", message: "/etc/crontab does not exist" } })),
  ];
  for (const [id, d] of [["2.4.1.3", "hourly"], ["2.4.1.4", "daily"], ["2.4.1.5", "weekly"], ["2.4.1.6", "monthly"], ["2.4.1.7", "d"]] as const) {
    cases.push(...withPkg(cron, fileCases(id, { path: `/etc/cron.${d}`, max: 0o700, dir: true, missing: { status: "skip", message: `/etc/cron.${d} does not exist` } })));
  }
  const missingAllow = (p: string) => ({
    status: "fail" as const,
    message: `exists is false, expected true; mode is (not set), expected 0640 or more restrictive; owner is (not set), expected root; group is (not set), expected one of [${p === "/etc/cron.allow" ? "root, crontab" : "root, daemon"}]`,
  });
  cases.push(...withPkg(cron, fileCases("2.4.1.8", { path: "/etc/cron.allow", max: 0o640, gid: 101, missing: missingAllow("/etc/cron.allow") })));
  cases.push(...withPkg(cron, denyCases("2.4.1.8-cron.deny", "/etc/cron.deny", "root, crontab")));
  cases.push(...withPkg(at, fileCases("2.4.2.1", { path: "/etc/at.allow", max: 0o640, gid: 1, missing: missingAllow("/etc/at.allow") })));
  cases.push(...withPkg(at, denyCases("2.4.2.1-at.deny", "/etc/at.deny", "root, daemon")));
  cases.push({ id: "2.4.2.1", label: "at not installed", spec: {}, want: { status: "skip", message: "at is not installed" } });
  return cases;
}

export function denyCases(id: string, p: string, groups: string): Case[] {
  const rel = p.slice(1);
  return [
    { id, label: "absent", spec: {}, want: { status: "pass" } },
    { id, label: "0640 root", spec: { [rel]: { content: "", mode: 0o640, uid: 0, gid: 0 } }, want: { status: "pass" } },
    {
      id, label: "0644", spec: { [rel]: { content: "", mode: 0o644, uid: 0, gid: 0 } },
      want: {
        status: "fail",
        message: `(exists is true, expected false) or (mode is 0644, expected 0640 or more restrictive)`,
        evidence: [{ file: p }],
      },
    },
    {
      id, label: "group nogroup", spec: { [rel]: { content: "", mode: 0o600, uid: 0, gid: 65534 } },
      want: { status: "fail", message: `(exists is true, expected false) or (group is nogroup, expected one of [${groups}])`, evidence: [{ file: p }] },
    },
  ];
}

/** 5.1.2: groups that may own a 0640 private host key (Ubuntu 24.04's audit: /^(ssh_keys|_?ssh)$/). */
const HOST_KEY_GROUPS: Record<Distro, string> = { debian: "ssh_keys, _ssh_keys", "ubuntu-22.04": "ssh_keys, _ssh_keys", "ubuntu-24.04": "ssh_keys, _ssh, ssh" };

const DANGLING_ECDSA = "dangling symlink to /etc/ssh/old/ecdsa: left out, there is no file to judge";

function sshCases(distro: Distro): Case[] {
  const keyFiles = (mode: number, gid = 0): FixtureSpec => ({
    "etc/ssh/ssh_host_ed25519_key": { content: "k\n", mode, uid: 0, gid },
    "etc/ssh/ssh_host_rsa_key": { content: "k\n", mode: 0o600, uid: 0, gid: 0 },
  });
  const cases: Case[] = [
    ...fileCases("5.1.1", { path: "/etc/ssh/sshd_config", max: 0o600, missing: { status: "skip", message: "the OpenSSH server is not installed (no /etc/ssh/sshd_config)" } }),
    { id: "5.1.2", label: "0600 root:root", spec: keyFiles(0o600), want: { status: "pass" } },
    { id: "5.1.2", label: "0640 root:ssh_keys", spec: { ...keyFiles(0o640, 998), "etc/group": `${BASE_ACCOUNTS["etc/group"] as string}ssh_keys:x:998:\n` }, want: { status: "pass" } },
    { id: "5.1.2", label: "no host keys", spec: {}, want: { status: "pass" } },
    ...(distro === "ubuntu-24.04"
      ? [{ id: "5.1.2", label: "0640 root:_ssh", spec: { ...keyFiles(0o640, 997), "etc/group": `${BASE_ACCOUNTS["etc/group"] as string}_ssh:x:997:\n` }, want: { status: "pass" as const } }]
      : []),
    {
      id: "5.1.2", label: "0640 root:root", spec: keyFiles(0o640),
      want: {
        status: "fail",
        message: `files is 1 of 2 not matching: /etc/ssh/ssh_host_ed25519_key, expected every element: any(mode 0600 or more restrictive, owner = root, group = root; mode 0640 or more restrictive, owner = root, group one of [${HOST_KEY_GROUPS[distro]}])`,
        evidence: [{ file: "/etc/ssh/ssh_host_ed25519_key" }, { file: "/etc/ssh/ssh_host_rsa_key" }],
      },
    },
    // A dangling key link (its target deleted) has no mode or owner: left out, as CIS's
    // `find -L /etc/ssh -xdev -type f` leaves it out, and named in the evidence.
    {
      id: "5.1.2", label: "0600 key beside a dangling key link", spec: { ...keyFiles(0o600), "etc/ssh/ssh_host_ecdsa_key": { symlink: "/etc/ssh/old/ecdsa" } },
      want: { status: "pass", evidence: [{ file: "/etc/ssh/ssh_host_ecdsa_key", detail: DANGLING_ECDSA }, { file: "/etc/ssh/ssh_host_ed25519_key" }, { file: "/etc/ssh/ssh_host_rsa_key" }] },
    },
    {
      id: "5.1.2", label: "0640 root:root key beside a dangling key link", spec: { ...keyFiles(0o640), "etc/ssh/ssh_host_ecdsa_key": { symlink: "/etc/ssh/old/ecdsa" } },
      want: {
        status: "fail",
        message: `files is 1 of 2 not matching: /etc/ssh/ssh_host_ed25519_key, expected every element: any(mode 0600 or more restrictive, owner = root, group = root; mode 0640 or more restrictive, owner = root, group one of [${HOST_KEY_GROUPS[distro]}])`,
        evidence: [{ file: "/etc/ssh/ssh_host_ecdsa_key", detail: DANGLING_ECDSA }, { file: "/etc/ssh/ssh_host_ed25519_key" }, { file: "/etc/ssh/ssh_host_rsa_key" }],
      },
    },
    { id: "5.1.3", label: "0644 root", spec: { "etc/ssh/ssh_host_ed25519_key.pub": { content: "k\n", mode: 0o644, uid: 0, gid: 0 } }, want: { status: "pass" } },
    {
      id: "5.1.3", label: "0664", spec: { "etc/ssh/ssh_host_ed25519_key.pub": { content: "k\n", mode: 0o664, uid: 0, gid: 0 } },
      want: {
        status: "fail",
        message: "files is 1 of 1 not matching: /etc/ssh/ssh_host_ed25519_key.pub, expected every element: mode 0644 or more restrictive, owner = root, group = root",
        evidence: [{ file: "/etc/ssh/ssh_host_ed25519_key.pub" }],
      },
    },
    { id: "5.1.4", label: "AllowGroups in a drop-in", spec: { [SSHD]: DEBIAN_SSHD, "etc/ssh/sshd_config.d/60-cis.conf": "AllowGroups sshusers\n" }, want: { status: "pass" } },
    { id: "5.1.4", label: "DenyUsers", spec: { [SSHD]: "DenyUsers guest\n" }, want: { status: "pass" } },
    {
      id: "5.1.4", label: "AllowUsers only in a Match block", spec: { [SSHD]: "Port 22\nMatch Address 10.0.0.0/8\n  AllowUsers ops\n" },
      want: {
        status: "fail",
        message: "(settings.allowusers is (not set), expected set) or (settings.allowgroups is (not set), expected set) or (settings.denyusers is (not set), expected set) or (settings.denygroups is (not set), expected set)",
        evidence: [{ file: "/etc/ssh/sshd_config", key: "allowgroups", detail: "not set outside Match blocks in /etc/ssh/sshd_config (no default)" }],
      },
    },
    ...sshdCases("5.1.5", "Banner", "/etc/issue.net", "none", "value is none, expected not (= none)", true),
    ...sshdCases("5.1.6", "Ciphers", "-3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc", "aes256-ctr,aes128-cbc",
      "value is aes256-ctr,aes128-cbc, expected not (matches /(^|,)(3des-cbc|aes128-cbc|aes192-cbc|aes256-cbc|arcfour|arcfour128|arcfour256|blowfish-cbc|cast128-cbc|rijndael-cbc@lysator\\.liu\\.se)(,|$)/)"),
    { id: "5.1.6", label: "unset: default list has no weak cipher", spec: { [SSHD]: DEBIAN_SSHD }, want: { status: "pass" } },
    ...sshdCases("5.1.7", "ClientAliveInterval", "15", "0", "value is 0, expected > 0", true),
    {
      id: "5.1.7", label: "ClientAliveCountMax 0", spec: { [SSHD]: "ClientAliveInterval 15\nClientAliveCountMax 0\n" },
      want: { status: "fail", message: "settings.clientalivecountmax is 0, expected > 0", evidence: [{ file: "/etc/ssh/sshd_config", line: 1, key: "clientaliveinterval" }] },
    },
    ...sshdCases("5.1.8", "DisableForwarding", "yes", "no", "value is no, expected yes", true),
    ...sshdCases("5.1.9", "GSSAPIAuthentication", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.10", "HostbasedAuthentication", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.11", "IgnoreRhosts", "yes", "no", "value is no, expected yes"),
    ...sshdCases("5.1.12", "KexAlgorithms", "-diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1", "+diffie-hellman-group14-sha1",
      `value is ${DEFAULT_KEX},diffie-hellman-group14-sha1, expected not (matches /(^|,)(diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1)(,|$)/)`),
    ...sshdCases("5.1.13", "LoginGraceTime", "1m", "2m", "value is 120, expected >= 1 and <= 60", true),
    ...sshdCases("5.1.14", "LogLevel", "verbose", "DEBUG3", "value is DEBUG3, expected one of [INFO, VERBOSE]"),
    ...sshdCases("5.1.15", "MACs", "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com", "hmac-sha2-512,hmac-md5",
      "value is hmac-sha2-512,hmac-md5, expected not (matches /(^|,)(hmac-md5|hmac-md5-96|hmac-ripemd160|hmac-sha1-96|umac-64@openssh\\.com|hmac-md5-etm@openssh\\.com|hmac-md5-96-etm@openssh\\.com|hmac-ripemd160-etm@openssh\\.com|hmac-sha1-96-etm@openssh\\.com|umac-64-etm@openssh\\.com|umac-128-etm@openssh\\.com)(,|$)/)"),
    ...sshdCases("5.1.16", "MaxAuthTries", "4", "6", "value is 6, expected <= 4", true),
    ...sshdCases("5.1.17", "MaxSessions", "10", "20", "value is 20, expected <= 10"),
    ...sshdCases("5.1.18", "MaxStartups", "10:30:60", "10:30:100", "value is 10:30:100, expected matches /^([0-9]|10):([0-9]|[12][0-9]|30):([0-9]|[1-5][0-9]|60)$/", true),
    ...sshdCases("5.1.19", "PermitEmptyPasswords", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.20", "PermitRootLogin", "no", "prohibit-password", "value is prohibit-password, expected no", true),
    ...sshdCases("5.1.21", "PermitUserEnvironment", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.22", "UsePAM", "yes", "no", "value is no, expected yes"),
  ];
  return cases;
}

/** sshd's compiled-in KexAlgorithms (the probe's table, checked against the real sshd in test/integration/sshd-effective.test.ts). */
export const DEFAULT_KEX = SSHD_DEFAULTS.kexalgorithms;

function filePermCases(): Case[] {
  const missingReq = (max: string, group: string) => ({
    status: "fail" as const,
    message: `exists is false, expected true; mode is (not set), expected ${max} or more restrictive; owner is (not set), expected root; group is (not set), expected ${group}`,
  });
  const backup = (p: string) => ({ status: "skip" as const, message: `${p} does not exist (no backup written yet)` });
  const cases: Case[] = [
    ...fileCases("7.1.1", { path: "/etc/passwd", max: 0o644 }),
    ...fileCases("7.1.2", { path: "/etc/passwd-", max: 0o644, missing: backup("/etc/passwd-") }),
    ...fileCases("7.1.3", { path: "/etc/group", max: 0o644 }),
    ...fileCases("7.1.4", { path: "/etc/group-", max: 0o644, missing: backup("/etc/group-") }),
    ...fileCases("7.1.5", { path: "/etc/shadow", max: 0o640, gid: 42, missing: missingReq("0640", "one of [root, shadow]") }),
    ...fileCases("7.1.6", { path: "/etc/shadow-", max: 0o640, gid: 42, missing: backup("/etc/shadow-") }),
    ...fileCases("7.1.7", { path: "/etc/gshadow", max: 0o640, gid: 42, missing: missingReq("0640", "one of [root, shadow]") }),
    ...fileCases("7.1.8", { path: "/etc/gshadow-", max: 0o640, gid: 0, missing: backup("/etc/gshadow-") }),
    ...fileCases("7.1.9", { path: "/etc/shells", max: 0o644, missing: missingReq("0644", "root") }),
    { id: "7.1.10", label: "opasswd and opasswd.old 0600", spec: { "etc/security/opasswd": { content: "", mode: 0o600, uid: 0, gid: 0 }, "etc/security/opasswd.old": { content: "", mode: 0o600, uid: 0, gid: 0 } }, want: { status: "pass" } },
    { id: "7.1.10", label: "neither exists", spec: {}, want: { status: "pass" } },
    {
      id: "7.1.10", label: "opasswd.old 0644", spec: { "etc/security/opasswd": { content: "", mode: 0o600, uid: 0, gid: 0 }, "etc/security/opasswd.old": { content: "", mode: 0o644, uid: 0, gid: 0 } },
      want: {
        status: "fail",
        message: "files is 1 of 2 not matching: /etc/security/opasswd.old, expected every element: mode 0600 or more restrictive, owner = root, group = root",
        evidence: [{ file: "/etc/security/opasswd" }, { file: "/etc/security/opasswd.old" }],
      },
    },
  ];
  cases.push(...fileTreeCases());
  return cases;
}

/** 7.1.11 and 7.1.12: the file-tree walks (deep checks; runCheckOn scans with deep on). */
export function fileTreeCases(): Case[] {
  const mode = (m: number, uid = 0, gid = 0) => ({ content: "x", mode: m, uid, gid });
  // The walk's own summary comes first; its entry count and duration vary with the fixture.
  const walked: Evidence = { detail: expect.stringMatching(/^walked \/ \(one filesystem\): \d+ entries in \d+ ms$/) as string };
  return [
    { id: "7.1.11", label: "sticky /tmp, no world-writable file", spec: { tmp: { dir: true, mode: 0o1777 }, "srv/app.conf": mode(0o644) }, want: { status: "pass" } },
    {
      id: "7.1.11", label: "0666 file", spec: { "srv/app.conf": mode(0o666) },
      want: { status: "fail", message: "count is 1, expected 0", evidence: [walked, { file: "/srv/app.conf", detail: "file mode 0666 root:root" }] },
    },
    { id: "7.1.11-directories", label: "sticky /tmp", spec: { tmp: { dir: true, mode: 0o1777 } }, want: { status: "pass" } },
    {
      id: "7.1.11-directories", label: "0777 directory without the sticky bit", spec: { tmp: { dir: true, mode: 0o1777 }, "srv/drop": { dir: true, mode: 0o777 } },
      want: { status: "fail", message: "count is 1, expected 0", evidence: [walked, { file: "/srv/drop", detail: "directory mode 0777 root:root" }] },
    },
    { id: "7.1.12", label: "every owner and group known", spec: { "srv/data": mode(0o644, 0, 0) }, want: { status: "pass" } },
    {
      id: "7.1.12", label: "uid 4242 and gid 4243 unknown", spec: { "srv/data": mode(0o644, 4242, 0), "srv/cache": { dir: true, mode: 0o755, uid: 0, gid: 4243 } },
      want: {
        status: "fail", message: "count is 2, expected 0",
        evidence: [walked, { file: "/srv/cache", detail: "directory mode 0755 root:4243" }, { file: "/srv/data", detail: "file mode 0644 4242:root" }],
      },
    },
  ];
}

/** Checks with no automated audit: the result is `manual` on any root. */
/** CIS 1.2 package management: keys, repositories and updates are site policy (all manual). */
const MANUAL_1_2 = ["1.2.1.1", "1.2.1.2", "1.2.2.1"];

/** Checks judged only on the live host (see cis-linux-cases-firewall.ts), per distribution. */
export const LIVE_ONLY: Record<Distro, Record<string, string>> = {
  debian: liveOnly4("debian"),
  "ubuntu-22.04": liveOnly4("ubuntu2204"),
  "ubuntu-24.04": liveOnly4("debian"),
};

export const MANUAL_ONLY: Record<Distro, string[]> = {
  debian: ["1.1.1.10", ...MANUAL_1_2, ...MANUAL_5_3, ...MANUAL_5_4, "7.1.13"],
  "ubuntu-22.04": [...MANUAL_1_2, ...MANUAL_5_3, ...MANUAL_5_4, "7.1.13"],
  "ubuntu-24.04": ["1.1.1.10", ...MANUAL_1_2, ...MANUAL_5_3, ...MANUAL_5_4, "7.1.13"],
};

/** CIS 3.3.x network parameters: the same keys and values in the Debian, Ubuntu and RHEL 9 benchmarks. */
export const NETWORK_SYSCTLS: readonly [string, readonly string[], number][] = [
    ["3.3.1", ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"], 0],
    ["3.3.2", ["net.ipv4.conf.all.send_redirects", "net.ipv4.conf.default.send_redirects"], 0],
    ["3.3.3", ["net.ipv4.icmp_ignore_bogus_error_responses"], 1],
    ["3.3.4", ["net.ipv4.icmp_echo_ignore_broadcasts"], 1],
    ["3.3.5", ["net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.default.accept_redirects", "net.ipv6.conf.all.accept_redirects", "net.ipv6.conf.default.accept_redirects"], 0],
    ["3.3.6", ["net.ipv4.conf.all.secure_redirects", "net.ipv4.conf.default.secure_redirects"], 0],
    ["3.3.7", ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"], 1],
    ["3.3.8", ["net.ipv4.conf.all.accept_source_route", "net.ipv4.conf.default.accept_source_route", "net.ipv6.conf.all.accept_source_route", "net.ipv6.conf.default.accept_source_route"], 0],
    ["3.3.9", ["net.ipv4.conf.all.log_martians", "net.ipv4.conf.default.log_martians"], 1],
    ["3.3.10", ["net.ipv4.tcp_syncookies"], 1],
    ["3.3.11", ["net.ipv6.conf.all.accept_ra", "net.ipv6.conf.default.accept_ra"], 0],
  ];

/** Pass and fail cases for every 3.3.x key; the first key of an item has the bare id. */
export function networkSysctlCases(): Case[] {
  return NETWORK_SYSCTLS.flatMap(([id, keys, v]) => keys.flatMap((k, i) => sysctlCases(i === 0 ? id : `${id}-${k}`, k, v)));
}

/**
 * cis-rhel-9: a pass and a fail fixture for every check, on fixture RHEL 9 roots
 * (/etc/os-release ID=rhel, an rpm database directory, no dpkg status). Kernel modules,
 * sysctl, sshd, listeners and file modes reuse the cis-linux-cases.ts builders; services,
 * packages, chrony, cron and the 0000 shadow files are RHEL's own.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner } from "../../../src/host/exec.js";
import type { Evidence } from "../../../src/probes/types.js";
import { BASE_ACCOUNTS, loadShippedPacks, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import {
  DEBIAN_SSHD as SSHD_BASE,
  DEFAULT_KEX,
  SSHD,
  denyCases,
  enabled,
  enabledEvidence,
  fileCases,
  fileTreeCases,
  listenerCases,
  moduleCases,
  sshdCases,
  networkSysctlCases,
  sysctlCases,
  unitFile,
  type Case,
  type Expected,
} from "./cis-linux-cases.js";
import { MANUAL_5_4, localUserCases, userAccountCases } from "./cis-linux-cases-accounts.js";
import { MANUAL_5_3, pamCases, sudoCases } from "./cis-linux-cases-pam.js";
import { bannerCases, coredumpCases, partitionCases, sysctlOneOfCases } from "./cis-linux-cases-hardening.js";
import { gdmCases, networkDeviceCases } from "./cis-linux-cases-desktop.js";
import { rhelFirewallCases } from "./cis-linux-cases-firewall.js";
import { aideCases, bootloaderCases, journaldCases, logfileCases, manualLoggingCases, rsyslogCases } from "./cis-linux-cases-logging.js";
import { RHEL_AUDIT_IDS, RHEL_RULES, auditdCases, rhelRuleMessages } from "./cis-linux-cases-audit.js";

const PACK = "cis-rhel-9";
const RPM_DB = "/var/lib/rpm";

interface RhelCase {
  id: string;
  label: string;
  spec: FixtureSpec;
  /** Packages the rpm database holds (besides bash). */
  rpm?: string[];
  proc?: boolean;
  /** Pack vars for this case (as --var sets them). */
  vars?: Record<string, unknown>;
  want: Expected;
}

const OS_RELEASE = 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n';

function rhelBase(extra: FixtureSpec = {}): FixtureSpec {
  return { ...BASE_ACCOUNTS, "etc/os-release": OS_RELEASE, "var/lib/rpm": { dir: true, mode: 0o755, uid: 0, gid: 0 }, ...extra };
}

/**
 * Stands in for `rpm --root <root> -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n'`: rpm is not
 * installed on CI machines, so the package probe's one query is answered from the case's list.
 * Any other command is "not found", as on a host without it.
 */
function rpmStub(installed: readonly string[]): CommandRunner {
  return (argv) => {
    const result: CommandResult = { argv: [...argv], exitCode: null, stdout: "", stderr: "", failed: true, timedOut: false, notFound: true, truncated: false, durationMs: 0 };
    if (argv[0] === "rpm" && argv[1] === "--root" && argv.includes("-qa") && argv.includes("--qf")) {
      // `name` or `name=version-release`.
      const stdout = ["bash", ...installed].map((p) => `${p.split("=")[0] as string}\t${p.split("=")[1] ?? "1.0-1.el9"}\n`).join("");
      return Promise.resolve({ ...result, exitCode: 0, stdout, failed: false, notFound: false });
    }
    return Promise.resolve(result);
  };
}

function run(c: Pick<RhelCase, "id" | "spec" | "rpm" | "proc" | "vars">, spec = rhelBase(c.spec)) {
  return runCheckOn(`${PACK}/${c.id}`, spec, { run: rpmStub(c.rpm ?? []), ...(c.proc ? { proc: "proc" } : {}), ...(c.vars ? { vars: c.vars } : {}) });
}

// ---------------------------------------------------------------- services and packages

/** "Not in use" by unit: absent, installed-but-disabled and masked pass; enabled fails. */
function serviceCases(id: string, unit: string, pkg: string): RhelCase[] {
  return [
    { id, label: "package not installed (no unit file)", spec: {}, want: { status: "pass" } },
    { id, label: "installed, disabled", rpm: [pkg], spec: unitFile(unit), want: { status: "pass" } },
    { id, label: "masked (wants link left behind)", rpm: [pkg], spec: { ...enabled(unit), [`etc/systemd/system/${unit}`]: { symlink: "/dev/null" } }, want: { status: "pass" } },
    { id, label: "enabled", rpm: [pkg], spec: enabled(unit), want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledEvidence(unit)] } },
  ];
}

/** Package not installed (rpm database); evidence is checked in packageEvidence below. */
function removedCases(id: string, pkg: string): RhelCase[] {
  return [
    { id, label: "not installed", spec: {}, rpm: ["openssh-server"], want: { status: "pass" } },
    { id, label: "installed", spec: {}, rpm: [pkg], want: { status: "fail", message: "installed is true, expected false" } },
  ];
}

// ---------------------------------------------------------------- the table

/** Shared CIS Linux cases (cis-linux-cases*.ts) as RHEL cases: their packages go to the rpm stub. */
function shared(cases: Case[]): RhelCase[] {
  return cases.map(({ pkgs, ...c }) => ({ ...c, ...(pkgs ? { rpm: pkgs } : {}) }));
}

function rhelCases(): RhelCase[] {
  const cases: RhelCase[] = [];
  const mods: [string, string][] = [
    ["1.1.1.1", "cramfs"], ["1.1.1.2", "freevxfs"], ["1.1.1.3", "hfs"], ["1.1.1.4", "hfsplus"], ["1.1.1.5", "jffs2"],
    ["1.1.1.6", "squashfs"], ["1.1.1.7", "udf"], ["1.1.1.8", "usb-storage"],
    ["3.2.1", "dccp"], ["3.2.2", "tipc"], ["3.2.3", "rds"], ["3.2.4", "sctp"],
  ];
  for (const [id, mod] of mods) cases.push(...moduleCases(id, mod));
  cases.push(...selinuxCases());
  cases.push(...shared([
    ...partitionCases(),
    ...sysctlCases("1.5.1", "kernel.randomize_va_space", 2),
    ...sysctlOneOfCases("1.5.2", "kernel.yama.ptrace_scope", 1, 0, "1, 2, 3"),
    ...coredumpCases("1.5.3", "ProcessSizeMax", "0", "2G"),
    ...coredumpCases("1.5.4", "Storage", "none", "external"),
    ...bannerCases("1.7", "Red Hat Enterprise Linux"),
    ...sudoCases(),
    ...pamCases("rhel"),
    ...userAccountCases(),
    ...localUserCases({ shadowed: "7.2.1", empty: "7.2.2", groups: "7.2.3", dupUid: "7.2.4", dupGid: "7.2.5", dupUser: "7.2.6", dupGroup: "7.2.7", homes: "7.2.8", dotfiles: "7.2.9" }),
  ]));

  // Units and packages: ComplianceAsCode's rhel9 package and service names.
  const units: [string, string, string][] = [
    ["2.1.1", "autofs.service", "autofs"],
    ["2.1.2", "avahi-daemon.service", "avahi"],
    ["2.1.2-avahi-daemon.socket", "avahi-daemon.socket", "avahi"],
    ["2.1.3", "dhcpd.service", "dhcp-server"],
    ["2.1.3-dhcpd6.service", "dhcpd6.service", "dhcp-server"],
    ["2.1.4", "named.service", "bind"],
    ["2.1.5", "dnsmasq.service", "dnsmasq"],
    ["2.1.6", "smb.service", "samba"],
    ["2.1.7", "vsftpd.service", "vsftpd"],
    ["2.1.9", "nfs-server.service", "nfs-utils"],
    ["2.1.11", "cups.service", "cups"],
    ["2.1.11-cups.socket", "cups.socket", "cups"],
    ["2.1.12", "rpcbind.service", "rpcbind"],
    ["2.1.12-rpcbind.socket", "rpcbind.socket", "rpcbind"],
    ["2.1.13", "rsyncd.service", "rsync-daemon"],
    ["2.1.14", "snmpd.service", "net-snmp"],
    ["2.1.17", "squid.service", "squid"],
    ["3.1.3", "bluetooth.service", "bluez"],
  ];
  for (const [id, unit, pkg] of units) cases.push(...serviceCases(id, unit, pkg));

  const pkgs: [string, string][] = [
    ["2.1.8", "dovecot"], ["2.1.8-cyrus-imapd", "cyrus-imapd"], ["2.1.10", "ypserv"], ["2.1.15", "telnet-server"],
    ["2.1.16", "tftp-server"], ["2.1.18", "httpd"], ["2.1.18-nginx", "nginx"], ["2.1.19", "xinetd"],
    ["2.1.20", "xorg-x11-server-common"],
    ["2.2.1", "ftp"], ["2.2.2", "openldap-clients"], ["2.2.3", "ypbind"], ["2.2.4", "telnet"], ["2.2.5", "tftp"],
  ];
  for (const [id, pkg] of pkgs) cases.push(...removedCases(id, pkg));

  cases.push(...listenerCases());
  cases.push(...timeCases(), ...cronCases());

  cases.push(...networkSysctlCases());

  cases.push(...sshCases(), ...filePermCases(), ...fileTreeCases());

  // 6.1 AIDE and 6.2 logging: the Debian 12 items under RHEL 9's numbers.
  const rsyslog = { installed: "6.2.3.1", enabled: "6.2.3.2", forward: "6.2.3.3", fileMode: "6.2.3.4", noListen: "6.2.3.7" };
  cases.push(...rpmEvidence(shared([
    ...journaldCases({ journaldEnabled: "6.2.1.1", oneLoggingSystem: "6.2.1.4", remoteInstalled: "6.2.2.1.1", uploadEnabled: "6.2.2.1.3", remoteNotInUse: "6.2.2.1.4", forwardOff: "6.2.2.2", compress: "6.2.2.3", storage: "6.2.2.4", rsyslog, logfiles: "6.2.4.1" }, true),
    ...rsyslogCases(rsyslog),
    ...logfileCases("6.2.4.1"),
    ...manualLoggingCases(["6.2.1.2", "6.2.1.3"], "6.2.2.1.2", ["6.2.3.5", "6.2.3.6", "6.2.3.8"]),
    ...aideCases({ installed: "6.1.1", regular: "6.1.2", auditTools: "6.1.3" }, "aidecheck.timer", "/etc/aide.conf"),
    ...bootloaderCases("/boot/grub2/grub.cfg"),
  ])));
  // 6.3 System Auditing (Level 2): Debian 12's 6.2 items under RHEL 9's numbers, packages and paths.
  cases.push(...rpmEvidence(shared(auditdCases(RHEL_AUDIT_IDS, RHEL_RULES, rhelRuleMessages()))));
  cases.push(...gpgcheckCases());
  cases.push(...cryptoCases());
  cases.push(...shared([...gdmCases({ sec: "1.8", pkg: "gdm", confDir: "etc/gdm" }), ...networkDeviceCases()]));
  cases.push(...shared(rhelFirewallCases()));
  return cases;
}

/** CIS 1.2.1.2: gpgcheck on in dnf.conf, and no repository turning it off. */
function gpgcheckCases(): RhelCase[] {
  const rhelRepo = "[baseos]\nname=BaseOS\nbaseurl=https://cdn.example.org/baseos\ngpgcheck=1\n";
  return [
    { id: "1.2.1.2", label: "gpgcheck=1 in [main]", spec: { "etc/dnf/dnf.conf": "[main]\ngpgcheck=1\ninstallonly_limit=3\n" }, want: { status: "pass" } },
    {
      id: "1.2.1.2", label: "gpgcheck=0", spec: { "etc/dnf/dnf.conf": "[main]\ngpgcheck=0\n" },
      want: { status: "fail", message: "matched is false, expected true", evidence: [{ file: "/etc/dnf/dnf.conf" }] },
    },
    { id: "1.2.1.2-repos", label: "every repository checks signatures", spec: { "etc/yum.repos.d/rhel.repo": rhelRepo }, want: { status: "pass" } },
    {
      id: "1.2.1.2-repos", label: "a local repository with gpgcheck=0",
      spec: { "etc/yum.repos.d/rhel.repo": rhelRepo, "etc/yum.repos.d/local.repo": "[local]\nbaseurl=file:///srv/repo\ngpgcheck=0\n" },
      want: {
        status: "fail",
        message: "files is 1 of 2 matching: /etc/yum.repos.d/local.repo, expected no element: matched = true",
        evidence: [{ file: "/etc/yum.repos.d/local.repo" }, { file: "/etc/yum.repos.d/local.repo", line: 3 }, { file: "/etc/yum.repos.d/rhel.repo" }],
      },
    },
  ];
}

/**
 * The shared cases' "not installed" evidence is dpkg's; on RHEL it is the rpm query's, whose
 * command names the fixture's temporary root: those cases assert the message only, as the
 * other RHEL package cases do.
 */
function rpmEvidence(cases: RhelCase[]): RhelCase[] {
  const dpkgOnly = (ev: readonly Evidence[]) => ev.length > 0 && ev.every((e) => e.file === "/var/lib/dpkg/status");
  return cases.map((c) => {
    if (!c.want.evidence || !dpkgOnly(c.want.evidence)) return c;
    const { evidence: _dpkg, ...want } = c.want;
    return { ...c, want };
  });
}

// ---------------------------------------------------------------- 1.3.1 SELinux

/** RHEL 9's /etc/selinux/config as installed (comments shortened). */
function selinuxConfig(mode: string, type = "targeted"): string {
  return `# This file controls the state of SELinux on the system.\n# SELINUX= can take one of these three values:\n#     enforcing - SELinux security policy is enforced.\n#     permissive - SELinux prints warnings instead of enforcing.\n#     disabled - No SELinux policy is loaded.\n${mode}\n# SELINUXTYPE= can take one of these three values:\n#     targeted - Targeted processes are protected,\n#     minimum - Modification of targeted policy. Only selected processes are protected.\n#     mls - Multi Level Security protection.\nSELINUXTYPE=${type}\n`;
}

const KERNEL = "5.14.0-427.13.1.el9_4.x86_64";
const BLS = `/boot/loader/entries/0f3c2d1e9a8b4c7d6e5f4a3b2c1d0e9f-${KERNEL}.conf`;
const BLS_RESCUE = "/boot/loader/entries/0f3c2d1e9a8b4c7d6e5f4a3b2c1d0e9f-0-rescue.conf";

/** A boot loader (BLS) entry as RHEL 9 writes it, with the given kernel arguments. */
function blsEntry(args: string, kernel = KERNEL): string {
  return `title Red Hat Enterprise Linux (${kernel}) 9.4 (Plow)\nversion ${kernel}\nlinux /vmlinuz-${kernel}\ninitrd /initramfs-${kernel}.img $tuned_initrd\noptions root=/dev/mapper/rhel-root ro ${args} $tuned_params\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class rhel\n`;
}

const DEFAULT_GRUB = (cmdline: string, extra = "") =>
  `GRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR="$(sed 's, release .*$,,g' /etc/system-release)"\nGRUB_DEFAULT=saved\nGRUB_DISABLE_SUBMENU=true\nGRUB_TERMINAL_OUTPUT="console"\nGRUB_CMDLINE_LINUX="${cmdline}"\n${extra}GRUB_DISABLE_RECOVERY="true"\nGRUB_ENABLE_BLSCFG=true\n`;
const RHEL_CMDLINE = "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet";

/** 1.6 system-wide crypto policy: the policy name, sshd's override, the generated policy and sshd's back-end. */
function cryptoCases(): RhelCase[] {
  const CURRENT = "etc/crypto-policies/state/CURRENT.pol";
  const SSHD_BACKEND = "etc/crypto-policies/back-ends/opensshserver.config";
  // What update-crypto-policies writes for DEFAULT:NO-SHA1:NO-SSHCBC:NO-SSHWEAKCIPHERS:NO-SSHETM (trimmed).
  const pol = (hash: string, sign: string, mac: string, sha1InCerts = "0") =>
    `# Policy DEFAULT:NO-SHA1 dump\nmac = AEAD ${mac}\nhash = ${hash}\nsign = ${sign}\nsha1_in_certs = ${sha1InCerts}\n`;
  const GOOD_POL = pol("SHA2-256 SHA2-384 SHA2-512 SHA3-256", "ECDSA-SHA3-256 ECDSA-SHA2-256 RSA-PSS-SHA2-256 EDDSA-ED25519", "HMAC-SHA2-256 UMAC-128 HMAC-SHA2-512");
  const backend = (ciphers: string, macs: string) => `Ciphers ${ciphers}\nMACs ${macs}\nGSSAPIKexAlgorithms gss-curve25519-sha256-\n`;
  const GOOD_CIPHERS = "aes256-gcm@openssh.com,aes256-ctr,aes128-gcm@openssh.com,aes128-ctr";
  const GOOD_MACS = "hmac-sha2-256,umac-128@openssh.com,hmac-sha2-512";
  const ev = (file: string, line: number): Evidence[] => [{ file: `/${file}` }, { file: `/${file}`, line }];
  return [
    { id: "1.6.1", label: "DEFAULT with modules", spec: { "etc/crypto-policies/config": "DEFAULT:NO-SHA1:NO-SSHCBC\n" }, want: { status: "pass" } },
    { id: "1.6.1", label: "LEGACY", spec: { "etc/crypto-policies/config": "LEGACY\n" }, want: { status: "fail", message: "matched is true, expected false", evidence: ev("etc/crypto-policies/config", 1) } },
    { id: "1.6.1", label: "no policy configured", spec: {}, want: { status: "fail", message: "exists is false, expected true" } },

    { id: "1.6.2", label: "no /etc/sysconfig/sshd", spec: {}, want: { status: "pass" } },
    { id: "1.6.2", label: "CRYPTO_POLICY commented out", spec: { "etc/sysconfig/sshd": "# CRYPTO_POLICY=\nSSH_USE_STRONG_RNG=0\n" }, want: { status: "pass" } },
    {
      id: "1.6.2", label: "CRYPTO_POLICY set", spec: { "etc/sysconfig/sshd": "OPTIONS=\nCRYPTO_POLICY='-oCiphers=aes256-cbc'\n" },
      want: { status: "fail", message: "(exists is true, expected false) or (matched is true, expected false)", evidence: ev("etc/sysconfig/sshd", 2) },
    },

    { id: "1.6.3", label: "no SHA-1 signatures", spec: { [CURRENT]: GOOD_POL }, want: { status: "pass" } },
    {
      id: "1.6.3", label: "RSA-SHA1 in sign", spec: { [CURRENT]: pol("SHA2-256 SHA1", "RSA-PSS-SHA2-256 RSA-SHA1 EDDSA-ED25519", "HMAC-SHA2-256") },
      want: { status: "fail", message: "matched is true, expected false", evidence: ev(CURRENT, 4) },
    },
    { id: "1.6.3-sha1_in_certs", label: "sha1_in_certs = 0", spec: { [CURRENT]: GOOD_POL }, want: { status: "pass" } },
    {
      id: "1.6.3-sha1_in_certs", label: "sha1_in_certs = 1", spec: { [CURRENT]: pol("SHA2-256", "RSA-PSS-SHA2-256", "HMAC-SHA2-256", "1") },
      want: { status: "fail", message: "match is 1, expected 0", evidence: ev(CURRENT, 5) },
    },
    { id: "1.6.4", label: "no 64-bit MAC", spec: { [CURRENT]: GOOD_POL }, want: { status: "pass" } },
    {
      id: "1.6.4", label: "UMAC-64", spec: { [CURRENT]: pol("SHA2-256", "RSA-PSS-SHA2-256", "HMAC-SHA2-256 UMAC-64 UMAC-128") },
      want: { status: "fail", message: "matched is true, expected false", evidence: ev(CURRENT, 2) },
    },
    { id: "1.6.4", label: "no generated policy", spec: {}, want: { status: "fail", message: "exists is false, expected true" } },

    { id: "1.6.5", label: "no CBC cipher for sshd", spec: { [SSHD_BACKEND]: backend(GOOD_CIPHERS, GOOD_MACS) }, want: { status: "pass" } },
    {
      id: "1.6.5", label: "aes256-cbc", spec: { [SSHD_BACKEND]: backend(`${GOOD_CIPHERS},aes256-cbc`, GOOD_MACS) },
      want: { status: "fail", message: "matched is true, expected false", evidence: ev(SSHD_BACKEND, 1) },
    },
    { id: "1.6.6", label: "no chacha20-poly1305 for sshd", spec: { [SSHD_BACKEND]: backend(GOOD_CIPHERS, GOOD_MACS) }, want: { status: "pass" } },
    {
      id: "1.6.6", label: "RHEL 9 DEFAULT (chacha20-poly1305 on)", spec: { [SSHD_BACKEND]: backend("aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr", GOOD_MACS) },
      want: { status: "fail", message: "matched is true, expected false", evidence: ev(SSHD_BACKEND, 1) },
    },
    { id: "1.6.7", label: "no EtM MAC for sshd", spec: { [SSHD_BACKEND]: backend(GOOD_CIPHERS, GOOD_MACS) }, want: { status: "pass" } },
    {
      id: "1.6.7", label: "RHEL 9 DEFAULT (EtM MACs on)", spec: { [SSHD_BACKEND]: backend(GOOD_CIPHERS, `hmac-sha2-256-etm@openssh.com,${GOOD_MACS}`) },
      want: { status: "fail", message: "matched is true, expected false", evidence: ev(SSHD_BACKEND, 2) },
    },
    { id: "1.6.7", label: "no back-end file", spec: {}, want: { status: "fail", message: "exists is false, expected true" } },
  ];
}

function selinuxCases(): RhelCase[] {
  const CONFIG = "/etc/selinux/config";
  const ENFORCE = "/sys/fs/selinux/enforce";
  const sysfs: FixtureSpec = { "sys/kernel": { dir: true } };
  const noSysfs = (id: string) => ({
    status: "skip" as const,
    message: `no sysfs under this root (an offline root): the running SELinux mode exists only at runtime; the configured mode is ${id}`,
  });
  const rescue = { [BLS_RESCUE.slice(1)]: blsEntry(RHEL_CMDLINE, "0-rescue-0f3c2d1e9a8b4c7d6e5f4a3b2c1d0e9f") };
  return [
    { id: "1.3.1.1", label: "libselinux installed", rpm: ["libselinux"], spec: {}, want: { status: "pass" } },
    { id: "1.3.1.1", label: "libselinux not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true" } },

    { id: "1.3.1.2", label: "RHEL default entries", spec: { [BLS.slice(1)]: blsEntry(RHEL_CMDLINE), ...rescue }, want: { status: "pass" } },
    { id: "1.3.1.2", label: "selinux=1 enforcing=1", spec: { [BLS.slice(1)]: blsEntry(`${RHEL_CMDLINE} selinux=1 enforcing=1`) }, want: { status: "pass" } },
    {
      id: "1.3.1.2", label: "selinux=0 on one entry", spec: { [BLS.slice(1)]: blsEntry(`${RHEL_CMDLINE} selinux=0`), ...rescue },
      want: {
        status: "fail",
        message: `files is 1 of 2 matching: ${BLS}, expected no element: matched = true`,
        evidence: [{ file: BLS_RESCUE }, { file: BLS }, { file: BLS, line: 5 }],
      },
    },
    {
      id: "1.3.1.2", label: "enforcing=0", spec: { [BLS.slice(1)]: blsEntry(`enforcing=0 ${RHEL_CMDLINE}`) },
      want: { status: "fail", message: `files is 1 of 1 matching: ${BLS}, expected no element: matched = true`, evidence: [{ file: BLS }, { file: BLS, line: 5 }] },
    },
    { id: "1.3.1.2", label: "no boot loader entries", spec: {}, want: { status: "skip", message: "no boot loader entries (/boot/loader/entries/*.conf) under this root" } },

    { id: "1.3.1.2-kernel-cmdline", label: "no selinux=0 in /etc/kernel/cmdline", spec: { "etc/kernel/cmdline": `${RHEL_CMDLINE}\n` }, want: { status: "pass" } },
    { id: "1.3.1.2-kernel-cmdline", label: "no /etc/kernel/cmdline", spec: {}, want: { status: "pass" } },
    { id: "1.3.1.2-kernel-cmdline", label: "enforcing=1 is not enforcing=0", spec: { "etc/kernel/cmdline": `${RHEL_CMDLINE} enforcing=1\n` }, want: { status: "pass" } },
    {
      id: "1.3.1.2-kernel-cmdline", label: "selinux=0 in /etc/kernel/cmdline (the next kernel's entry)", spec: { "etc/kernel/cmdline": `${RHEL_CMDLINE} selinux=0\n` },
      want: { status: "fail", message: "(exists is true, expected false) or (matched is true, expected false)", evidence: [{ file: "/etc/kernel/cmdline" }, { file: "/etc/kernel/cmdline", line: 1 }] },
    },
    { id: "1.3.1.2-GRUB_CMDLINE_LINUX", label: "RHEL default", spec: { "etc/default/grub": DEFAULT_GRUB(RHEL_CMDLINE) }, want: { status: "pass" } },
    { id: "1.3.1.2-GRUB_CMDLINE_LINUX", label: "no /etc/default/grub", spec: {}, want: { status: "pass" } },
    {
      id: "1.3.1.2-GRUB_CMDLINE_LINUX", label: "commented out", spec: { "etc/default/grub": DEFAULT_GRUB(RHEL_CMDLINE, '#GRUB_CMDLINE_LINUX_DEFAULT="selinux=0"\n') },
      want: { status: "pass" },
    },
    {
      id: "1.3.1.2-GRUB_CMDLINE_LINUX", label: "selinux=0 in GRUB_CMDLINE_LINUX", spec: { "etc/default/grub": DEFAULT_GRUB(`${RHEL_CMDLINE} selinux=0`) },
      want: {
        status: "fail",
        message: "(exists is true, expected false) or (matched is true, expected false)",
        evidence: [{ file: "/etc/default/grub" }, { file: "/etc/default/grub", line: 6 }],
      },
    },
    {
      id: "1.3.1.2-GRUB_CMDLINE_LINUX", label: "enforcing=0 in GRUB_CMDLINE_LINUX_DEFAULT", spec: { "etc/default/grub": DEFAULT_GRUB(RHEL_CMDLINE, 'GRUB_CMDLINE_LINUX_DEFAULT="enforcing=0"\n') },
      want: {
        status: "fail",
        message: "(exists is true, expected false) or (matched is true, expected false)",
        evidence: [{ file: "/etc/default/grub" }, { file: "/etc/default/grub", line: 7 }],
      },
    },

    { id: "1.3.1.3", label: "targeted", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=enforcing") }, want: { status: "pass" } },
    { id: "1.3.1.3", label: "mls", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=enforcing", "mls") }, want: { status: "pass" } },
    {
      id: "1.3.1.3", label: "minimum", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=enforcing", "minimum") },
      want: { status: "fail", message: "match is minimum, expected one of [targeted, mls]", evidence: [{ file: CONFIG }, { file: CONFIG, line: 11 }] },
    },
    { id: "1.3.1.3", label: "no /etc/selinux/config", spec: {}, want: { status: "fail", message: "match is (not set), expected one of [targeted, mls]", evidence: [{ file: CONFIG }] } },

    { id: "1.3.1.4", label: "enforcing", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=enforcing") }, want: { status: "pass" } },
    { id: "1.3.1.4", label: "permissive", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=permissive") }, want: { status: "pass" } },
    {
      id: "1.3.1.4", label: "disabled", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=disabled") },
      want: { status: "fail", message: "match is disabled, expected matches /(?i)^(enforcing|permissive)/", evidence: [{ file: CONFIG }, { file: CONFIG, line: 6 }] },
    },
    {
      id: "1.3.1.4", label: "'SELINUX = enforcing' (libselinux ignores the line)", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX = enforcing") },
      want: { status: "fail", message: "match is (not set), expected matches /(?i)^(enforcing|permissive)/", evidence: [{ file: CONFIG }] },
    },
    { id: "1.3.1.4-runtime", label: "selinuxfs mounted (permissive)", spec: { ...sysfs, [ENFORCE.slice(1)]: "0" }, want: { status: "pass" } },
    { id: "1.3.1.4-runtime", label: "no selinuxfs (disabled)", spec: sysfs, want: { status: "fail", message: "exists is false, expected true", evidence: [{ file: ENFORCE }] } },
    { id: "1.3.1.4-runtime", label: "offline root (no sysfs)", spec: {}, want: noSysfs("1.3.1.4") },

    { id: "1.3.1.5", label: "enforcing", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=enforcing") }, want: { status: "pass" } },
    { id: "1.3.1.5", label: "Enforcing (case-insensitive)", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=Enforcing") }, want: { status: "pass" } },
    {
      id: "1.3.1.5", label: "permissive", spec: { [CONFIG.slice(1)]: selinuxConfig("SELINUX=permissive") },
      want: { status: "fail", message: "match is permissive, expected matches /(?i)^enforcing/", evidence: [{ file: CONFIG }, { file: CONFIG, line: 6 }] },
    },
    { id: "1.3.1.5-runtime", label: "enforcing", spec: { ...sysfs, [ENFORCE.slice(1)]: "1" }, want: { status: "pass" } },
    {
      id: "1.3.1.5-runtime", label: "permissive (setenforce 0)", spec: { ...sysfs, [ENFORCE.slice(1)]: "0" },
      want: { status: "fail", message: "matched is false, expected true", evidence: [{ file: ENFORCE }] },
    },
    {
      id: "1.3.1.5-runtime", label: "disabled (no selinuxfs)", spec: sysfs,
      want: { status: "fail", message: "exists is false, expected true; matched is false, expected true", evidence: [{ file: ENFORCE }] },
    },
    { id: "1.3.1.5-runtime", label: "offline root (no sysfs)", spec: {}, want: noSysfs("1.3.1.5") },

    ...removedCases("1.3.1.7", "mcstrans"),
    ...removedCases("1.3.1.8", "setroubleshoot"),
  ];
}

function timeCases(): RhelCase[] {
  const chrony = ["chrony"];
  return [
    { id: "2.3.1", label: "chrony installed", rpm: chrony, spec: {}, want: { status: "pass" } },
    { id: "2.3.1", label: "chrony not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "2.3.2", label: "pool line", rpm: chrony, spec: { "etc/chrony.conf": "# RHEL default\npool 2.rhel.pool.ntp.org iburst\n" }, want: { status: "pass" } },
    { id: "2.3.2", label: "server line", rpm: chrony, spec: { "etc/chrony.conf": "server time.example.org iburst\n" }, want: { status: "pass" } },
    {
      id: "2.3.2", label: "no server or pool", rpm: chrony, spec: { "etc/chrony.conf": "# pool 2.rhel.pool.ntp.org iburst\ndriftfile /var/lib/chrony/drift\n" },
      want: { status: "fail", message: "matched is false, expected true", evidence: [{ file: "/etc/chrony.conf" }] },
    },
    { id: "2.3.2", label: "chrony.conf missing", rpm: chrony, spec: {}, want: { status: "skip", message: "/etc/chrony.conf does not exist" } },
    { id: "2.3.2", label: "chrony not installed", spec: {}, want: { status: "skip", message: "chrony is not installed (see 2.3.1)" } },
    { id: "2.3.3", label: "RHEL default OPTIONS", rpm: chrony, spec: { "etc/sysconfig/chronyd": '# Command-line options for chronyd\nOPTIONS="-F 2"\n' }, want: { status: "pass" } },
    { id: "2.3.3", label: "no sysconfig file", rpm: chrony, spec: {}, want: { status: "pass" } },
    { id: "2.3.3", label: "-u chrony", rpm: chrony, spec: { "etc/sysconfig/chronyd": 'OPTIONS="-F 2 -u chrony"\n' }, want: { status: "pass" } },
    {
      id: "2.3.3", label: "-u root", rpm: chrony, spec: { "etc/sysconfig/chronyd": '# Command-line options for chronyd\nOPTIONS="-F 2 -u root"\n' },
      want: { status: "fail", message: "(exists is true, expected false) or (matched is true, expected false)", evidence: [{ file: "/etc/sysconfig/chronyd" }, { file: "/etc/sysconfig/chronyd", line: 2 }] },
    },
    { id: "2.3.3", label: "chrony not installed", spec: {}, want: { status: "skip", message: "chrony is not installed (see 2.3.1)" } },
  ];
}

function cronCases(): RhelCase[] {
  const cron = ["cronie"];
  const withRpm = (rpm: string[], cs: { id: string; label: string; spec: FixtureSpec; want: Expected }[]): RhelCase[] => cs.map((c) => ({ ...c, rpm }));
  const cases: RhelCase[] = [
    { id: "2.4.1.1", label: "crond enabled", rpm: cron, spec: enabled("crond.service"), want: { status: "pass" } },
    {
      id: "2.4.1.1", label: "crond disabled", rpm: cron, spec: unitFile("crond.service"),
      want: { status: "fail", message: "enabled is false, expected true", evidence: [{ unit: "crond.service", file: "/lib/systemd/system/crond.service" }] },
    },
    { id: "2.4.1.1", label: "cronie not installed", spec: enabled("crond.service"), want: { status: "skip", message: "cronie is not installed (CIS: this section can be skipped)" } },
    ...withRpm(cron, fileCases("2.4.1.2", { path: "/etc/crontab", max: 0o600, missing: { status: "skip", message: "/etc/crontab does not exist" } })),
  ];
  for (const [id, d] of [["2.4.1.3", "hourly"], ["2.4.1.4", "daily"], ["2.4.1.5", "weekly"], ["2.4.1.6", "monthly"], ["2.4.1.7", "d"]] as const) {
    cases.push(...withRpm(cron, fileCases(id, { path: `/etc/cron.${d}`, max: 0o700, dir: true, missing: { status: "skip", message: `/etc/cron.${d} does not exist` } })));
  }
  const missingAllow = (group: string) => ({
    status: "fail" as const,
    message: `exists is false, expected true; mode is (not set), expected 0640 or more restrictive; owner is (not set), expected root; group is (not set), expected ${group}`,
  });
  cases.push(...withRpm(cron, fileCases("2.4.1.8", { path: "/etc/cron.allow", max: 0o640, missing: missingAllow("root") })));
  cases.push({
    id: "2.4.1.8", label: "cron.allow group daemon", rpm: cron, spec: { "etc/cron.allow": { content: "", mode: 0o600, uid: 0, gid: 1 } },
    want: { status: "fail", message: "group is daemon, expected root", evidence: [{ file: "/etc/cron.allow" }] },
  });
  cases.push(...withRpm(cron, denyCases("2.4.1.8-cron.deny", "/etc/cron.deny", "root").map((c) =>
    c.label === "group nogroup" ? { ...c, want: { ...c.want, message: "(exists is true, expected false) or (group is nogroup, expected root)" } } : c)));
  cases.push({ id: "2.4.1.8-cron.deny", label: "cronie not installed", spec: {}, want: { status: "skip", message: "cronie is not installed (CIS: this section can be skipped)" } });
  cases.push(...withRpm(["at"], fileCases("2.4.2.1", { path: "/etc/at.allow", max: 0o640, gid: 1, missing: missingAllow("one of [root, daemon]") })));
  cases.push(...withRpm(["at"], denyCases("2.4.2.1-at.deny", "/etc/at.deny", "root, daemon")));
  cases.push({ id: "2.4.2.1", label: "at not installed", spec: {}, want: { status: "skip", message: "at is not installed" } });
  return cases;
}

function sshCases(): RhelCase[] {
  const keyFiles = (mode: number, gid = 0): FixtureSpec => ({
    "etc/ssh/ssh_host_ed25519_key": { content: "k\n", mode, uid: 0, gid },
    "etc/ssh/ssh_host_rsa_key": { content: "k\n", mode: 0o600, uid: 0, gid: 0 },
  });
  return [
    ...fileCases("5.1.1", { path: "/etc/ssh/sshd_config", max: 0o600, missing: { status: "skip", message: "the OpenSSH server is not installed (no /etc/ssh/sshd_config)" } }),
    { id: "5.1.2", label: "0600 root:root", spec: keyFiles(0o600), want: { status: "pass" } },
    { id: "5.1.2", label: "0640 root:ssh_keys (RHEL's keygen)", spec: { ...keyFiles(0o640, 998), "etc/group": `${BASE_ACCOUNTS["etc/group"] as string}ssh_keys:x:998:\n` }, want: { status: "pass" } },
    {
      id: "5.1.2", label: "0640 root:root", spec: keyFiles(0o640),
      want: {
        status: "fail",
        message: "files is 1 of 2 not matching: /etc/ssh/ssh_host_ed25519_key, expected every element: any(mode 0600 or more restrictive, owner = root, group = root; mode 0640 or more restrictive, owner = root, group one of [ssh_keys, _ssh_keys])",
        evidence: [{ file: "/etc/ssh/ssh_host_ed25519_key" }, { file: "/etc/ssh/ssh_host_rsa_key" }],
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
    ...sshdCases("5.1.4", "Ciphers", "-3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc", "aes256-ctr,aes128-cbc",
      "value is aes256-ctr,aes128-cbc, expected not (matches /(^|,)(3des-cbc|aes128-cbc|aes192-cbc|aes256-cbc|arcfour|arcfour128|arcfour256|blowfish-cbc|cast128-cbc|rijndael-cbc@lysator\\.liu\\.se)(,|$)/)"),
    ...sshdCases("5.1.5", "KexAlgorithms", "-diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1", "+diffie-hellman-group14-sha1",
      `value is ${DEFAULT_KEX},diffie-hellman-group14-sha1, expected not (matches /(^|,)(diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1)(,|$)/)`),
    ...sshdCases("5.1.6", "MACs", "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com", "hmac-sha2-512,hmac-md5",
      "value is hmac-sha2-512,hmac-md5, expected not (matches /(^|,)(hmac-md5|hmac-md5-96|hmac-ripemd160|hmac-sha1-96|umac-64@openssh\\.com|hmac-md5-etm@openssh\\.com|hmac-md5-96-etm@openssh\\.com|hmac-ripemd160-etm@openssh\\.com|hmac-sha1-96-etm@openssh\\.com|umac-64-etm@openssh\\.com|umac-128-etm@openssh\\.com)(,|$)/)"),
    { id: "5.1.7", label: "AllowGroups in a drop-in", spec: { [SSHD]: SSHD_BASE, "etc/ssh/sshd_config.d/60-cis.conf": "AllowGroups sshusers\n" }, want: { status: "pass" } },
    {
      id: "5.1.7", label: "AllowUsers only in a Match block", spec: { [SSHD]: "Port 22\nMatch Address 10.0.0.0/8\n  AllowUsers ops\n" },
      want: {
        status: "fail",
        message: "(settings.allowusers is (not set), expected set) or (settings.allowgroups is (not set), expected set) or (settings.denyusers is (not set), expected set) or (settings.denygroups is (not set), expected set)",
        evidence: [{ file: "/etc/ssh/sshd_config", key: "allowgroups", detail: "not set outside Match blocks in /etc/ssh/sshd_config (no default)" }],
      },
    },
    ...sshdCases("5.1.8", "Banner", "/etc/issue.net", "none", "value is none, expected not (= none)", true),
    ...sshdCases("5.1.9", "ClientAliveInterval", "15", "0", "value is 0, expected > 0", true),
    ...sshdCases("5.1.10", "DisableForwarding", "yes", "no", "value is no, expected yes", true),
    ...sshdCases("5.1.11", "GSSAPIAuthentication", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.12", "HostbasedAuthentication", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.13", "IgnoreRhosts", "yes", "no", "value is no, expected yes"),
    ...sshdCases("5.1.14", "LoginGraceTime", "1m", "2m", "value is 120, expected >= 1 and <= 60", true),
    ...sshdCases("5.1.15", "LogLevel", "verbose", "DEBUG3", "value is DEBUG3, expected one of [INFO, VERBOSE]"),
    ...sshdCases("5.1.16", "MaxAuthTries", "4", "6", "value is 6, expected <= 4", true),
    ...sshdCases("5.1.17", "MaxStartups", "10:30:60", "10:30:100", "value is 10:30:100, expected matches /^([0-9]|10):([0-9]|[12][0-9]|30):([0-9]|[1-5][0-9]|60)$/", true),
    ...sshdCases("5.1.18", "MaxSessions", "10", "20", "value is 20, expected <= 10"),
    ...sshdCases("5.1.19", "PermitEmptyPasswords", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.20", "PermitRootLogin", "no", "prohibit-password", "value is prohibit-password, expected no", true),
    ...sshdCases("5.1.21", "PermitUserEnvironment", "no", "yes", "value is yes, expected no"),
    ...sshdCases("5.1.22", "UsePAM", "yes", "no", "value is no, expected yes"),
  ];
}

function filePermCases(): RhelCase[] {
  const missingReq = (max: string) => ({
    status: "fail" as const,
    message: `exists is false, expected true; mode is (not set), expected ${max} or more restrictive; owner is (not set), expected root; group is (not set), expected root`,
  });
  const backup = (p: string) => ({ status: "skip" as const, message: `${p} does not exist (no backup written yet)` });
  // shadow and gshadow: mode 0000 root:root on RHEL; Debian's 0640 root:shadow fails.
  const shadowGroup = (id: string, p: string): RhelCase[] => [
    {
      id, label: "Debian's 0640 root:shadow", spec: { [p.slice(1)]: { content: "", mode: 0o640, uid: 0, gid: 42 } },
      want: { status: "fail", message: "mode is 0640, expected 0000 or more restrictive; group is shadow, expected root", evidence: [{ file: p }] },
    },
  ];
  return [
    ...fileCases("7.1.1", { path: "/etc/passwd", max: 0o644 }),
    ...fileCases("7.1.2", { path: "/etc/passwd-", max: 0o644, missing: backup("/etc/passwd-") }),
    ...fileCases("7.1.3", { path: "/etc/group", max: 0o644 }),
    ...fileCases("7.1.4", { path: "/etc/group-", max: 0o644, missing: backup("/etc/group-") }),
    ...fileCases("7.1.5", { path: "/etc/shadow", max: 0o000, missing: missingReq("0000") }),
    ...shadowGroup("7.1.5", "/etc/shadow"),
    ...fileCases("7.1.6", { path: "/etc/shadow-", max: 0o000, missing: backup("/etc/shadow-") }),
    ...shadowGroup("7.1.6", "/etc/shadow-"),
    ...fileCases("7.1.7", { path: "/etc/gshadow", max: 0o000, missing: missingReq("0000") }),
    ...shadowGroup("7.1.7", "/etc/gshadow"),
    ...fileCases("7.1.8", { path: "/etc/gshadow-", max: 0o000, missing: backup("/etc/gshadow-") }),
    ...shadowGroup("7.1.8", "/etc/gshadow-"),
    ...fileCases("7.1.9", { path: "/etc/shells", max: 0o644, missing: missingReq("0644") }),
    { id: "7.1.10", label: "opasswd 0600", spec: { "etc/security/opasswd": { content: "", mode: 0o600, uid: 0, gid: 0 } }, want: { status: "pass" } },
    {
      id: "7.1.10", label: "opasswd 0644", spec: { "etc/security/opasswd": { content: "", mode: 0o644, uid: 0, gid: 0 } },
      want: {
        status: "fail",
        message: "files is 1 of 1 not matching: /etc/security/opasswd, expected every element: mode 0600 or more restrictive, owner = root, group = root",
        evidence: [{ file: "/etc/security/opasswd" }],
      },
    },
  ];
}

/** Checks with no automated audit: `manual` on any RHEL root. */
const MANUAL_ONLY = ["1.1.1.9", "1.2.1.1", "1.2.1.3", "1.2.1.4", "1.2.2.1", "1.3.1.6", ...MANUAL_5_3, ...MANUAL_5_4, "7.1.13", "7.1.14"];

afterAll(cleanupFixtures);
const cases = rhelCases();

describe(`${PACK}: every check`, () => {
  it.each(cases.map((c) => [`${c.id} — ${c.label} → ${c.want.status}`, c] as const))("%s", async (_name, c) => {
    const r = await run(c);
    expect({ status: r.status, message: r.message }).toMatchObject(
      c.want.message !== undefined || c.want.status === "pass" ? { status: c.want.status, message: c.want.message } : { status: c.want.status },
    );
    if (c.want.evidence) expect(r.evidence).toEqual(c.want.evidence);
  });

  it.each(MANUAL_ONLY)("%s is manual", async (id) => {
    expect((await run({ id, spec: {} })).status).toBe("manual");
  });

  it("reads package facts from the rpm database (evidence names it and the package)", async () => {
    const r = await run({ id: "2.2.4", spec: {}, rpm: ["telnet"] });
    expect(r.status).toBe("fail");
    const ev: Evidence[] = r.evidence;
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ file: RPM_DB, package: "telnet" });
    expect(ev[0]?.command).toMatch(/^rpm --root \S+ -qa --qf /);
  });

  it("covers every automated check with a pass and a fail case", async () => {
    const loaded = await loadShippedPacks();
    expect(loaded.errors).toEqual([]);
    const checks = loaded.packs.find((p) => p.meta.id === PACK)?.checks ?? [];
    expect(checks.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const c of checks) {
      if (c.manual) {
        if (!MANUAL_ONLY.includes(c.id) && !cases.some((x) => x.id === c.id && x.want.status === "manual")) missing.push(`${c.id}: manual`);
        continue;
      }
      for (const s of ["pass", "fail"] as const) if (!cases.some((x) => x.id === c.id && x.want.status === s)) missing.push(`${c.id}: ${s}`);
    }
    expect(missing).toEqual([]);
    expect(cases.map((c) => c.id).filter((id) => !checks.some((c) => c.id === id))).toEqual([]);
  });

  it("skips on a Debian or Ubuntu root, and where os-release is missing, with the reason", async () => {
    const reason = "not a RHEL-family system (this pack is CIS Red Hat Enterprise Linux 9; Debian and Ubuntu have their own)";
    const debian = { ...BASE_ACCOUNTS, "etc/os-release": "ID=debian\n", "var/lib/dpkg/status": "Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n" };
    for (const id of ["7.1.1", "2.2.4", "2.1.1", "5.1.20", "3.3.1"]) {
      expect(await run({ id, spec: {} }, debian)).toMatchObject({ status: "skip", message: reason });
    }
    expect(await run({ id: "7.1.1", spec: {} }, { ...debian, "etc/os-release": "ID=ubuntu\nID_LIKE=debian\n" })).toMatchObject({ status: "skip", message: reason });
    const spec = rhelBase();
    delete spec["etc/os-release"];
    expect((await run({ id: "7.1.1", spec: {} }, spec)).status).toBe("skip");
  });

  it("runs on RHEL-family derivatives (Rocky, AlmaLinux, CentOS Stream)", async () => {
    for (const os of ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'ID="almalinux"\nID_LIKE="rhel centos fedora"\n', 'ID="centos"\nID_LIKE="rhel fedora"\n']) {
      expect((await run({ id: "2.2.4", spec: {} }, rhelBase({ "etc/os-release": os }))).status).toBe("pass");
    }
  });
});

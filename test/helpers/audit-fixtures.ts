/**
 * Audit fixtures shared by the CIS auditd case tables and the compliant node: the benchmark's
 * audit rules (one group per rules item, as its remediation writes them), an auditd.conf with
 * the values CIS wants, and the audit files with the modes and owners the packages install.
 */
import type { FixtureSpec } from "./fixture-root.js";

/** The benchmark's audit rules, one group per rules item: the lines its remediation writes. */
export type RuleItem =
  | "scope" | "userEmulation" | "sudoLog" | "time" | "network" | "access" | "identity" | "permMod" | "mounts"
  | "session" | "logins" | "delete" | "mac" | "chcon" | "setfacl" | "chacl" | "usermod" | "modules";

const ACCESS = (arch: string, exit: string) => `-a always,exit -F arch=${arch} -S creat,open,openat,truncate,ftruncate -F exit=-${exit} -F auid>=1000 -F auid!=unset -k access`;
const USER = "-F auid>=1000 -F auid!=unset";

/** Debian 12 / Ubuntu 24.04 (AppArmor, /etc/network and /etc/netplan, kmod in /usr/bin). */
export const DEBIAN_RULES: Record<RuleItem, string[]> = {
  scope: ["-w /etc/sudoers -p wa -k scope", "-w /etc/sudoers.d -p wa -k scope"],
  userEmulation: [
    "-a always,exit -F arch=b64 -C euid!=uid -F auid!=unset -S execve -k user_emulation",
    "-a always,exit -F arch=b32 -C euid!=uid -F auid!=unset -S execve -k user_emulation",
  ],
  sudoLog: ["-w /var/log/sudo.log -p wa -k sudo_log_file"],
  time: [
    "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change",
    "-a always,exit -F arch=b32 -S adjtimex,settimeofday,clock_settime -k time-change",
    "-w /etc/localtime -p wa -k time-change",
  ],
  network: [
    "-a always,exit -F arch=b64 -S sethostname,setdomainname -k system-locale",
    "-a always,exit -F arch=b32 -S sethostname,setdomainname -k system-locale",
    "-w /etc/issue -p wa -k system-locale",
    "-w /etc/issue.net -p wa -k system-locale",
    "-w /etc/hosts -p wa -k system-locale",
    "-w /etc/networks -p wa -k system-locale",
    "-w /etc/network/ -p wa -k system-locale",
    "-w /etc/netplan/ -p wa -k system-locale",
  ],
  access: [ACCESS("b64", "EACCES"), ACCESS("b64", "EPERM"), ACCESS("b32", "EACCES"), ACCESS("b32", "EPERM")],
  identity: ["/etc/group", "/etc/passwd", "/etc/gshadow", "/etc/shadow", "/etc/security/opasswd", "/etc/nsswitch.conf", "/etc/pam.conf", "/etc/pam.d"].map((p) => `-w ${p} -p wa -k identity`),
  permMod: ["b64", "b32"].flatMap((a) => [
    `-a always,exit -F arch=${a} -S chmod,fchmod,fchmodat ${USER} -F key=perm_mod`,
    `-a always,exit -F arch=${a} -S chown,fchown,lchown,fchownat ${USER} -F key=perm_mod`,
    `-a always,exit -F arch=${a} -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr ${USER} -F key=perm_mod`,
  ]),
  mounts: ["b64", "b32"].map((a) => `-a always,exit -F arch=${a} -S mount ${USER} -k mounts`),
  session: ["-w /var/run/utmp -p wa -k session", "-w /var/log/wtmp -p wa -k session", "-w /var/log/btmp -p wa -k session"],
  logins: ["-w /var/log/lastlog -p wa -k logins", "-w /var/run/faillock -p wa -k logins"],
  delete: ["b64", "b32"].map((a) => `-a always,exit -F arch=${a} -S rename,unlink,unlinkat,renameat ${USER} -k delete`),
  mac: ["-w /etc/apparmor/ -p wa -k MAC-policy", "-w /etc/apparmor.d/ -p wa -k MAC-policy"],
  chcon: [`-a always,exit -F path=/usr/bin/chcon -F perm=x ${USER} -k perm_chng`],
  setfacl: [`-a always,exit -F path=/usr/bin/setfacl -F perm=x ${USER} -k perm_chng`],
  chacl: [`-a always,exit -F path=/usr/bin/chacl -F perm=x ${USER} -k perm_chng`],
  usermod: [`-a always,exit -F path=/usr/sbin/usermod -F perm=x ${USER} -k usermod`],
  modules: [
    `-a always,exit -F arch=b64 -S init_module,finit_module,delete_module ${USER} -k kernel_modules`,
    `-a always,exit -F path=/usr/bin/kmod -F perm=x ${USER} -k kernel_modules`,
  ],
};

/** RHEL 9 v2.0.0: the network files of RHEL (sysconfig, NetworkManager, hostname) and SELinux's policy as the MAC. */
export const RHEL_RULES: Record<RuleItem, string[]> = {
  ...DEBIAN_RULES,
  network: [
    ...DEBIAN_RULES.network.slice(0, 5).filter((l) => !l.includes("/etc/networks")),
    ...["/etc/hostname", "/etc/sysconfig/network", "/etc/sysconfig/network-scripts/", "/etc/NetworkManager"].map((p) => `-w ${p} -p wa -k system-locale`),
  ],
  mac: ["-w /etc/selinux -p wa -k MAC-policy", "-w /usr/share/selinux -p wa -k MAC-policy"],
};

export const RULES_FILE = "etc/audit/rules.d/50-cis.rules";
export const FINALIZE_FILE = "etc/audit/rules.d/99-finalize.rules";

/** The whole rule set as augenrules would find it (with `-e 2` last), optionally without some lines. */
export function auditRulesSpec(rules: Record<RuleItem, string[]>, without: readonly string[] = []): FixtureSpec {
  const lines = Object.values(rules).flat().filter((l) => !without.includes(l));
  return {
    "etc/audit/rules.d/10-base-config.rules": { content: "-D\n-b 8192\n--backlog_wait_time 60000\n-f 1\n", mode: 0o640 },
    [RULES_FILE]: { content: `${lines.join("\n")}\n`, mode: 0o640 },
    [FINALIZE_FILE]: { content: "-e 2\n", mode: 0o640 },
  };
}

/** auditd.conf as CIS wants it (the values the benchmark's remediation writes). */
export const AUDITD_CONF = [
  "log_file = /var/log/audit/audit.log",
  "log_group = adm",
  "max_log_file = 8",
  "num_logs = 5",
  "max_log_file_action = keep_logs",
  "space_left = 75",
  "space_left_action = email",
  "action_mail_acct = root",
  "admin_space_left = 50",
  "admin_space_left_action = single",
  "disk_full_action = halt",
  "disk_error_action = halt",
].join("\n") + "\n";

/** A GRUB entry booting with `args` (and the recovery entry with the same audit arguments). */
export function grubWith(cfg: string, args: string): FixtureSpec {
  return {
    [cfg]: { content: `menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f3c ro ${args}\n}\n`, mode: 0o600 },
  };
}

const AUDIT_TOOLS = ["auditctl", "aureport", "ausearch", "autrace", "auditd", "augenrules"];
const file = (mode: number, uid = 0, gid = 0, content = "x\n") => ({ content, mode, uid, gid });

/** The audit files as the packages install them, root-owned, modes CIS accepts. */
export function auditFiles(over: { tool?: object; log?: object; conf?: object; rulesFile?: object; plugin?: object; logDir?: object } = {}): FixtureSpec {
  const spec: FixtureSpec = {
    "var/log/audit": { dir: true, mode: 0o750, uid: 0, gid: 0, ...over.logDir },
    "var/log/audit/audit.log": { ...file(0o600), ...over.log },
    "etc/audit/auditd.conf": { ...file(0o640, 0, 0, AUDITD_CONF), ...over.conf },
    "etc/audit/audit.rules": { ...file(0o640, 0, 0, "## generated by augenrules\n"), ...over.rulesFile },
    "etc/audit/plugins.d/af_unix.conf": { ...file(0o640, 0, 0, "active = no\n"), ...over.plugin },
  };
  for (const t of AUDIT_TOOLS) spec[`usr/sbin/${t}`] = { ...file(0o755), ...(t === "auditctl" ? over.tool : {}) };
  return spec;
}


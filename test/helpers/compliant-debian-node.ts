/**
 * A compliant Kubernetes node as a FixtureSpec: the kubeadm control-plane node of
 * kubeadm-node.ts on a Debian 12 host that passes every automated check of cis-debian-12
 * and kisa-unix under the `kubernetes-node` profile (forwarding on, rp_filter 1, overlay
 * and sctp loadable, the Kubernetes ports listening).
 *
 *   const root = await fixtureRoot(compliantDebianNode());
 *   const bad = await fixtureRoot(layer(compliantDebianNode(), { "etc/sysctl.d/99-zz.conf": "net.ipv4.tcp_syncookies=0\n" }));
 *
 * Scan it with procfs at `<root>/proc` (the default of HostRoot): runtime sysctls, loaded
 * modules and listening sockets come from the fixture's proc/ tree. Services a node does not
 * run (inetd, vsftpd, sendmail, BIND, NFS, SNMP, chrony) are not installed, so their items skip.
 *
 * `layer()` plants a violation over it: a file entry replaces the compliant one, except that an
 * entry with a `mode` over an existing file changes only its mode and owner (the fail fixtures of
 * the per-pack tables carry placeholder content), a plain string over an existing file changes
 * only its content (mode and owner kept), and dpkg status stanzas are merged by package.
 */
import { BASE_ACCOUNTS } from "./check-fixture.js";
import type { FixtureEntry, FixtureSpec } from "./fixture-root.js";
import { ETCD_UID, kubeadmNode, type KubeadmNodeOptions } from "./kubeadm-node.js";
import { pamGood } from "./pam-fixtures.js";
import { DEBIAN_RULES, auditFiles, auditRulesSpec } from "./audit-fixtures.js";

export const KERNEL_RELEASE = "6.1.0-28-amd64";

/** CIS id → module kept unloadable by modprobe.d (overlay 1.1.1.6 and sctp 3.2.4 are excluded by the profile). */
export const DISABLED_MODULES: Record<string, string> = {
  "1.1.1.1": "cramfs",
  "1.1.1.2": "freevxfs",
  "1.1.1.3": "hfs",
  "1.1.1.4": "hfsplus",
  "1.1.1.5": "jffs2",
  "1.1.1.7": "squashfs",
  "1.1.1.8": "udf",
  "1.1.1.9": "usb-storage",
  "3.2.1": "dccp",
  "3.2.2": "tipc",
  "3.2.3": "rds",
};

const MODULE_FILES: Record<string, string> = {
  ext4: "kernel/fs/ext4/ext4.ko.xz",
  overlay: "kernel/fs/overlayfs/overlay.ko.xz",
  br_netfilter: "kernel/net/bridge/br_netfilter.ko.xz",
  sctp: "kernel/net/sctp/sctp.ko.xz",
  "usb-storage": "kernel/drivers/usb/storage/usb-storage.ko.xz",
  dccp: "kernel/net/dccp/dccp.ko.xz",
  tipc: "kernel/net/tipc/tipc.ko.xz",
  rds: "kernel/net/rds/rds.ko.xz",
};
const moduleFile = (m: string): string => MODULE_FILES[m] ?? `kernel/fs/${m}/${m}.ko.xz`;

/** Persisted (sysctl.d) and running values: CIS 3.3 values, forwarding on for Kubernetes. */
export const SYSCTLS: Record<string, number> = {
  "net.ipv4.ip_forward": 1,
  "net.ipv6.conf.all.forwarding": 1,
  "net.ipv4.conf.all.send_redirects": 0,
  "net.ipv4.conf.default.send_redirects": 0,
  "net.ipv4.icmp_ignore_bogus_error_responses": 1,
  "net.ipv4.icmp_echo_ignore_broadcasts": 1,
  "net.ipv4.conf.all.accept_redirects": 0,
  "net.ipv4.conf.default.accept_redirects": 0,
  "net.ipv6.conf.all.accept_redirects": 0,
  "net.ipv6.conf.default.accept_redirects": 0,
  "net.ipv4.conf.all.secure_redirects": 0,
  "net.ipv4.conf.default.secure_redirects": 0,
  "net.ipv4.conf.all.rp_filter": 1,
  "net.ipv4.conf.default.rp_filter": 1,
  "net.ipv4.conf.all.accept_source_route": 0,
  "net.ipv4.conf.default.accept_source_route": 0,
  "net.ipv6.conf.all.accept_source_route": 0,
  "net.ipv6.conf.default.accept_source_route": 0,
  "net.ipv4.conf.all.log_martians": 1,
  "net.ipv4.conf.default.log_martians": 1,
  "net.ipv4.tcp_syncookies": 1,
  "net.ipv6.conf.all.accept_ra": 0,
  "net.ipv6.conf.default.accept_ra": 0,
};
/** Process hardening (CIS 1.5): persisted in the hardening file and running. */
export const KERNEL_SYSCTLS: Record<string, number> = {
  "kernel.randomize_va_space": 2,
  "kernel.yama.ptrace_scope": 1,
  "fs.suid_dumpable": 0,
};
/** Set by k8s.conf (kubernetes.io "Container Runtimes"), the rest by the hardening file. */
const K8S_SYSCTLS = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"];
// Not 60-cis.conf: the per-check fail fixtures write that name, and must add, not replace.
export const SYSCTL_CONF = "etc/sysctl.d/90-hardening.conf";

/** Global sshd settings after the Include line: every CIS 5.1 item and KISA U-01. */
export const SSHD_SETTINGS: Record<string, string> = {
  KbdInteractiveAuthentication: "no",
  UsePAM: "yes",
  X11Forwarding: "no",
  PrintMotd: "no",
  AllowGroups: "sshusers",
  Banner: "/etc/issue.net",
  Ciphers: "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
  ClientAliveInterval: "15",
  ClientAliveCountMax: "3",
  DisableForwarding: "yes",
  GSSAPIAuthentication: "no",
  HostbasedAuthentication: "no",
  IgnoreRhosts: "yes",
  KexAlgorithms: "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512",
  LoginGraceTime: "60",
  LogLevel: "VERBOSE",
  MACs: "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256",
  MaxAuthTries: "4",
  MaxSessions: "10",
  MaxStartups: "10:30:60",
  PermitEmptyPasswords: "no",
  PermitRootLogin: "no",
  PermitUserEnvironment: "no",
  AcceptEnv: "LANG LC_*",
  Subsystem: "sftp /usr/lib/openssh/sftp-server",
};

/** grub.cfg: a superuser with a PBKDF2 password (CIS 1.4.1); AppArmor on at boot (1.3.1.2). */
export const GRUB_CFG = 'set superusers="root"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.AAAABBBB.CCCCDDDD\nmenuentry \'Debian GNU/Linux\' {\n\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f3c ro quiet apparmor=1 security=apparmor audit=1 audit_backlog_limit=8192\n}\n';
/** The node's persisted nftables ruleset (CIS 4.3). */
export const NFTABLES_CONF = `#!/usr/sbin/nft -f
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ip saddr 127.0.0.0/8 counter drop
    ip6 saddr ::1 counter drop
    ct state established,related accept
    tcp dport { 22, 6443, 2379-2380, 10250, 10256, 10257, 10259, 30000-32767 } accept
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ip saddr 10.244.0.0/16 accept
    ip daddr 10.244.0.0/16 accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ct state new,related,established accept
  }
}
`;

/** Installed packages (dpkg status): the ones whose items must apply, no CIS-forbidden one. */
export const PACKAGES = [
  "bash", "openssh-server", "cron", "at", "systemd-timesyncd", "containerd", "kubelet", "kubeadm", "apparmor", "apparmor-utils", "exim4-daemon-light", "rsync",
  "sudo", "libpam-runtime=1.5.2-6+deb12u1", "libpam-modules=1.5.2-6+deb12u1", "libpam-pwquality",
  "systemd-journal-remote", "aide", "aide-common", "nftables", "auditd", "audispd-plugins",
];

/** `name` or `name=version` (default version 1.0-1). */
export function dpkgStatus(packages: readonly string[]): string {
  return packages.map((p) => {
    const [name, version = "1.0-1"] = p.split("=") as [string, string?];
    return `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: amd64\n`;
  }).join("\n");
}

/** /etc/passwd lines: kubeadm's accounts (etcd) plus an administrator with a real home. */
export const PASSWD_LINES = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  `etcd:x:${ETCD_UID}:${ETCD_UID}:etcd user:/var/lib/etcd:/usr/sbin/nologin`,
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
];
export const LOGIN_DEFS = "MAIL_DIR /var/mail\nUMASK 027\nPASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUID_MIN 1000\nUID_MAX 60000\nENCRYPT_METHOD YESCRYPT\n";
export const SHADOW_LINES = [
  "root:$y$j9T$salt$hash:19000:1:90:7:30::",
  "daemon:*:19000:0:99999:7:::",
  "etcd:!:19000::::::",
  "nobody:*:19000:0:99999:7:::",
  "alice:$y$j9T$salt$hash:19000:1:90:7:30::",
];
export const GROUP_LINES = [
  "root:x:0:",
  "daemon:x:1:",
  "shadow:x:42:",
  "crontab:x:101:",
  `etcd:x:${ETCD_UID}:`,
  "sshusers:x:1001:alice",
  "sugroup:x:1002:",
  "nogroup:x:65534:",
  "alice:x:1000:",
];
const lines = (ls: readonly string[]): string => ls.join("\n") + "\n";
const gshadow = lines(GROUP_LINES.map((l) => `${l.split(":")[0]}:!::${l.split(":")[3]}`));

const f = (content: string, mode: number, uid = 0, gid = 0): FixtureEntry => ({ content, mode, uid, gid });
const dir = (mode: number, uid = 0, gid = 0): FixtureEntry => ({ dir: true, mode, uid, gid });

function unit(name: string, wantedBy: string): FixtureSpec {
  return {
    [`lib/systemd/system/${name}`]: f(`[Unit]\nDescription=${name}\n[Service]\nExecStart=/usr/sbin/daemon\n[Install]\nWantedBy=${wantedBy}\n`, 0o644),
  };
}
function enabledUnit(name: string, wantedBy: string): FixtureSpec {
  return { ...unit(name, wantedBy), [`etc/systemd/system/${wantedBy}.wants/${name}`]: { symlink: `/lib/systemd/system/${name}` } };
}

// ---------------------------------------------------------------- /proc/1/mountinfo

/** The node's mounts: / plus a separate file system for every CIS 1.1.2 path, with its options. */
export const MOUNTS: readonly [string, string, string, string][] = [
  ["/", "ext4", "/dev/vda1", "rw,relatime"],
  ["/dev/shm", "tmpfs", "tmpfs", "rw,nosuid,nodev,noexec"],
  ["/tmp", "tmpfs", "tmpfs", "rw,nosuid,nodev,noexec,relatime"],
  ["/home", "ext4", "/dev/vda2", "rw,nosuid,nodev,relatime"],
  ["/var", "ext4", "/dev/vda3", "rw,nosuid,nodev,relatime"],
  ["/var/tmp", "ext4", "/dev/vda4", "rw,nosuid,nodev,noexec,relatime"],
  ["/var/log", "ext4", "/dev/vda5", "rw,nosuid,nodev,noexec,relatime"],
  ["/var/log/audit", "ext4", "/dev/vda6", "rw,nosuid,nodev,noexec,relatime"],
];
/** /proc/1/mountinfo of `mounts` (default: the node's). */
export function mountinfo(mounts: readonly (readonly [string, string, string, string])[] = MOUNTS): string {
  return mounts.map(([p, t, dev, o], i) => `${30 + i} ${i === 0 ? 1 : 30} 8:${i + 1} / ${p} ${o} shared:${i + 1} - ${t} ${dev} rw\n`).join("");
}

// ---------------------------------------------------------------- /proc/net

const TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const TCP6_HEADER = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, "0");
/** /proc/net/tcp addresses are little-endian hex: 127.0.0.1 → 0100007F. */
function hex4(addr: string): string {
  return addr.split(".").map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0")).reverse().join("");
}
function table(header: string, entries: readonly (readonly [string, number])[], state: string, inodeBase: number): string {
  return [
    header,
    ...entries.map(([a, p], i) =>
      `   ${i}: ${a}:${hexPort(p)} ${a.replace(/./g, "0")}:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inodeBase + i} 1 0000000000000000 100 0 0 10 0`),
  ].join("\n") + "\n";
}
const ANY6 = "0".repeat(32);

/** The listeners of a kubeadm control-plane node (kubernetes.io "Ports and Protocols"), plus ssh, a NodePort and a loopback MTA. */
export const LISTENERS = {
  tcp: [
    ["0.0.0.0", 22], ["127.0.0.1", 25], ["127.0.0.1", 2379], ["192.168.0.10", 2379], ["192.168.0.10", 2380],
    ["127.0.0.1", 2381], ["127.0.0.1", 10248], ["127.0.0.1", 10249], ["127.0.0.1", 10257], ["127.0.0.1", 10259],
    ["0.0.0.0", 31080],
  ] as [string, number][],
  tcp6: [[ANY6, 22], [ANY6, 6443], [ANY6, 10250], [ANY6, 10256]] as [string, number][],
};

/** /proc/net/{tcp,tcp6,udp,udp6}: the node's listeners plus `extra` ones (IPv4, 0.0.0.0 unless given). */
export function procNet(extra: { tcp?: [string, number][]; udp?: [string, number][] } = {}): FixtureSpec {
  const v4 = (l: [string, number][]) => l.map(([a, p]) => [hex4(a), p] as const);
  return {
    "proc/net/tcp": table(TCP_HEADER, v4([...LISTENERS.tcp, ...(extra.tcp ?? [])]), "0A", 2000),
    "proc/net/tcp6": table(TCP6_HEADER, LISTENERS.tcp6, "0A", 3000),
    "proc/net/udp": table(TCP_HEADER, v4(extra.udp ?? []), "07", 4000),
    "proc/net/udp6": `${TCP6_HEADER}\n`,
  };
}

// ---------------------------------------------------------------- the host

export function debianHost(): FixtureSpec {
  const spec: FixtureSpec = {
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
    "var/lib/dpkg/status": dpkgStatus(PACKAGES),

    // Accounts (CIS 7.1, KISA U-04/U-44/U-52/U-53/U-57/U-58), with Debian's backup files.
    "etc/passwd": f(lines(PASSWD_LINES), 0o644),
    "etc/passwd-": f(lines(PASSWD_LINES), 0o644),
    "etc/group": f(lines(GROUP_LINES), 0o644),
    "etc/group-": f(lines(GROUP_LINES), 0o644),
    "etc/shadow": f(lines(SHADOW_LINES), 0o640, 0, 42),
    "etc/shadow-": f(lines(SHADOW_LINES), 0o640, 0, 42),
    "etc/gshadow": f(gshadow, 0o640, 0, 42),
    "etc/gshadow-": f(gshadow, 0o640, 0, 42),
    "etc/shells": f("# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n", 0o644),
    "etc/security/opasswd": f("", 0o600),
    "etc/default/useradd": f("SHELL=/bin/sh\nINACTIVE=30\n", 0o644),
    "etc/login.defs": f(LOGIN_DEFS, 0o644),
    root: dir(0o700),
    "root/.profile": f('if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\nPATH="$HOME/bin:$PATH"\n', 0o644),
    "root/.bashrc": f("alias ll='ls -l'\n", 0o644),
    // Home directories exist (KISA U-58 judges any account given a login shell).
    "usr/sbin": dir(0o755),
    "home/alice": dir(0o750, 1000, 1000),
    "home/alice/.profile": f("true\n", 0o644, 1000, 1000),
    "home/alice/.bashrc": f("alias ll='ls -l'\n", 0o600, 1000, 1000),

    // PAM and password policy (CIS 5.3, KISA U-02, U-03, U-46): the CIS stacks and module
    // files, and pwquality.conf with KISA's credits; su restricted to the empty sugroup (CIS 5.2.7, KISA U-45).
    ...Object.fromEntries(Object.entries(pamGood(false)).map(([k, v]) => [k, f(v as string, 0o644)])),
    "etc/pam.d/su": f("auth sufficient pam_rootok.so\nauth required pam_wheel.so use_uid group=sugroup\nsession required pam_env.so readenv=1\n", 0o644),
    "etc/security/pwquality.conf": f("# nodeward compliant\nminlen = 14\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\n", 0o644),
    // sudo (CIS 5.2).
    "etc/sudoers": f('Defaults env_reset\nDefaults use_pty\nDefaults logfile="/var/log/sudo.log"\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n', 0o440),
    "etc/sudoers.d": dir(0o755),

    // Shell environment (KISA U-05, U-54).
    "etc/profile": f('PATH="/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"\nexport PATH\n', 0o644),
    "etc/profile.d/tmout.sh": f("readonly TMOUT=600\nexport TMOUT\n", 0o644),

    // System files (KISA U-09, U-11, U-12) and banners (CIS 1.6, 5.1.5, KISA U-68).
    "etc/hosts": f("127.0.0.1 localhost\n192.168.0.10 cp1\n", 0o600),
    "etc/services": f("ssh 22/tcp\n", 0o644),
    "etc/rsyslog.conf": f("module(load=\"imuxsock\")\n*.*;auth,authpriv.none -/var/log/syslog\n", 0o640),
    "etc/motd": f("Authorized use only. All activity may be monitored and reported.\n", 0o644),
    "etc/issue": f("Authorized use only. All activity may be monitored and reported.\n", 0o644),
    "etc/issue.net": f("Authorized use only. All activity may be monitored and reported.\n", 0o644),
    "dev/pts": { dir: true },
    "dev/stdout": { symlink: "/proc/self/fd/1" },

    // Time (CIS 2.3): exactly one daemon, systemd-timesyncd, with a server.
    ...enabledUnit("systemd-timesyncd.service", "sysinit.target"),
    "etc/systemd/timesyncd.conf.d/60-timesyncd.conf": f("[Time]\nNTP=time.example.org\n", 0o644),
    // Enabled services a node runs; installed-but-disabled ones (CIS "not in use").
    ...enabledUnit("ssh.service", "multi-user.target"),
    ...enabledUnit("containerd.service", "multi-user.target"),
    ...enabledUnit("cron.service", "multi-user.target"),
    ...enabledUnit("atd.service", "multi-user.target"),
    ...unit("rsync.service", "multi-user.target"),

    // cron and at (CIS 2.4): allow files, no deny files.
    "etc/crontab": f("SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n", 0o600),
    "etc/cron.hourly": dir(0o700),
    "etc/cron.daily": dir(0o700),
    "etc/cron.weekly": dir(0o700),
    "etc/cron.monthly": dir(0o700),
    "etc/cron.d": dir(0o700),
    "etc/cron.allow": f("root\n", 0o640, 0, 101),
    "etc/at.allow": f("root\n", 0o640, 0, 1),

    // sshd (CIS 5.1, KISA U-01): drop-ins Included first, so a drop-in overrides (first value wins).
    "etc/ssh/sshd_config": f(sshdConfig(), 0o600),
    "etc/ssh/sshd_config.d": dir(0o755),
    "etc/ssh/ssh_host_ed25519_key": f("k\n", 0o600),
    "etc/ssh/ssh_host_rsa_key": f("k\n", 0o600),
    "etc/ssh/ssh_host_ed25519_key.pub": f("ssh-ed25519 AAAA root@cp1\n", 0o644),
    "etc/ssh/ssh_host_rsa_key.pub": f("ssh-rsa AAAA root@cp1\n", 0o644),

    // Mounts (CIS 1.1.2): PID 1's mount table, every CIS partition separate with its options.
    "proc/1/mountinfo": mountinfo(),

    // Kernel modules (CIS 1.1.1, 3.2): the Kubernetes ones loaded, the others unloadable.
    "proc/sys/kernel/osrelease": `${KERNEL_RELEASE}\n`,
    "proc/modules": ["ext4 1015808 1 - Live 0x0000000000000000", "overlay 196608 12 - Live 0x0000000000000000", "br_netfilter 32768 0 - Live 0x0000000000000000"].join("\n") + "\n",
    [`lib/modules/${KERNEL_RELEASE}/modules.dep`]: ["ext4", "overlay", "br_netfilter", "sctp", ...Object.values(DISABLED_MODULES)].map((m) => `${moduleFile(m)}: \n`).join(""),
    "etc/modules-load.d/k8s.conf": "overlay\nbr_netfilter\n",
    ...Object.fromEntries(Object.values(DISABLED_MODULES).map((m) => [`etc/modprobe.d/${m}.conf`, `install ${m} /bin/false\nblacklist ${m}\n`])),

    // sysctl (CIS 3.3): persisted and running.
    "etc/sysctl.d/k8s.conf": K8S_SYSCTLS.map((k) => `${k} = ${SYSCTLS[k]}\n`).join(""),
    [SYSCTL_CONF]: Object.entries({ ...SYSCTLS, ...KERNEL_SYSCTLS }).filter(([k]) => !K8S_SYSCTLS.includes(k)).map(([k, v]) => `${k} = ${v}\n`).join(""),
    ...Object.fromEntries(Object.entries({ ...SYSCTLS, ...KERNEL_SYSCTLS }).map(([k, v]) => [`proc/sys/${k.replace(/\./g, "/")}`, `${v}\n`])),
    // Core dumps (CIS 1.5.3): no dumps for anyone (systemd-coredump is not installed).
    "etc/security/limits.conf": f("# /etc/security/limits.conf\n", 0o644),
    "etc/security/limits.d/60-coredump.conf": f("*  hard  core  0\n", 0o644),
    "proc/sys/net/ipv6/conf/all/disable_ipv6": "0\n",

    // Logging (CIS 6.1): journald is the logging system (rsyslog is not installed), keeps the
    // journal compressed on disk and uploads it to a log server; the logs are 0640 or stricter.
    "lib/systemd/system/systemd-journald.service": f("[Unit]\nDescription=Journal Service\n[Service]\nExecStart=/lib/systemd/systemd-journald\n", 0o644),
    "etc/systemd/journald.conf": f("[Journal]\n#Storage=auto\n", 0o644),
    "etc/systemd/journald.conf.d/60-journald.conf": f("[Journal]\nStorage=persistent\nCompress=yes\nForwardToSyslog=no\n", 0o644),
    "etc/systemd/journal-upload.conf": f("[Upload]\nURL=https://logs.example.org:19532\nServerKeyFile=/etc/ssl/private/journal-upload.pem\nServerCertificateFile=/etc/ssl/certs/journal-upload.pem\nTrustedCertificateFile=/etc/ssl/ca/trusted.pem\n", 0o644),
    ...enabledUnit("systemd-journal-upload.service", "multi-user.target"),
    ...unit("systemd-journal-remote.service", "multi-user.target"),
    ...unit("systemd-journal-remote.socket", "sockets.target"),
    "var/log/auth.log": f("", 0o640),
    "var/log/wtmp": f("", 0o664),
    // Integrity checking (CIS 6.3): AIDE, its daily check, the audit tools in its rules.
    ...enabledUnit("dailyaidecheck.timer", "timers.target"),
    "etc/aide/aide.conf": f("/usr/sbin/auditctl p+i+n+u+g+s+b+acl+xattrs+sha512\n/usr/sbin/auditd p+i+n+u+g+s+b+acl+xattrs+sha512\n", 0o644),

    // Auditing (CIS 6.2, Level 2): auditd enabled (audit=1 and audit_backlog_limit=8192 on the
    // kernel line, GRUB_CFG), auditd.conf as CIS wants it, the benchmark's rules in rules.d with
    // -e 2 last, the audit files root-owned with the packages' modes.
    ...enabledUnit("auditd.service", "multi-user.target"),
    ...auditFiles(),
    ...auditRulesSpec(DEBIAN_RULES),

    // Host firewall (CIS 4): nftables is the one utility in use, its ruleset persisted in
    // /etc/nftables.conf — default drop, loopback accepted and spoofed loopback dropped, the
    // Kubernetes ports and the NodePort range accepted, pod traffic forwarded.
    ...enabledUnit("nftables.service", "sysinit.target"),
    "etc/nftables.conf": f(NFTABLES_CONF, 0o644),

    // Bootloader (CIS 1.4): a GRUB superuser with a PBKDF2 password; grub.cfg root-only.
    // Network interfaces (CIS 3.1.2): loopback and one wired interface, no wireless.
    "sys/class/net/lo": dir(0o755),
    "sys/class/net/eth0": dir(0o755),

    // AppArmor (CIS 1.3.1): enabled at boot (the running kernel's profiles are kubeadmNode's, all enforcing).
    "boot/grub/grub.cfg": f(GRUB_CFG, 0o600),

    // Listening sockets (CIS 2.1.21/2.1.22, KISA U-19…U-61).
    ...procNet(),
  };
  return spec;
}

/** The main sshd_config: Include first, then SSHD_SETTINGS with `overrides` (null drops a keyword). */
export function sshdConfig(overrides: Record<string, string | null> = {}): string {
  const settings = Object.entries({ ...SSHD_SETTINGS, ...overrides }).filter((e): e is [string, string] => e[1] !== null);
  return "Include /etc/ssh/sshd_config.d/*.conf\n" + settings.map(([k, v]) => `${k} ${v}\n`).join("");
}

/** kubeadmNode() (its options plant Kubernetes violations) on the compliant Debian host. */
export function compliantDebianNode(kubeadm: KubeadmNodeOptions = {}): FixtureSpec {
  const k8s = kubeadmNode(kubeadm);
  // The host's account database includes kubeadm's (etcd) and replaces it.
  for (const p of Object.keys(BASE_ACCOUNTS)) delete k8s[p];
  // The host's package database, with kubeadm's kubelet package (its version picks the edition).
  const dpkg = k8s["var/lib/dpkg/status"];
  return layer({ ...k8s, ...debianHost() }, dpkg !== undefined ? { "var/lib/dpkg/status": dpkg } : {});
}

// ---------------------------------------------------------------- violations

function packages(status: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stanza of status.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    if (name) out.set(name, stanza.trim() + "\n");
  }
  return out;
}

const content = (e: FixtureEntry | undefined): string | undefined =>
  typeof e === "string" ? e : e && "content" in e ? e.content : undefined;

/**
 * Plant `over` in `base` (a new spec; `base` unchanged). dpkg status: stanzas merged by
 * package. An entry with a mode/owner over an existing file: the new mode and owner, the old
 * content. A string over an existing file: the new content, the old mode and owner. Anything
 * else replaces. `omit` removes entries first (e.g. a .wants link, to disable a unit).
 */
export function layer(base: FixtureSpec, over: FixtureSpec = {}, omit: readonly string[] = []): FixtureSpec {
  const out: FixtureSpec = { ...base };
  for (const p of omit) {
    if (!(p in out)) throw new Error(`layer: nothing to omit at ${p}`);
    delete out[p];
  }
  for (const [p, e] of Object.entries(over)) {
    const old = out[p];
    if (p === "var/lib/dpkg/status" && old !== undefined) {
      const merged = packages(content(old) ?? "");
      for (const [name, stanza] of packages(content(e) ?? "")) merged.set(name, stanza);
      out[p] = [...merged.values()].join("\n");
    } else if (typeof e === "object" && "content" in e && e.mode !== undefined && content(old) !== undefined) {
      out[p] = { ...e, content: content(old) as string };
    } else if (typeof e === "string" && typeof old === "object" && "content" in old) {
      out[p] = { ...old, content: e };
    } else {
      out[p] = e;
    }
  }
  return out;
}

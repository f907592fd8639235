// Hostile roots (issue 19): host trees an attacker on the node could write, built in a
// directory for `nodeward scan --root DIR`. Used by bench/hostile.mjs (time, peak RSS)
// and by the tests (behaviour). Plain ESM, no dependencies, so both can import it.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

async function put(root, rel, content, mode = 0o644) {
  const full = path.join(root, rel);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, content, { mode });
}

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

const KUBELET_SERVICE = "[Unit]\nDescription=kubelet\n\n[Service]\nExecStart=/usr/bin/kubelet\n\n[Install]\nWantedBy=multi-user.target\n";
const KUBELET_DROPIN =
  "[Service]\n" +
  'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf"\n' +
  "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS\n";

/** A minimal Debian-looking root with a kubeadm-style kubelet (unit + drop-in). */
export async function baseRoot(root) {
  await put(root, "etc/os-release", OS_RELEASE);
  await put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n");
  await put(root, "etc/group", "root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n");
  await put(root, "etc/shadow", "root:$y$j9T$salt$hash:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", 0o640);
  await put(root, "lib/systemd/system/kubelet.service", KUBELET_SERVICE);
  await put(root, "etc/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBELET_DROPIN, 0o600);
  await put(root, "var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n", 0o600);
  await put(root, "etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n", 0o600);
  await mkdir(path.join(root, "proc"), { recursive: true });
}

/** 500k accounts in passwd, shadow and group (a 130k-account root overflowed the stack). */
export async function manyAccounts(root, n = 500_000) {
  await baseRoot(root);
  const pw = ["root:x:0:0:root:/root:/bin/bash"];
  const sh = ["root:$y$j9T$salt$hash:19000:0:99999:7:::"];
  const gr = ["root:x:0:", "shadow:x:42:"];
  for (let i = 1; i <= n; i++) {
    // Every account: a login shell, an empty password field in shadow (so each one offends).
    pw.push(`u${i}:x:${10000 + i}:${10000 + i}::/home/u${i}:/bin/bash`);
    sh.push(`u${i}::19000:0:99999:7:::`);
    gr.push(`g${i}:x:${10000 + i}:u${i}`);
  }
  await put(root, "etc/passwd", pw.join("\n") + "\n");
  await put(root, "etc/shadow", sh.join("\n") + "\n", 0o640);
  await put(root, "etc/group", gr.join("\n") + "\n");
}

/** A 6 MB kubelet config: many keys, a long list and a deep map. */
export async function bigKubeletConfig(root, bytes = 6 * 1024 * 1024) {
  await baseRoot(root);
  const head = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nauthentication:\n  anonymous:\n    enabled: false\n";
  const lines = [head];
  let size = head.length;
  let i = 0;
  lines.push("staticPodURLHeader:\n");
  while (size < bytes / 2) {
    const l = `  X-Header-${i}: ["${"v".repeat(40)}"]\n`;
    lines.push(l);
    size += l.length;
    i++;
  }
  lines.push("clusterDNS:\n");
  while (size < bytes) {
    const l = `- 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\n`;
    lines.push(l);
    size += l.length;
    i++;
  }
  await put(root, "var/lib/kubelet/config.yaml", lines.join(""), 0o600);
}

/** 100k files in /etc/sysctl.d, each setting a few keys. */
export async function manySysctlFiles(root, n = 100_000) {
  await baseRoot(root);
  const dir = path.join(root, "etc/sysctl.d");
  await mkdir(dir, { recursive: true });
  const batch = [];
  for (let i = 0; i < n; i++) {
    batch.push(writeFile(path.join(dir, `${String(i).padStart(6, "0")}-x.conf`), `net.ipv4.ip_forward = ${i === n - 1 ? 0 : 1}\nkernel.x${i} = 1\n`));
    if (batch.length >= 512) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

/** The issue's regex reproducers: U-25's 256 KB exports line, U-70's 576 KB sendmail.cf line. */
export async function longLines(root) {
  await baseRoot(root);
  await put(root, "etc/exports", "/" + "a".repeat(256 * 1024) + "\n");
  await put(root, "etc/mail/sendmail.cf", "O PrivacyOptions=" + "noexpn ".repeat((576 * 1024) / 7) + "\n");
}

/**
 * Links that point out of the root, in the tree and in its procfs: absolute and
 * relative, proc/PID/{root,cwd,exe,fd/*}, proc itself, a device node and a FIFO.
 */
export async function escapingLinks(root, outside) {
  await baseRoot(root);
  const link = async (rel, target) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await symlink(target, path.join(root, rel));
  };
  await put(outside, "secret-file", "OUTSIDE-SECRET\n");
  await mkdir(path.join(outside, "etc"), { recursive: true });
  await put(outside, "etc/passwd", "outside:x:0:0::/:/bin/sh\n");
  // Relative links that climb out; absolute links to the outside dir's real path.
  await link("etc/ssh/sshd_config", path.relative(path.join(root, "etc/ssh"), path.join(outside, "secret-file")));
  await link("etc/exports", path.join(outside, "secret-file"));
  await link("etc/modprobe.d/evil.conf", "../../../../../../../../" + path.join(outside, "secret-file"));
  await link("etc/sysctl.d/99-evil.conf", "../../../../../../../../" + path.join(outside, "secret-file"));
  await link("etc/default/grub", "/proc/self/environ");
  await link("home", outside);
  // procfs: a kubelet process whose root/cwd/exe/fds point outside, and net pointing at the host's.
  const pid = "4242";
  await put(root, `proc/${pid}/cmdline`, "/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0");
  await put(root, `proc/${pid}/comm`, "kubelet\n");
  await put(root, `proc/${pid}/status`, "Name:\tkubelet\nUid:\t0\t0\t0\t0\n");
  await link(`proc/${pid}/root`, outside);
  await link(`proc/${pid}/cwd`, outside);
  await link(`proc/${pid}/exe`, "/usr/bin/kubelet");
  await link(`proc/${pid}/fd/3`, "socket:[12345]");
  await link(`proc/${pid}/fd/4`, path.join(outside, "secret-file"));
  // kube-proxy in a "container" whose root is the outside dir: its config must not be read.
  await put(outside, "var/lib/kube-proxy/config.conf", "# OUTSIDE-SECRET\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n");
  await put(root, "proc/4243/cmdline", "/usr/local/bin/kube-proxy\0--config=/var/lib/kube-proxy/config.conf\0");
  await put(root, "proc/4243/comm", "kube-proxy\n");
  await link("proc/4243/root", outside);
  await link("proc/4243/ns/mnt", "mnt:[4026532712]");
  await link("proc/net", "/proc/net");
  await link("proc/self", "/proc/self");
  await link("proc/sys", "/proc/sys");
  await link("proc/modules", "/proc/modules");
  await link("proc/mounts", "/proc/mounts");
  await link("proc/1", "/proc/1");
}

/**
 * Since issue 19 (include machinery and firewall rulesets): kube-proxy's iptables rules of
 * a node with `services` services persisted in rules.v4, an nftables.conf with a set of
 * 200k elements over lines, a 10 KB run of blanks on a `table` line, include cycles and a
 * self-include (sudoers, rsyslog, nft), a PAM stack fanning out ten @include lines per file
 * over six levels, globs that backtracked (`*a*a*a*a*b` over 255-character names), and
 * 100k files in audit rules.d, limits.d and journald.conf.d.
 */
export async function includesAndRulesets(root, { services = 20_000, dropins = 100_000 } = {}) {
  await baseRoot(root);
  const ipt = ["*nat", ":PREROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-MARK-MASQ - [0:0]"];
  for (let i = 0; i < services; i++) ipt.push(`:KUBE-SVC-${i} - [0:0]`, `:KUBE-SEP-${i} - [0:0]`);
  for (let i = 0; i < services; i++) {
    ipt.push(`-A KUBE-SERVICES -d 10.96.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-${i}`);
    ipt.push(`-A KUBE-SVC-${i} -j KUBE-SEP-${i}`, `-A KUBE-SEP-${i} -s 10.244.0.1/32 -j KUBE-MARK-MASQ`, `-A KUBE-SEP-${i} -p tcp -m tcp -j DNAT --to-destination 10.244.0.1:80`);
  }
  ipt.push("COMMIT", "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", "-A INPUT -i lo -j ACCEPT", "COMMIT");
  await put(root, "etc/iptables/rules.v4", ipt.join("\n") + "\n");
  const set = Array.from({ length: 200_000 }, (_, i) => `   ${1 + (i % 65_000)},`).join("\n");
  await put(root, "etc/nftables.conf", `include "/etc/nftables.conf"\ninclude "/etc/nft.d/*"\ntable inet f {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport {\n${set}\n  } accept\n }\n}\ntable${" ".repeat(10_000)}x\n`);
  await put(root, "etc/nft.d/a.nft", 'include "/etc/nft.d/b.nft"\n');
  await put(root, "etc/nft.d/b.nft", 'include "/etc/nft.d/a.nft"\n');
  await put(root, "etc/sudoers", "@include /etc/sudoers\n@includedir /etc/sudoers.d\nDefaults use_pty\n", 0o440);
  await put(root, "etc/sudoers.d/a", "@include /etc/sudoers.d/b\n", 0o440);
  await put(root, "etc/sudoers.d/b", "@include /etc/sudoers.d/a\n", 0o440);
  await put(root, "etc/pam.d/sshd", "@include l1\n".repeat(10));
  for (let l = 1; l < 6; l++) await put(root, `etc/pam.d/l${l}`, `@include l${l + 1}\n`.repeat(10));
  await put(root, "etc/pam.d/l6", "auth required pam_unix.so\n");
  await put(root, "etc/rsyslog.conf", `$IncludeConfig /etc/rsyslog.conf\n$IncludeConfig /etc/rsyslog.d/${"*a".repeat(8)}*b\n*.* /var/log/syslog\n`);
  for (let i = 0; i < 20; i++) await put(root, `etc/rsyslog.d/${"a".repeat(250)}${String(i).padStart(5, "0")}`, "");
  for (const [dir, ext, content] of [["etc/audit/rules.d", ".rules", "-w /etc/passwd -p wa -k identity\n"], ["etc/security/limits.d", ".conf", "* hard core 0\n"], ["etc/systemd/journald.conf.d", ".conf", "[Journal]\nStorage=persistent\n"]]) {
    await mkdir(path.join(root, dir), { recursive: true });
    const batch = [];
    for (let i = 0; i < dropins; i++) {
      batch.push(writeFile(path.join(root, dir, `${String(i).padStart(6, "0")}${ext}`), content));
      if (batch.length >= 512) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
  }
}

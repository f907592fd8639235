/** Shared fixtures for the remediation tests: a failing Debian + kubeadm node root, a tree hash. */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { loadPacks } from "../../../src/packs/load.js";
import { selectChecks } from "../../../src/engine/select.js";
import { validateFix } from "../../../src/remediation/index.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";

export const REL = "6.1.0-nodeward-test";

/** The starter checks that carry a fix. 2.2.4 (package purge) is live-only: skipped offline. */
export const FIX_CHECKS = [
  "cis-debian-12/7.1.5",
  "cis-debian-12/1.1.1.1",
  "cis-debian-12/3.3.5",
  "cis-debian-12/2.1.2",
  "cis-debian-12/2.2.4",
  "cis-kubernetes-node/4.1.9",
  "cis-kubernetes-node/4.2.1",
];

export const KUBELET_CONFIG = `# kubeadm-generated kubelet configuration (comments must survive)
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true # insecure default from an old template
  webhook:
    enabled: true
authorization:
  mode: Webhook
readOnlyPort: 0
`;

/** A node root where every starter fix has work to do. */
export function failingNode(): FixtureSpec {
  return {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "etc/group": "root:x:0:\nshadow:x:42:\n",
    "etc/shadow": { content: "root:*:19000:0:99999:7:::\n", mode: 0o644, uid: 0, gid: 42 },
    // An offline root (no procfs): remediation of a mounted image changes files only, and
    // its re-scan judges what files tell (a running system's unit states could not be seen).
    // 1.1.1.1: cramfs is on disk, so loadable.
    [`lib/modules/${REL}/modules.dep`]: "kernel/fs/cramfs/cramfs.ko.xz: \nkernel/fs/overlayfs/overlay.ko: \n",
    "etc/modprobe.d/existing.conf": "options overlay metacopy=off\n",
    // 3.3.5: persisted in sysctl.conf (applied after 60-nodeward.conf).
    "etc/sysctl.conf": "# /etc/sysctl.conf\nnet.ipv4.ip_forward = 1\nnet.ipv4.conf.all.accept_redirects = 1\n",
    // 2.1.2: avahi enabled (service + socket + alias).
    "lib/systemd/system/avahi-daemon.service":
      "[Unit]\nDescription=Avahi\nRequires=avahi-daemon.socket\n[Service]\nExecStart=/usr/sbin/avahi-daemon -s\n[Install]\nWantedBy=multi-user.target\nAlso=avahi-daemon.socket\nAlias=dbus-org.freedesktop.Avahi.service\n",
    "lib/systemd/system/avahi-daemon.socket": "[Unit]\nDescription=Avahi socket\n[Socket]\nListenStream=/run/avahi-daemon/socket\n[Install]\nWantedBy=sockets.target\n",
    "etc/systemd/system/multi-user.target.wants/avahi-daemon.service": { symlink: "/lib/systemd/system/avahi-daemon.service" },
    "etc/systemd/system/sockets.target.wants/avahi-daemon.socket": { symlink: "/lib/systemd/system/avahi-daemon.socket" },
    "etc/systemd/system/dbus-org.freedesktop.Avahi.service": { symlink: "/lib/systemd/system/avahi-daemon.service" },
    // 2.2.4: telnet installed. The kubelet package's version (1.33) selects CIS Kubernetes v1.12.0.
    "var/lib/dpkg/status":
      "Package: telnet\nStatus: install ok installed\nVersion: 0.17+2.4-2+deb12u1\nArchitecture: all\n\n" +
      "Package: kubelet\nStatus: install ok installed\nVersion: 1.33.5-1.1\nArchitecture: amd64\n\n",
    // 4.1.9 / 4.2.1: kubeadm node, config world-readable, anonymous auth on.
    "lib/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet\n[Install]\nWantedBy=multi-user.target\n",
    "etc/systemd/system/kubelet.service.d/10-kubeadm.conf":
      '[Service]\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS\n',
    "var/lib/kubelet/config.yaml": { content: KUBELET_CONFIG, mode: 0o644, uid: 0, gid: 0 },
  };
}

export async function fixChecks(packs = [DEFAULT_BENCHMARKS_DIR]) {
  const loaded = await loadPacks(packs, { validateFix });
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return selectChecks(loaded.packs, { checks: FIX_CHECKS });
}

export interface Entry {
  type: "file" | "dir" | "link" | "other";
  mode: number;
  uid: number;
  gid: number;
  sha?: string;
  target?: string;
}

/** Every entry of a tree: path → type, mode, owner, content hash / link target (mtimes ignored). */
export async function treeState(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (dir: string): Promise<void> => {
    for (const n of (await readdir(dir)).sort()) {
      const p = path.join(dir, n);
      const st = await lstat(p);
      const e: Entry = { type: "other", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isSymbolicLink()) {
        e.type = "link";
        e.target = await readlink(p);
        e.mode = 0;
      } else if (st.isDirectory()) e.type = "dir";
      else if (st.isFile()) {
        e.type = "file";
        e.sha = createHash("sha256").update(await readFile(p)).digest("hex");
      }
      out.set(path.relative(root, p), e);
      if (e.type === "dir") await walk(p);
    }
  };
  await walk(root);
  return out;
}

export async function treeHash(root: string): Promise<string> {
  const h = createHash("sha256");
  for (const [p, e] of await treeState(root)) h.update(`${p}\0${JSON.stringify(e)}\n`);
  return h.digest("hex");
}

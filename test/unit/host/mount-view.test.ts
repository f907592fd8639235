/**
 * A tree hidden from nodeward by a mount namespace is never read as if it were the host's:
 * mountinfo parsing and the comparison of this process's mounts with the scanned system's,
 * over mountinfo lines shaped as the kernel writes them for systemd's sandboxes and a
 * container's /host bind; and once for real, in a private mount namespace made by unshare.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/engine/result.js";
import { MountView, parseMountinfo } from "../../../src/host/mount-view.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { CLI, REPO, ensureCliBuilt } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { PACK_META } from "../../helpers/inline-pack.js";

afterAll(cleanupFixtures);

const HOST = [
  "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
  "23 27 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw",
  "24 27 0:6 / /dev rw,nosuid shared:3 - devtmpfs devtmpfs rw,mode=755",
  "30 27 0:26 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755",
  "31 27 254:1 / /var rw,relatime shared:6 - ext4 /dev/vdb rw",
  "32 27 254:2 / /home\\040dir rw,relatime shared:7 - xfs /dev/vdc rw",
].join("\n");

/** The agent's unit: ProtectSystem=strict (remounts), ReadWritePaths= (self-binds), ProtectKernelModules=, PrivateTmp=. */
const AGENT_UNIT = [
  "300 299 254:0 / / ro,relatime master:1 - ext4 /dev/vda rw",
  "301 300 0:21 / /proc rw,nosuid,nodev,noexec,relatime master:12 - proc proc rw",
  "302 301 0:21 /sys /proc/sys ro,nosuid,nodev,noexec,relatime master:12 - proc proc rw",
  "303 300 0:22 / /sys ro,nosuid,nodev,noexec,relatime master:2 - sysfs sysfs rw",
  "304 300 0:6 / /dev rw,nosuid master:3 - devtmpfs devtmpfs rw,mode=755",
  "305 300 0:26 / /run rw,nosuid,nodev master:5 - tmpfs tmpfs rw,mode=755",
  "306 300 254:1 / /var ro,relatime master:6 - ext4 /dev/vdb rw",
  "307 306 254:1 /lib/nodeward /var/lib/nodeward rw,relatime master:6 - ext4 /dev/vdb rw",
  "308 300 0:26 /systemd/inaccessible/dir /usr/lib/modules ro,nosuid,nodev,noexec master:5 - tmpfs tmpfs rw,mode=755",
  "309 300 254:0 /tmp/systemd-private-6f1c-nodeward.service-Ab12/tmp /tmp rw,relatime master:1 - ext4 /dev/vda rw",
  "310 300 254:2 / /home\\040dir ro,relatime master:7 - xfs /dev/vdc rw",
].join("\n");

describe("parseMountinfo", () => {
  it("reads mount point, root, type and source, unescaping \\040; odd lines are problems", () => {
    const p = parseMountinfo(`${HOST}\nnot a mount line\n`);
    expect(p.entries).toHaveLength(7);
    expect(p.entries[6]).toEqual({ mountPoint: "/home dir", root: "/", fsType: "xfs", source: "/dev/vdc", device: "254:2" });
    expect(p.entries[1]).toEqual({ mountPoint: "/proc", root: "/", fsType: "proc", source: "proc", device: "0:21" });
    expect(p.problems).toEqual([{ line: 8, message: "not a mountinfo line (id parent major:minor root mount-point options … - type source)" }]);
  });
});

describe("MountView.compare", () => {
  it("the agent's sandbox: masks are hidden, self-binds and read-only remounts are not", () => {
    const view = MountView.compare("/", parseMountinfo(AGENT_UNIT).entries, parseMountinfo(HOST).entries);
    expect(view.hiddenBy("/usr/lib/modules/6.1.0/modules.dep")).toBe(
      "/usr/lib/modules is masked in nodeward's mount namespace (tmpfs /systemd/inaccessible/dir mounted over it by a service sandbox such as systemd's ProtectHome=, ProtectKernelModules=, InaccessiblePaths= or PrivateTmp=)",
    );
    expect(view.hiddenBy("/tmp")).toMatch(/^\/tmp is masked in nodeward's mount namespace \(ext4 \/tmp\/systemd-private-6f1c-nodeward\.service-Ab12\/tmp/);
    expect(view.hiddenBy("/usr/lib")).toBeUndefined();
    expect(view.hiddenBy("/var/lib/nodeward/state.json")).toBeUndefined();
    expect(view.hiddenBy("/proc/sys/net/ipv4/ip_forward")).toBeUndefined();
    expect(view.hiddenBy("/home dir/alice/.rhosts")).toBeUndefined();
    expect(view.hiddenBy("/etc/shadow")).toBeUndefined();
    expect(view.size).toBe(2);
  });

  it("a private /dev (PrivateDevices=) over a container's tmpfs /dev: another tmpfs, told apart by its device; a new procfs instance is not", () => {
    // systemd-nspawn (and a pod) give the scanned system a tmpfs /dev; the sandbox mounts its own.
    const system = parseMountinfo(`${HOST.replace("0:6 / /dev rw,nosuid shared:3 - devtmpfs devtmpfs", "0:31 / /dev rw,nosuid shared:3 - tmpfs tmpfs")}`).entries;
    const self = parseMountinfo(
      [
        "500 499 254:0 / / ro,relatime master:1 - ext4 /dev/vda rw",
        // ProtectProc=invisible: a procfs instance of its own (another device), same processes and kernel tables.
        "501 500 0:77 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw,hidepid=invisible",
        "502 500 0:22 / /sys ro,nosuid,nodev,noexec,relatime master:2 - sysfs sysfs rw",
        "503 500 0:78 / /dev rw,nosuid,nodev,noexec - tmpfs tmpfs rw,mode=755",
        "504 500 0:26 / /run rw,nosuid,nodev master:5 - tmpfs tmpfs rw,mode=755",
        "505 500 254:1 / /var ro,relatime master:6 - ext4 /dev/vdb rw",
        "506 500 254:2 / /home\\040dir ro,relatime master:7 - xfs /dev/vdc rw",
      ].join("\n"),
    ).entries;
    const view = MountView.compare("/", self, system);
    expect(view.hiddenBy("/dev/stray")).toBe("/dev is another filesystem in nodeward's view (tmpfs tmpfs device 0:78) than on the scanned system (tmpfs tmpfs device 0:31)");
    expect(view.hiddenBy("/proc/sys/net/ipv4/ip_forward")).toBeUndefined();
    expect(view.hiddenBy("/run/systemd")).toBeUndefined();
    expect(view.size).toBe(1);
  });

  it("without the system's view, the known sandbox masks are still seen", () => {
    const view = MountView.compare("/", parseMountinfo(AGENT_UNIT).entries, null);
    expect(view.hiddenBy("/usr/lib/modules")).toMatch(/masked/);
    expect(view.hiddenBy("/var/lib/nodeward")).toBeUndefined();
  });

  it("a tmpfs over a directory (TemporaryFileSystem=, ProtectHome=tmpfs) is a mount only in nodeward's view", () => {
    const self = parseMountinfo(`${HOST}\n400 27 0:50 / /root rw,relatime - tmpfs tmpfs rw,mode=700`).entries;
    const view = MountView.compare("/", self, parseMountinfo(HOST).entries);
    expect(view.hiddenBy("/root/.rhosts")).toBe(
      "/root is a mount only in nodeward's view (tmpfs tmpfs), not on the scanned system: what is beneath it there cannot be seen",
    );
  });

  it("the DaemonSet: a non-recursive bind of the host's / at /host uncovers the host's separate filesystems", () => {
    const container = [
      "500 499 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/x",
      "501 500 254:0 / /host ro,relatime - ext4 /dev/vda rw",
      "502 501 0:21 / /host/proc rw,relatime - proc proc rw",
    ].join("\n");
    const view = MountView.compare("/host", parseMountinfo(container).entries, parseMountinfo(HOST).entries);
    expect(view.hiddenBy("/var/lib/kubelet/config.yaml")).toBe(
      "/var is a separate ext4 filesystem on the scanned system that is not mounted in nodeward's view at /host/var (mount the host root recursively)",
    );
    expect(view.hiddenBy("/home dir/bob")).toMatch(/^\/home dir is a separate xfs filesystem/);
    expect(view.hiddenBy("/etc/kubernetes/kubelet.conf")).toBeUndefined();
    expect(view.hiddenBy("/proc/1/cmdline")).toBeUndefined();
  });

  it("the DaemonSet with a recursive bind sees what the host sees", () => {
    const container = [
      "500 499 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/x",
      "501 500 254:0 / /host ro,relatime - ext4 /dev/vda rw",
      "502 501 0:21 / /host/proc rw,relatime - proc proc rw",
      "503 501 0:22 / /host/sys ro,relatime - sysfs sysfs rw",
      "504 501 0:6 / /host/dev ro - devtmpfs devtmpfs rw,mode=755",
      "505 501 0:26 / /host/run ro - tmpfs tmpfs rw,mode=755",
      "506 501 254:1 / /host/var ro,relatime - ext4 /dev/vdb rw",
      "507 501 254:2 / /host/home\\040dir ro,relatime - xfs /dev/vdc rw",
    ].join("\n");
    const view = MountView.compare("/host", parseMountinfo(container).entries, parseMountinfo(HOST).entries);
    expect(view.size).toBe(0);
  });
});

describe("HostRoot refuses to read what its mount view hides", () => {
  it("a read under a masked tree is NODEWARD_ERR_UNREADABLE naming the mask; other reads work", async () => {
    const root = await fixtureRoot({ "usr/lib/modules/6.1.0/modules.dep": "kernel/fs/squashfs/squashfs.ko:\n", "etc/hostname": "n\n" });
    const mounts = MountView.compare(root, parseMountinfo(`1 0 8:1 / ${root} rw - ext4 /dev/sda rw\n2 1 0:26 /systemd/inaccessible/dir ${root}/usr/lib/modules ro - tmpfs tmpfs rw`).entries, null);
    const host = new HostRoot({ root, mounts });
    await expect(host.readFile("/usr/lib/modules/6.1.0/modules.dep")).rejects.toMatchObject({
      code: "NODEWARD_ERR_UNREADABLE",
      message: expect.stringMatching(/^\/usr\/lib\/modules\/6\.1\.0\/modules\.dep is hidden from nodeward: \/usr\/lib\/modules is masked/),
    });
    await expect(host.readdir("/usr/lib/modules")).rejects.toMatchObject({ code: "NODEWARD_ERR_UNREADABLE" });
    expect(await host.readFile("/etc/hostname")).toBe("n\n");
  });
});

describe("for real: a private mount namespace with a tmpfs over a directory the check reads", () => {
  const asRoot = process.getuid?.() === 0;
  let base: string | undefined;
  beforeAll(async () => {
    if (asRoot) await ensureCliBuilt();
  }, 180_000);
  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  // unshare(1) gives the CLI its own mount namespace, as systemd does for a sandboxed unit,
  // and mounts an empty tmpfs over /etc/ssh there. The live scan then compares its view
  // with PID 1's: /etc/ssh exists on the host, so the check errors instead of passing on
  // an empty directory. Needs root (unshare -m), like the rest of the unit suite.
  it.runIf(asRoot)("a check on /etc/ssh is error 'hidden from nodeward', never the empty tmpfs's answer", { timeout: 60_000 }, async () => {
    base = await mkdtemp(path.join(tmpdir(), "nodeward-mountns-"));
    await writeFile(
      path.join(base, "pack.yaml"),
      `${PACK_META}defaults: { severity: high }
checks:
  - { id: ssh-dir, title: no ssh_config.d drop-in overrides, audit: { probe: file, params: { glob: "/etc/ssh/ssh_config.d/*.conf" }, expect: { count: 0 } } }
  - { id: hostname, title: hostname file, audit: { probe: file, params: { path: /etc/hostname }, expect: { exists: true } } }
`,
    );
    const script = `mount -t tmpfs -o size=64k nodeward-test /etc/ssh && exec "$0" "$@"`;
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "unshare",
        ["--mount", "--propagation", "private", "sh", "-c", script, process.execPath, CLI, "scan", "--packs", base as string, "--format", "json"],
        { cwd: REPO, encoding: "utf8", timeout: 45_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
      );
    });
    const report = JSON.parse(out.stdout) as ScanReport;
    expect(report.results.map((r) => [r.id, r.status, r.message])).toEqual([
      [
        "ssh-dir",
        "error",
        "[probe:file] cannot list /etc/ssh/ssh_config.d to expand /etc/ssh/ssh_config.d/*.conf: /etc/ssh/ssh_config.d is hidden from nodeward: /etc/ssh is a mount only in nodeward's view (tmpfs nodeward-test), not on the scanned system: what is beneath it there cannot be seen",
      ],
      ["hostname", "pass", undefined],
    ]);
    expect(out.code).toBe(1);
  });
});

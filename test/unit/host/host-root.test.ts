/**
 * HostRoot, the one seam every read goes through: paths resolved chroot-style under
 * --root (absolute links re-rooted, climbs refused), reads capped and limited to regular
 * files, missing kept apart from refused. Each refusal is the catalogue's error (code and
 * exact message). Procfs confinement is in test/unit/hostile/confinement.test.ts, mount
 * views in mount-view.test.ts, reads denied to an unprivileged scan in engine/run-checks.test.ts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_FILE_BYTES, HostRoot } from "../../../src/host/host-root.js";
import { MountView, onlyLocalFilesystems, parseMountinfo } from "../../../src/host/mount-view.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

let root: string;
/** The same reads made both ways: through the thread pool, and synchronously (every filesystem local). */
const hosts: Record<"async" | "sync", HostRoot> = {} as Record<"async" | "sync", HostRoot>;

beforeAll(async () => {
  root = await fixtureRoot({
    "etc/hostname": "node-1\n",
    "etc/big": "x".repeat(100),
    "etc/ssh/sshd_config": "PermitRootLogin no\n",
    "etc/ssh/sshd_config.d/10.conf": "X11Forwarding no\n",
    "etc/alias": { symlink: "/etc/hostname" },
    "etc/rel-alias": { symlink: "../etc/hostname" },
    "etc/climber": { symlink: "../../../etc/hostname" },
    "etc/loop-a": { symlink: "/etc/loop-b" },
    "etc/loop-b": { symlink: "/etc/loop-a" },
    "etc/dangling": { symlink: "/nowhere" },
    "etc/sshdir": { symlink: "/etc/ssh" },
    "var/empty": { dir: true },
  });
  execFileSync("mkfifo", [path.join(root, "etc/fifo")]);
  hosts.async = new HostRoot({ root, mounts: new MountView(), syncCalls: false });
  hosts.sync = new HostRoot({ root, mounts: new MountView(), syncCalls: true });
});

/** The rejection's code and message, for one exact comparison. */
async function refusal(p: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const e = (await p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: unknown) => err,
  )) as { code?: unknown; message: string };
  return { code: e.code, message: e.message };
}

describe.each(["async", "sync"] as const)("HostRoot, %s calls", (mode) => {
  let host: HostRoot;
  beforeAll(() => {
    host = hosts[mode];
    expect(host.syncCalls).toBe(mode === "sync");
  });

  describe("HostRoot: paths", () => {
    it("reads a file under the root, and knows the root is not this machine's /", async () => {
      expect(host.isLive).toBe(false);
      expect(host.root).toBe(root);
      expect(await host.readFile("/etc/hostname")).toBe("node-1\n");
      expect(host.toHostPath(path.join(root, "etc/hostname"))).toBe("/etc/hostname");
    });

    it("re-roots an absolute link and follows a relative one inside the root", async () => {
      expect(await host.resolve("/etc/alias")).toBe(path.join(root, "etc/hostname"));
      expect(await host.readFile("/etc/rel-alias")).toBe("node-1\n");
      expect(await host.readdir("/etc/sshdir")).toEqual(["sshd_config", "sshd_config.d"]);
      // lstat semantics: the last link is not followed
      expect(await host.resolve("/etc/alias", false)).toBe(path.join(root, "etc/alias"));
      expect(await host.readlink("/etc/alias")).toBe("/etc/hostname");
      expect((await host.lstat("/etc/alias"))?.isSymbolicLink()).toBe(true);
    });

    it("refuses a link or a path that climbs above the root", async () => {
      expect(await refusal(host.readFile("/etc/climber"))).toEqual({
        code: "NODEWARD_ERR_PATH_ESCAPE",
        message: `symlink /etc/climber -> ../../../etc/hostname points outside the root ${root}`,
      });
      expect(await refusal(host.resolve("/../etc/hostname"))).toEqual({
        code: "NODEWARD_ERR_PATH_ESCAPE",
        message: `path /../etc/hostname climbs above the root ${root}`,
      });
    });

    it("refuses a relative path, a NUL byte and a symlink loop", async () => {
      expect(await refusal(host.readFile("etc/hostname"))).toEqual({ code: "NODEWARD_ERR_PATH_INVALID", message: 'path must be absolute: "etc/hostname"' });
      expect(await refusal(host.readFile("/etc/host\0name"))).toEqual({ code: "NODEWARD_ERR_PATH_INVALID", message: 'path contains a NUL byte: "/etc/host\\u0000name"' });
      expect(await refusal(host.readFile("/etc/loop-a"))).toEqual({
        code: "NODEWARD_ERR_PATH_INVALID",
        message: "too many levels of symbolic links (a symlink loop?) resolving /etc/loop-a",
      });
    });
  });

  describe("HostRoot: reads", () => {
    it("keeps missing apart from refused: null for a missing file or a dangling link, never for a refusal", async () => {
      expect(await host.readFileIfExists("/etc/nope")).toBeNull();
      expect(await host.readFileIfExists("/etc/dangling")).toBeNull();
      expect(await host.stat("/etc/nope")).toBeNull();
      expect(await host.readdir("/etc/nope")).toBeNull();
      await expect(host.readFileIfExists("/etc/climber")).rejects.toThrow(/points outside the root/);
      await expect(host.readFileIfExists("/etc/ssh")).rejects.toThrow("/etc/ssh is a directory, not a file");
    });

    it("reads only regular files: a directory and a FIFO are refused before any open", async () => {
      expect(await refusal(host.readFile("/etc/ssh"))).toEqual({ code: "NODEWARD_ERR_FILE_NOT_REGULAR", message: "/etc/ssh is a directory, not a file" });
      expect(await refusal(host.readFile("/etc/fifo"))).toEqual({ code: "NODEWARD_ERR_FILE_NOT_REGULAR", message: "/etc/fifo is not a regular file" });
    });

    it("refuses a file over the read limit (the call's, else the root's), whole, never a partial read", async () => {
      expect(await refusal(host.readFile("/etc/big", { maxBytes: 99 }))).toEqual({
        code: "NODEWARD_ERR_FILE_TOO_LARGE",
        message: "/etc/big is 100 bytes, over the 99-byte read limit",
      });
      expect(await host.readFile("/etc/big", { maxBytes: 100 })).toHaveLength(100);
      const small = new HostRoot({ root, maxFileBytes: 10, mounts: new MountView(), syncCalls: mode === "sync" });
      expect(await refusal(small.readFile("/etc/big"))).toEqual({ code: "NODEWARD_ERR_FILE_TOO_LARGE", message: "/etc/big is 100 bytes, over the 10-byte read limit" });
      expect(host.maxFileBytes).toBe(DEFAULT_MAX_FILE_BYTES);
    });
  });

  describe("HostRoot: glob", () => {
    it("expands * and ? per component inside the root, sorted, links re-rooted", async () => {
      expect(await host.glob("/etc/ssh/sshd_config.d/*.conf")).toEqual(["/etc/ssh/sshd_config.d/10.conf"]);
      expect(await host.glob("/etc/sshdir/sshd_confi?")).toEqual(["/etc/sshdir/sshd_config"]);
      expect(await host.glob("/etc/nope/*")).toEqual([]);
      expect(await host.glob("/var/empty/*")).toEqual([]);
    });

    it("refuses a relative pattern", async () => {
      expect(await refusal(host.glob("etc/*"))).toEqual({ code: "NODEWARD_ERR_PATH_INVALID", message: 'glob must be absolute: "etc/*"' });
    });
  });
});

describe("HostRoot: synchronous calls only where every filesystem is local", () => {
  const mountinfo = (...mounts: [string, string][]) =>
    parseMountinfo(mounts.map(([mp, type], i) => `${20 + i} 1 8:1 / ${mp} rw,relatime shared:1 - ${type} /dev/x rw`).join("\n")).entries;

  it("a host of local disks, kernel filesystems and systemd's binfmt_misc automount: synchronous", () => {
    expect(onlyLocalFilesystems(mountinfo(["/", "ext4"], ["/boot", "xfs"], ["/proc", "proc"], ["/sys", "sysfs"], ["/run", "tmpfs"], ["/proc/sys/fs/binfmt_misc", "autofs"], ["/var/lib/docker/overlay2/x/merged", "overlay"]))).toBe(true);
  });

  it("one network, FUSE, automounted or unknown filesystem anywhere: asynchronous (its calls can wait on a server)", () => {
    for (const [mp, type] of [["/mnt/share", "nfs4"], ["/srv", "cifs"], ["/home/u/remote", "fuse.sshfs"], ["/net", "autofs"], ["/data", "somefs"]] as const) {
      expect(onlyLocalFilesystems(mountinfo(["/", "ext4"], [mp, type])), `${type} at ${mp}`).toBe(false);
    }
    expect(onlyLocalFilesystems([])).toBe(false);
  });

  it("the default is decided from this process's own mount table", () => {
    const expected = onlyLocalFilesystems(parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")).entries);
    expect(new HostRoot({ root, mounts: new MountView() }).syncCalls).toBe(expected);
  });
});

describe("HostRoot: the live procfs", () => {
  // Kernel tunables are read synchronously (they wait for no process's locks); socket tables
  // and a process's own files through the thread pool. Entries whose size stat does not
  // tell start in a spare 16 KiB buffer that goes back to a small pool after each read.
  const host = new HostRoot({ root: "/", proc: "/proc", mounts: new MountView() });
  const fsRead = (rel: string) => readFileSync(path.join("/proc", rel), "utf8");

  it("reads sys/ entries and net/ tables whole, each its own text", async () => {
    for (const rel of ["sys/kernel/ostype", "sys/kernel/pid_max", "sys/kernel/ostype", "sys/net/ipv4/ip_forward", "self/net/netlink", "sys/kernel/ostype"]) {
      expect(await host.procRead(rel), rel).toBe(fsRead(rel));
    }
  });

  it("a table longer than the first buffer (16 KiB) is read whole, and a short tunable after it is exact", async () => {
    const dir = await fixtureRoot({});
    const servers: Server[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const s = createServer();
        await new Promise<void>((r) => s.listen(path.join(dir, `${"s".repeat(40)}-${i}.sock`), r));
        servers.push(s);
      }
      const table = await host.procRead("net/unix");
      expect(table.length).toBeGreaterThan(16 * 1024);
      for (let i = 0; i < 200; i++) expect(table).toContain(`${"s".repeat(40)}-${i}.sock\n`);
      expect(await host.procRead("sys/kernel/ostype")).toBe("Linux\n");
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it("reads made at once each get their own buffer: every text exact", async () => {
    const rels = ["self/cmdline", "self/comm", "self/limits", "self/cgroup", "self/oom_score_adj", "sys/kernel/ostype", "self/cmdline", "self/limits"];
    const texts = await Promise.all([...rels, ...rels].map((rel) => host.procRead(rel)));
    expect(texts).toEqual([...rels, ...rels].map(fsRead));
  });

  it("a tunable over the read limit is refused, as any read", async () => {
    const e = (await host.procRead("sys/kernel/ostype", { maxBytes: 2 }).catch((x: unknown) => x)) as { code?: string; message: string };
    expect({ code: e.code, message: e.message }).toEqual({ code: "NODEWARD_ERR_FILE_TOO_LARGE", message: "/proc/sys/kernel/ostype is over the 2-byte read limit" });
  });
});

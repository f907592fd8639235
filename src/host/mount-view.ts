/**
 * Mount view: where this process's view of the scanned root differs from the scanned
 * system's own, so a read of a path that a sandbox or a container hides is an error with
 * the reason instead of a read of whatever lies beneath.
 *
 * Two ways a tree is hidden from nodeward, both seen in the field:
 *   - masked: this process's mount namespace has a mount the scanned system does not —
 *     systemd's ProtectKernelModules=/ProtectHome=/InaccessiblePaths= (an inaccessible
 *     node, which reads as an empty directory), PrivateTmp=, TemporaryFileSystem=;
 *   - uncovered: the scanned system has a mount this view lacks — a non-recursive bind of
 *     the host's / at /host shows the empty directory under /var, /boot or /home when those
 *     are separate filesystems on the host.
 * The scanned system's own view is its PID 1's mountinfo (through --proc); this process's
 * is /proc/self/mountinfo. When both are the same mount namespace nothing can be hidden.
 */
import path from "node:path";

export interface MountEntry {
  /** Host path of the mount point, unescaped. */
  mountPoint: string;
  /** The path within the mounted filesystem that is mounted here (a bind's source path). */
  root: string;
  fsType: string;
  source: string;
  /** The filesystem's device (major:minor): one tmpfs instance from another, which type and source ("tmpfs tmpfs") do not tell apart. */
  device?: string;
}

export interface MountinfoParse {
  entries: MountEntry[];
  /** Lines that are not mountinfo lines: 1-based line number and why. */
  problems: { line: number; message: string }[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo (octal). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/PID/mountinfo (proc(5)). Pure; never throws. */
export function parseMountinfo(text: string): MountinfoParse {
  const entries: MountEntry[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === "") continue;
    const f = raw.split(" ");
    const sep = f.indexOf("-", 6);
    if (f.length < 10 || sep === -1 || sep + 2 >= f.length || !/^\d+$/.test(f[0] as string)) {
      problems.push({ line: i + 1, message: "not a mountinfo line (id parent major:minor root mount-point options … - type source)" });
      continue;
    }
    entries.push({
      root: unescapeMountinfo(f[3] as string),
      mountPoint: unescapeMountinfo(f[4] as string),
      fsType: f[sep + 1] as string,
      source: unescapeMountinfo(f[sep + 2] as string),
      device: f[2] as string,
    });
  }
  return { entries, problems };
}

/** The visible mount at each mount point: a later mount over the same point hides earlier ones. */
function topMounts(entries: readonly MountEntry[]): Map<string, MountEntry> {
  const top = new Map<string, MountEntry>();
  for (const e of entries) top.set(e.mountPoint, e);
  return top;
}

/**
 * Memory filesystems whose every instance is named alike ("tmpfs tmpfs") but holds its own
 * files: a sandbox's private /dev (PrivateDevices=) over a scanned system whose /dev is a
 * tmpfs too (a container's) differs from it only by its device. Not proc, sysfs or cgroup:
 * a new instance of those (ProtectProc=, ProcSubset=) shows the same kernel objects, and
 * what it leaves out is told by its mount options (proc-visibility.ts).
 */
const OWN_CONTENT_PER_INSTANCE = new Set(["tmpfs", "ramfs"]);

const sameFilesystem = (a: MountEntry, b: MountEntry): boolean =>
  a.fsType === b.fsType &&
  a.source === b.source &&
  a.root === b.root &&
  !(OWN_CONTENT_PER_INSTANCE.has(a.fsType) && a.device !== undefined && b.device !== undefined && a.device !== b.device);

const describeMount = (e: MountEntry, other: MountEntry | undefined): string =>
  `${e.fsType} ${e.source}${other && e.fsType === other.fsType && e.source === other.source && e.device !== other.device ? ` device ${e.device}` : ""}`;

/**
 * Paths systemd mounts its inaccessible nodes from, and the private /tmp it makes: a mount
 * whose root is one of these is a mask, whatever PID 1's view says.
 */
const SANDBOX_ROOT = /(^|\/)systemd\/inaccessible(\/|$)|(^|\/)systemd-private-[^/]+\/(tmp|var-tmp)?/;

export class MountView {
  /** Host mount point → why everything at and under it is hidden. */
  private readonly hidden: ReadonlyMap<string, string>;

  constructor(hidden: ReadonlyMap<string, string> = new Map()) {
    this.hidden = hidden;
  }

  /** Nothing hidden: same mount namespace, or nothing to compare with. */
  static readonly NONE = new MountView();

  get size(): number {
    return this.hidden.size;
  }

  /** Why `hostPath` is hidden from this process, or undefined when it is seen as the system sees it. */
  hiddenBy(hostPath: string): string | undefined {
    if (this.hidden.size === 0) return undefined;
    let p = path.posix.resolve("/", hostPath);
    for (;;) {
      const why = this.hidden.get(p);
      if (why !== undefined) return why;
      if (p === "/") return undefined;
      p = path.posix.dirname(p);
    }
  }

  /**
   * Compare the scanning process's mounts (`self`) with the scanned system's (`system`,
   * its PID 1's; null when it could not be read). `root` is where the scanned system's
   * `/` sits in this process's view ("/" on the live host, "/host" in the DaemonSet).
   */
  static compare(root: string, self: readonly MountEntry[], system: readonly MountEntry[] | null): MountView {
    const hidden = new Map<string, string>();
    const toHost = (mp: string): string | undefined => {
      if (root === "/") return mp;
      if (mp === root) return "/";
      return mp.startsWith(root + "/") ? mp.slice(root.length) : undefined;
    };
    const mine = new Map<string, MountEntry>();
    for (const [mp, e] of topMounts(self)) {
      const host = toHost(mp);
      if (host !== undefined) mine.set(host, e);
    }
    // Known sandbox masks, even without the system's view to compare with.
    for (const [host, e] of mine) {
      if (SANDBOX_ROOT.test(e.root)) {
        hidden.set(host, `${host} is masked in nodeward's mount namespace (${e.fsType} ${e.root} mounted over it by a service sandbox such as systemd's ProtectHome=, ProtectKernelModules=, InaccessiblePaths= or PrivateTmp=)`);
      }
    }
    if (system === null) return new MountView(hidden);
    const theirs = topMounts(system);
    // What the scanned system shows at `host`: its innermost mount there, as that
    // filesystem's own path (a bind of a directory onto itself shows the same thing).
    const systemSees = (host: string): MountEntry | undefined => {
      for (let p = host; ; p = path.posix.dirname(p)) {
        const t = theirs.get(p);
        if (t) return { ...t, mountPoint: host, root: path.posix.join(t.root, path.posix.relative(p, host)) };
        if (p === "/") return undefined;
      }
    };
    for (const [host, e] of mine) {
      if (hidden.has(host) || host === "/") continue;
      const t = systemSees(host);
      // Same filesystem, same directory of it: a read-only or read-write bind of the path
      // onto itself (ProtectSystem=, ReadWritePaths=), which hides nothing.
      if (t && sameFilesystem(t, e)) continue;
      hidden.set(
        host,
        theirs.has(host)
          ? `${host} is another filesystem in nodeward's view (${describeMount(e, t)}) than on the scanned system (${t ? describeMount(t, e) : "?"})`
          : `${host} is a mount only in nodeward's view (${e.fsType} ${e.source}${e.root === "/" ? "" : ` ${e.root}`}), not on the scanned system: what is beneath it there cannot be seen`,
      );
    }
    for (const [host, t] of theirs) {
      if (host === "/" || mine.has(host) || hidden.has(host)) continue;
      hidden.set(host, `${host} is a separate ${t.fsType} filesystem on the scanned system that is not mounted in nodeward's view${root === "/" ? "" : ` at ${path.posix.join(root, host)} (mount the host root recursively)`}`);
    }
    return new MountView(hidden);
  }
}

/**
 * Filesystems whose calls are answered by the kernel from memory or a local block device:
 * none waits on a network, a user-space server (FUSE) or an automounter. Anything else
 * (nfs, cifs, ceph, 9p, fuse.*, autofs, a type not listed) may hang for as long as its
 * server does.
 */
const LOCAL_FS_TYPES = new Set([
  "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs", "zfs", "vfat", "exfat", "iso9660", "squashfs", "erofs", "overlay",
  "tmpfs", "ramfs", "devtmpfs", "proc", "sysfs", "devpts", "mqueue", "hugetlbfs", "cgroup", "cgroup2", "securityfs", "debugfs",
  "tracefs", "pstore", "bpf", "configfs", "efivarfs", "binfmt_misc", "fusectl", "nsfs", "selinuxfs", "rpc_pipefs",
]);

/** systemd's automount of binfmt_misc (local, mounted on first access). */
const LOCAL_AUTOMOUNT = "/proc/sys/fs/binfmt_misc";

/**
 * Every filesystem mounted in this view is local (LOCAL_FS_TYPES): then no path, wherever
 * its links lead, reaches a filesystem whose calls can wait on a network or a server.
 */
export function onlyLocalFilesystems(entries: readonly MountEntry[]): boolean {
  return entries.length > 0 && entries.every((e) => LOCAL_FS_TYPES.has(e.fsType) || (e.fsType === "autofs" && e.mountPoint === LOCAL_AUTOMOUNT));
}

/**
 * The host root: every read of the scanned system goes through here (node_exporter's
 * paths.go, unstorage's base-path guard). The same probe code scans `/`, a host
 * mounted at `/host` in a DaemonSet, or a fixture tree built by a test.
 *
 * Paths handed in are always *host* paths ("/etc/shadow"). Inside a non-`/` root,
 * symlinks are resolved by hand, chroot-style: an absolute target is re-rooted, and
 * a relative target (or a `..`) that climbs above the root is refused with
 * NODEWARD_ERR_PATH_ESCAPE instead of being followed.
 */
import * as fs from "node:fs";
import { constants as fsc, type Stats } from "node:fs";
import { lstat, open, readdir, readFile, readlink, realpath, stat, statfs, type FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { NodewardError } from "../errors.js";
import { MountView, onlyLocalFilesystems, parseMountinfo } from "./mount-view.js";
import { hiddenProcessesReason, subsetPidReason } from "./proc-visibility.js";
import { pushAll } from "../util/array.js";

/** Reads larger than this are refused: a 2 GB sparse file must not be slurped. */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_SYMLINK_HOPS = 40;
/** A glob expanding to more paths than this (at any component) is refused, naming the cap. */
export const MAX_GLOB_PATHS = 10_000;
/** First buffer for a file whose size stat does not tell (procfs, sysfs): doubled as needed. */
const UNKNOWN_SIZE_BUFFER = 16 * 1024;

export interface HostRootOptions {
  /** Directory holding the scanned system's `/`. Default `/`. */
  root?: string;
  /** Directory holding the scanned system's procfs. Default `<root>/proc`. */
  proc?: string;
  /** Refuse to read files larger than this. */
  maxFileBytes?: number;
  /**
   * Where this process's view differs from the scanned system's (see mount-view.ts).
   * Default: compared once, lazily, from /proc/self/mountinfo and the system's PID 1.
   */
  mounts?: MountView;
  /**
   * Make file-system calls synchronously (see HostRoot.syncCalls). Default: when every
   * filesystem mounted in this process's view is local (/proc/self/mountinfo).
   */
  syncCalls?: boolean;
}

export interface ReadOptions {
  maxBytes?: number;
}

export class HostRoot {
  /** Absolute path of the scanned root on this machine. */
  readonly root: string;
  /** Absolute path of the scanned system's procfs on this machine. */
  readonly proc: string;
  /** True when the scanned root is this machine's own `/`. */
  readonly isLive: boolean;
  readonly maxFileBytes: number;

  constructor(options: HostRootOptions = {}) {
    this.root = path.resolve(options.root ?? "/");
    this.isLive = this.root === "/";
    this.proc = path.resolve(options.proc ?? path.join(this.root, "proc"));
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (options.mounts) this.mountView = Promise.resolve(options.mounts);
    this.syncCallsOption = options.syncCalls;
  }

  private readonly syncCallsOption: boolean | undefined;
  private syncCallsCache: boolean | undefined;

  /**
   * Whether stat, lstat, readlink, readdir and the reads of regular files are made
   * synchronously. On a local filesystem such a call is answered in microseconds from
   * the page cache or a local disk, and its thread-pool round trip cost more CPU than the
   * call itself (~1,500 of them in a full scan: ~70 ms of a cold scan's CPU). A call that
   * can wait on a network or a server (NFS, FUSE, an automount) must not block the event
   * loop, where the probe timeout runs: so the calls are synchronous only when every
   * filesystem in this process's view is local, decided once per HostRoot.
   */
  get syncCalls(): boolean {
    this.syncCallsCache ??= this.syncCallsOption ?? localMountsOnly();
    return this.syncCallsCache;
  }

  private mountView: Promise<MountView> | undefined;

  /** Where this process's view of the root differs from the scanned system's; computed once. */
  mounts(): Promise<MountView> {
    this.mountView ??= this.loadMountView();
    return this.mountView;
  }

  /**
   * Why a host path is hidden from this process (a sandbox's mask, a host mount this view
   * lacks), or undefined. Reads of a hidden path throw NODEWARD_ERR_UNREADABLE with it.
   */
  async hiddenBy(hostPath: string): Promise<string | undefined> {
    return (await this.mounts()).hiddenBy(hostPath);
  }

  /**
   * Map a host path to the real path on this machine, following symlinks inside the
   * root. With `followLast: false` the last component is not followed (lstat
   * semantics). A path that does not exist resolves to where it would be.
   */
  async resolve(hostPath: string, followLast = true): Promise<string> {
    const real = await this.resolveInRoot(hostPath, followLast);
    const view = await this.mounts();
    if (view.size > 0) {
      const why = view.hiddenBy(hostPath) ?? view.hiddenBy(this.toHostPath(real));
      if (why !== undefined) throw new NodewardError("HIDDEN", { path: hostPath, why });
    }
    return real;
  }

  private async resolveInRoot(hostPath: string, followLast: boolean): Promise<string> {
    if (!path.isAbsolute(hostPath)) {
      throw new NodewardError("PATH_NOT_ABSOLUTE", { path: JSON.stringify(hostPath) });
    }
    if (hostPath.includes("\0")) {
      throw new NodewardError("PATH_NUL", { path: JSON.stringify(hostPath) });
    }
    // On the live root nothing can escape `/`; the kernel resolves links (and reports ELOOP).
    if (this.isLive) return path.resolve(hostPath);

    return walkInside(this.root, hostPath, followLast, "the root", this.syncCalls);
  }

  /** The host path of a real path under the root (inverse of resolve, for evidence). */
  toHostPath(realPath: string): string {
    if (this.isLive) return realPath;
    const rel = path.relative(this.root, realPath);
    return "/" + rel;
  }

  /** stat() following links inside the root; null when the path does not exist. */
  async stat(hostPath: string): Promise<Stats | null> {
    const real = await this.resolve(hostPath);
    return this.syncCalls ? syncNullIfMissing(() => fs.statSync(real, NO_THROW_IF_MISSING) ?? null) : nullIfMissing(stat(real));
  }

  /** lstat(): the last component is not followed; null when the path does not exist. */
  async lstat(hostPath: string): Promise<Stats | null> {
    const real = await this.resolve(hostPath, false);
    return this.syncCalls ? syncNullIfMissing(() => fs.lstatSync(real, NO_THROW_IF_MISSING) ?? null) : nullIfMissing(lstat(real));
  }

  async readlink(hostPath: string): Promise<string> {
    const real = await this.resolve(hostPath, false);
    return this.syncCalls ? fs.readlinkSync(real) : readlink(real);
  }

  /** Directory entries, sorted; null when the directory does not exist. */
  async readdir(hostPath: string): Promise<string[] | null> {
    const real = await this.resolve(hostPath);
    const entries = this.syncCalls ? syncNullIfMissing(() => fs.readdirSync(real)) : await nullIfMissing(readdir(real));
    return entries ? entries.sort() : null;
  }

  /** Read a regular file as UTF-8, refusing non-regular files and files over the size cap. */
  async readFile(hostPath: string, options: ReadOptions = {}): Promise<string> {
    const real = await this.resolve(hostPath);
    const maxBytes = options.maxBytes ?? this.maxFileBytes;
    return this.syncCalls ? readCappedSync(real, hostPath, maxBytes, !this.isLive) : readCapped(real, hostPath, maxBytes, !this.isLive);
  }

  /** readFile, or null when the file does not exist. */
  async readFileIfExists(hostPath: string, options: ReadOptions = {}): Promise<string | null> {
    try {
      return await this.readFile(hostPath, options);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /**
   * Open a regular file for positional reads (a database read page by page, never whole):
   * the same resolution and refusals as readFile (no FIFO, no device, no link swapped in
   * after resolving). The caller closes the handle.
   */
  async openRead(hostPath: string): Promise<FileHandle> {
    const real = await this.resolve(hostPath);
    const fh = await open(real, fsc.O_RDONLY | fsc.O_NONBLOCK | (this.isLive ? 0 : fsc.O_NOFOLLOW));
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new NodewardError("NOT_REGULAR", { path: hostPath });
      return fh;
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /**
   * Expand a glob (`*`, `?`, `[...]` within a path component) into sorted host paths that
   * exist. A directory that is missing (or not a directory) proves there is no match below
   * it; one that exists but cannot be listed (EACCES, a symlink out of the root, a loop)
   * proves nothing, so the glob throws NODEWARD_ERR_UNREADABLE naming it rather than
   * answering "no match". A match that cannot be lstat'ed is returned: the probe that
   * reads it reports why.
   */
  async glob(pattern: string): Promise<string[]> {
    if (!path.isAbsolute(pattern)) {
      throw new NodewardError("GLOB_NOT_ABSOLUTE", { pattern: JSON.stringify(pattern) });
    }
    const parts = pattern.split("/").filter((c) => c !== "");
    let current = ["/"];
    for (const part of parts) {
      const next: string[] = [];
      if (!/[*?[]/.test(part)) {
        for (const dir of current) next.push(path.posix.join(dir, part));
      } else {
        const matches = globComponentMatcher(part);
        for (const dir of current) {
          let names: string[] | null;
          try {
            names = await this.readdir(dir);
          } catch (e) {
            if (isMissing(e)) continue;
            throw new NodewardError("CANNOT_LIST", { dir, pattern, reason: e instanceof Error ? e.message : String(e) });
          }
          for (const n of names ?? []) if (matches(n)) next.push(path.posix.join(dir, n));
        }
      }
      // A pattern from a host file (`include "/*/*/*/*"`) must not walk the whole tree.
      if (next.length > MAX_GLOB_PATHS) throw new NodewardError("GLOB_TOO_MANY", { pattern, limit: MAX_GLOB_PATHS });
      current = next;
    }
    const existing: string[] = [];
    for (const p of current) {
      try {
        if (await this.lstat(p)) existing.push(p);
      } catch (e) {
        if (!isMissing(e)) existing.push(p);
      }
    }
    return existing.sort();
  }

  // --- procfs ---------------------------------------------------------------------
  //
  // A real procfs (the live /proc, or the host's /proc mounted at /host/proc) holds no
  // link anyone can plant, but its magic links lead anywhere: /proc/PID/root and cwd are
  // a process's own filesystem, whose absolute symlinks the kernel would resolve against
  // *our* root; fd/N, exe and map_files/* are files anywhere. So PID/root and PID/cwd are
  // walked chroot-style inside that directory, and the other magic links are never
  // followed. Any other proc tree (a fixture, a copy) is an ordinary directory: under
  // --root it is resolved as the host path /proc/…, chroot-style like every other path,
  // so `proc/4242/root -> /elsewhere` is re-rooted and `proc -> /proc` is a loop, refused.

  /** The unresolved path of a procfs entry (for messages). */
  procPath(rel: string): string {
    const joined = path.join(this.proc, rel);
    if (joined !== this.proc && !joined.startsWith(this.proc + path.sep)) {
      throw new NodewardError("PROC_PATH_LEAVES", { path: rel, proc: this.proc });
    }
    return joined;
  }

  /**
   * Compare this process's mounts with the scanned system's PID 1's. The same mount
   * namespace (the CLI run as root on the host) hides nothing, and is decided without
   * parsing. A root with no real procfs beside it (an image, a fixture) has no running
   * system to compare with, and nothing outside the root is opened for it. The scanned
   * system's entries are read through procResolve, confined like every other read;
   * this process's own view is /proc/self.
   */
  private async loadMountView(): Promise<MountView> {
    if (!this.isLive && (await this.procKind()) !== "procfs") return MountView.NONE;
    const system = async <T>(read: () => Promise<T>): Promise<T | null> => read().catch(() => null);
    const [selfNs, systemNs] = await Promise.all([
      readlink("/proc/self/ns/mnt").catch(() => null),
      system(async () => readlink(await this.procResolve("1/ns/mnt", false))),
    ]);
    if (this.isLive && selfNs !== null && selfNs === systemNs) return MountView.NONE;
    const self = await readFile("/proc/self/mountinfo", "utf8").catch(() => null);
    if (self === null) return MountView.NONE;
    const theirs = await system(async () => readFile(await this.procResolve("1/mountinfo"), "utf8"));
    return MountView.compare(this.root, parseMountinfo(self).entries, theirs === null ? null : parseMountinfo(theirs).entries);
  }

  private procfsHidesCache?: Promise<{ processes: string | null; kernel: string | null }>;

  /** What the procfs leaves out for this reader, decided once (see hiddenProcesses, hiddenKernelEntries). */
  private procfsHides(): Promise<{ processes: string | null; kernel: string | null }> {
    this.procfsHidesCache ??= (async () => {
      if ((await this.procKind()) !== "procfs") return { processes: null, kernel: null };
      const [mountinfo, status, procPath] = await Promise.all([
        readFile("/proc/self/mountinfo", "utf8").catch(() => null),
        readFile("/proc/self/status", "utf8").catch(() => null),
        realpath(this.proc).catch(() => this.proc),
      ]);
      if (mountinfo === null) return { processes: null, kernel: null };
      return {
        processes: status === null ? null : hiddenProcessesReason({ mountinfo, status, procPath }),
        kernel: subsetPidReason({ mountinfo, procPath }),
      };
    })();
    return this.procfsHidesCache;
  }

  /**
   * Why the procfs hides some processes from this reader (hidepid=invisible without
   * CAP_SYS_PTRACE), or null: every process is listed, or it is a tree, not a procfs.
   * Decided from this process's own mount table and credentials (/proc/self).
   */
  async hiddenProcesses(): Promise<string | null> {
    return (await this.procfsHides()).processes;
  }

  /** Why the procfs shows no kernel entries (mounted subset=pid), or null. */
  async hiddenKernelEntries(): Promise<string | null> {
    return (await this.procfsHides()).kernel;
  }

  /**
   * An entry missing from a procfs that does not show everything proves nothing: a kernel
   * entry (sys/…, net/…, modules) under subset=pid, another process's entry under
   * hidepid=invisible. Throws HIDDEN with the reason then; returns otherwise.
   */
  private async missingProcEntry(rel: string): Promise<void> {
    const first = rel.split("/").find((c) => c !== "" && c !== ".") ?? "";
    if (first === "self" || first === "thread-self") return;
    const hides = await this.procfsHides();
    const why = /^\d+$/.test(first) ? hides.processes : first === "" ? null : hides.kernel;
    if (why !== null) throw new NodewardError("HIDDEN", { path: `/proc/${rel}`, why });
  }

  private procKindCache?: Promise<"procfs" | "tree">;
  /** procKind()'s answer once it has come (the procfs fast path decides synchronously). */
  private procKindKnown: "procfs" | "tree" | undefined;

  /** Is `proc` a mounted procfs (itself, not through a link), or a plain directory tree? */
  private procKind(): Promise<"procfs" | "tree"> {
    this.procKindCache ??= (async () => {
      let kind: "procfs" | "tree";
      try {
        const st = await lstat(this.proc);
        kind = st.isDirectory() && (await statfs(this.proc)).type === PROC_SUPER_MAGIC ? "procfs" : "tree";
      } catch {
        kind = "tree";
      }
      this.procKindKnown = kind;
      return kind;
    })();
    return this.procKindCache;
  }

  /**
   * The fast path of procfs reads (the drift agent reads ~40 entries every 2 s): the real
   * path of `rel` when the proc tree is a mounted procfs already known as one and `rel`
   * names a plain entry — ordinary components (no `.`, `..`, empty one or NUL) through no
   * magic link (root, cwd, exe, fd, map_files) — where procResolve would answer the same
   * join; undefined otherwise (the general path decides). Nothing is looked up: the read
   * itself checks the entry as readProcfsCapped always did.
   */
  private procFastPath(rel: string): string | undefined {
    if (this.procKindKnown !== "procfs" || !PLAIN_PROC_REL.test(rel) || PROC_MAGIC_COMPONENT.test(rel)) return undefined;
    return this.proc + "/" + rel;
  }

  /** Read a plain entry of a live procfs (procFastPath): its text, or null when it is missing (synchronously when it waits for nothing). */
  private procFastRead(real: string, rel: string, options: ReadOptions): string | null | Promise<string | null> {
    const maxBytes = options.maxBytes ?? this.maxFileBytes;
    return waitsForNothing(rel) ? readProcfsEntrySync(real, rel, maxBytes) : readProcfsEntry(real, rel, maxBytes);
  }

  /** The real path of a procfs entry, resolved so that it stays inside the scanned system. */
  async procResolve(rel: string, followLast = true): Promise<string> {
    this.procPath(rel); // refuses `..` out of the proc tree
    if (rel.includes("\0")) throw new NodewardError("PROC_PATH_NUL", { path: JSON.stringify(rel) });
    const parts = rel.split("/").filter((c) => c !== "" && c !== ".");
    if ((await this.procKind()) === "tree") {
      const hostProc = this.isLive ? undefined : path.relative(this.root, this.proc);
      // Inside the root (the usual <root>/proc): the host path /proc/…, resolved like any other.
      if (hostProc !== undefined && hostProc !== "" && !hostProc.startsWith("..") && !path.isAbsolute(hostProc)) {
        return this.resolve("/" + [hostProc, ...parts].join("/"), followLast);
      }
      // Elsewhere: a root of its own.
      return walkInside(this.proc, "/" + parts.join("/"), followLast, "the proc tree", this.syncCalls);
    }
    const [pid = "", entry = ""] = parts;
    const isProcess = /^(\d+|self|thread-self)$/.test(pid);
    if (isProcess && (entry === "root" || entry === "cwd") && (parts.length > 2 || followLast)) {
      const base = path.join(this.proc, pid, entry);
      return parts.length === 2 ? base : walkInside(base, "/" + parts.slice(2).join("/"), followLast, `/proc/${pid}/${entry} of`, false);
    }
    const magicLeaf = isProcess && ((entry === "exe" && parts.length === 2) || ((entry === "fd" || entry === "map_files") && parts.length === 3));
    const magicInner = isProcess && ((entry === "exe" && parts.length > 2) || ((entry === "fd" || entry === "map_files") && parts.length > 3));
    if (magicInner || (magicLeaf && followLast)) {
      throw new NodewardError("PROC_MAGIC_LINK", { path: rel });
    }
    return path.join(this.proc, ...parts);
  }

  async procRead(rel: string, options: ReadOptions = {}): Promise<string> {
    const real = this.procFastPath(rel);
    if (real !== undefined) {
      const read = this.procFastRead(real, rel, options);
      const text = typeof read === "object" && read !== null ? await read : read;
      if (text !== null) return text;
      // Missing: the general path throws what it always threw (HIDDEN, or the ENOENT).
    }
    try {
      return await this.procReadEntry(rel, options);
    } catch (e) {
      if (isMissing(e)) await this.missingProcEntry(rel);
      throw e;
    }
  }

  private async procReadEntry(rel: string, options: ReadOptions): Promise<string> {
    const real = await this.procResolve(rel);
    const maxBytes = options.maxBytes ?? this.maxFileBytes;
    if (await this.inLiveProcfs(rel)) {
      return waitsForNothing(rel) ? readProcfsCappedSync(real, `/proc/${rel}`, maxBytes) : readProcfsCapped(real, `/proc/${rel}`, maxBytes);
    }
    return (await this.syncProcTree()) ? readCappedSync(real, `/proc/${rel}`, maxBytes, true) : readCapped(real, `/proc/${rel}`, maxBytes, true);
  }

  async procReadIfExists(rel: string, options: ReadOptions = {}): Promise<string | null> {
    const real = this.procFastPath(rel);
    if (real !== undefined) {
      const read = this.procFastRead(real, rel, options);
      const text = typeof read === "object" && read !== null ? await read : read;
      if (text !== null) return text;
      await this.missingProcEntry(rel); // HIDDEN when the procfs hides such entries from this reader
      return null;
    }
    try {
      return await this.procRead(rel, options);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async procReaddir(rel: string): Promise<string[] | null> {
    const real = await this.procResolve(rel);
    const names = (await this.inLiveProcfs(rel)) || (await this.syncProcTree()) ? syncNullIfMissing(() => fs.readdirSync(real)) : await nullIfMissing(readdir(real));
    if (names === null) await this.missingProcEntry(rel);
    return names;
  }

  async procReadlink(rel: string): Promise<string | null> {
    const real = await this.procResolve(rel, false);
    const target = (await this.inLiveProcfs(rel, false)) || (await this.syncProcTree()) ? syncNullIfMissing(() => fs.readlinkSync(real)) : await nullIfMissing(readlink(real));
    if (target === null) await this.missingProcEntry(rel);
    return target;
  }

  /**
   * The proc tree is a plain directory tree (a fixture, a copy) and calls are synchronous
   * (syncCalls). A mounted procfs is not: its entries under /proc/PID/root and cwd are other
   * mount namespaces' filesystems, which this process's mount table does not list.
   */
  private async syncProcTree(): Promise<boolean> {
    return this.syncCalls && (await this.procKind()) === "tree";
  }

  /**
   * Whether `rel` is an entry of a mounted procfs itself: not a tree, and not reached
   * through a magic link (root, cwd, exe, fd/N, map_files/N, also under task/TID), which
   * leads into some filesystem of the host. Such entries are answered from the kernel's
   * memory: listing them, reading their links and their metadata wait for nothing, and
   * are done synchronously (a scan makes ~1,200 of them, ~40 µs of CPU each through the
   * thread pool). With `followLast` false the last component is not traversed.
   */
  private async inLiveProcfs(rel: string, followLast = true): Promise<boolean> {
    if ((await this.procKind()) !== "procfs") return false;
    const parts = rel.split("/").filter((c) => c !== "" && c !== ".");
    const traversed = followLast ? parts : parts.slice(0, -1);
    return traversed.every((c, i) => c !== "root" && c !== "cwd" && c !== "exe" && traversed[i - 1] !== "fd" && traversed[i - 1] !== "map_files");
  }

  async procExists(rel: string): Promise<boolean> {
    const real = await this.procResolve(rel);
    const exists = ((await this.syncProcTree()) ? syncNullIfMissing(() => fs.statSync(real)) : await nullIfMissing(stat(real))) !== null;
    if (!exists) await this.missingProcEntry(rel);
    return exists;
  }
}

/** statfs(2) f_type of procfs. */
const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Resolve `hostPath` chroot-style under `base`: every symlink is read and followed by
 * hand, an absolute target re-rooted at `base`, a relative one (or a `..`) that climbs
 * above `base` refused with NODEWARD_ERR_PATH_ESCAPE. `what` names `base` in messages.
 */
async function walkInside(base: string, hostPath: string, followLast: boolean, what: string, sync: boolean): Promise<string> {
  const where = `${what} ${base}`;
  const stack: string[] = [];
  const queue = hostPath.split("/").filter((c) => c !== "");
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift() as string;
    if (c === ".") continue;
    if (c === "..") {
      if (stack.length === 0) {
        throw new NodewardError("PATH_CLIMBS", { path: hostPath, where });
      }
      stack.pop();
      continue;
    }
    const isLast = queue.length === 0;
    if (isLast && !followLast) {
      stack.push(c);
      break;
    }
    const candidate = path.join(base, ...stack, c);
    let st: Stats;
    try {
      st = sync ? fs.lstatSync(candidate) : await lstat(candidate);
    } catch {
      // Missing (or unreadable) component: the rest cannot be links we know of.
      pushAll(stack, [c, ...queue.filter((q) => q !== "." && q !== "")]);
      if (stack.includes("..")) {
        throw new NodewardError("PATH_CLIMBS", { path: hostPath, where });
      }
      break;
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new NodewardError("SYMLINK_LOOP", { path: hostPath });
      }
      const target = sync ? fs.readlinkSync(candidate) : await readlink(candidate);
      const linkHostPath = "/" + [...stack, c].join("/");
      const parts = target.split("/").filter((t) => t !== "");
      if (path.isAbsolute(target)) {
        stack.length = 0;
      } else {
        // Refuse relative links that climb above the root rather than clamping them.
        let depth = stack.length;
        for (const p of parts) {
          if (p === "..") depth--;
          else if (p !== ".") depth++;
          if (depth < 0) {
            throw new NodewardError("SYMLINK_OUTSIDE", { link: linkHostPath, target, where });
          }
        }
      }
      queue.splice(0, 0, ...parts); // bounded: a link target is at most PATH_MAX (4096) bytes
      continue;
    }
    stack.push(c);
  }
  return path.join(base, ...stack);
}

async function readCapped(real: string, shown: string, maxBytes: number, noFollow: boolean): Promise<string> {
  // The type before the open: opening a device node can act (a tape rewinds, a watchdog
  // arms), so only a regular file is ever opened.
  const pre = await (noFollow ? lstat(real) : stat(real));
  checkBeforeOpen(pre, shown, maxBytes);
  // O_NONBLOCK: a FIFO swapped in since the lstat must not hang the scan. O_NOFOLLOW: the
  // resolved path must not have been swapped for a link since it was resolved.
  const flags = fsc.O_RDONLY | fsc.O_NONBLOCK | (noFollow ? fsc.O_NOFOLLOW : 0);
  const fh = await open(real, flags);
  try {
    const st = await fh.stat();
    checkOpened(pre, st, shown, maxBytes);
    // One buffer of the file's size (plus one byte, to see it grow), grown only when the
    // file is longer than stat said (procfs reports 0): a 25 MB file costs 25 MB, not 75.
    // A file of a few bytes gets a buffer of a few bytes (from Node's shared pool): a scan
    // reads ~300 files, and 64 KiB apiece was 20 MiB of garbage and a full GC.
    return await readAll(st.size, maxBytes, shown, (buf, at) => fh.read(buf, at, buf.length - at, null).then((r) => r.bytesRead));
  } finally {
    await fh.close();
  }
}

/** readCapped with synchronous calls (HostRoot.syncCalls: every filesystem is local). */
function readCappedSync(real: string, shown: string, maxBytes: number, noFollow: boolean): string {
  const pre = noFollow ? fs.lstatSync(real) : fs.statSync(real);
  checkBeforeOpen(pre, shown, maxBytes);
  const fd = fs.openSync(real, fsc.O_RDONLY | fsc.O_NONBLOCK | (noFollow ? fsc.O_NOFOLLOW : 0));
  try {
    const st = fs.fstatSync(fd);
    checkOpened(pre, st, shown, maxBytes);
    return readAllSync(st.size, maxBytes, shown, (buf, at) => fs.readSync(fd, buf, at, buf.length - at, null));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * This process's mounts are all local filesystems (false when the table cannot be read):
 * then a file-system call cannot hang on a server, and making it synchronously costs no
 * responsiveness worth a thread-pool round trip (HostRoot.syncCalls, the pack loader).
 */
export function localMountsOnly(): boolean {
  try {
    return onlyLocalFilesystems(parseMountinfo(fs.readFileSync("/proc/self/mountinfo", "utf8")).entries);
  } catch {
    return false;
  }
}

const fdOpen = promisify(fs.open);
const fdRead = promisify(fs.read);

/**
 * procfs entries read synchronously: kernel tunables (sys/…) and the socket counts
 * (net/sockstat, net/sockstat6: a few counters of this network namespace) answer in ~10 µs
 * and wait for no process's locks, and the drift agent polls them every few seconds (no
 * thread-pool round trip, no promise, no buffer apiece). Not the socket tables: reading /proc/net/tcp
 * walks the kernel's whole established-connection hash (~3 ms of CPU, ~12 ms on a loaded
 * host), which must not stall the event loop; not a process's files (their locks).
 */
function waitsForNothing(rel: string): boolean {
  if (rel.startsWith("sys/") && PLAIN_PROC_REL.test(rel)) return true;
  if (rel === "net/sockstat" || rel === "net/sockstat6") return true;
  const parts = rel.split("/").filter((c) => c !== "" && c !== ".");
  return parts[0] === "sys" && parts.length > 1;
}

/** readProcfsCapped with open and read made synchronously too (waitsForNothing entries only): readCappedSync, links never followed. */
function readProcfsCappedSync(real: string, shown: string, maxBytes: number): string {
  return readCappedSync(real, shown, maxBytes, true);
}

/**
 * readCapped for an entry of a live procfs (a mounted procfs, not under /proc/PID/root or
 * cwd): the same checks, with lstat, fstat and close made synchronously. On procfs they
 * are answered from the kernel's memory and wait for nothing, so a thread-pool round trip
 * apiece (~40 µs of CPU) bought nothing; a scan makes ~200 such reads. open and read stay
 * asynchronous: opening /proc/PID/environ and reading /proc/PID/cmdline wait for locks the
 * process holds, and the probe timeout must still be able to fire.
 */
async function readProcfsCapped(real: string, shown: string, maxBytes: number): Promise<string> {
  const pre = fs.lstatSync(real);
  checkBeforeOpen(pre, shown, maxBytes);
  const fd = await fdOpen(real, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW);
  try {
    const st = fs.fstatSync(fd);
    checkOpened(pre, st, shown, maxBytes);
    return await readAll(st.size, maxBytes, shown, (buf, at) => fdRead(fd, buf, at, buf.length - at, null).then((r) => r.bytesRead));
  } finally {
    fs.closeSync(fd);
  }
}

/** A procfs entry named plainly (procFastPath): ordinary components, none empty and none starting with a dot. */
const PLAIN_PROC_REL = /^[\w@:+-][\w.@:+-]*(?:\/[\w@:+-][\w.@:+-]*)*$/;
/** A component that is (or leads through) a magic link of a process: left to procResolve. */
const PROC_MAGIC_COMPONENT = /(?:^|\/)(?:root|cwd|exe|fd|map_files)(?:\/|$)/;
/** lstat without an exception for a missing entry (the exception's stack trace was most of a missing read's cost). */
const NO_THROW_IF_MISSING = { throwIfNoEntry: false } as const;
const PROCFS_OPEN_FLAGS = fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW;

/**
 * readProcfsCappedSync for the procfs fast path: the same lstat before the open (only a
 * regular file is opened; a device bound over an entry is not), O_NOFOLLOW, fstat after it
 * (the same file, not grown over the cap), reads into a spare buffer and close — without
 * an exception for a missing entry (null) and with the shown path built only for an error.
 */
function readProcfsEntrySync(real: string, rel: string, maxBytes: number): string | null {
  let pre: Stats | undefined;
  let fd: number;
  try {
    pre = fs.lstatSync(real, NO_THROW_IF_MISSING);
    if (pre === undefined) return null;
    if (!pre.isFile() || pre.size > maxBytes) checkBeforeOpen(pre, `/proc/${rel}`, maxBytes);
    fd = fs.openSync(real, PROCFS_OPEN_FLAGS);
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.ino !== pre.ino || st.dev !== pre.dev || st.size > maxBytes) checkOpened(pre, st, `/proc/${rel}`, maxBytes);
    return readAllSync(st.size, maxBytes, `/proc/${rel}`, (buf, at) => fs.readSync(fd, buf, at, buf.length - at, null));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * readProcfsCapped for the procfs fast path: open and read stay asynchronous (see
 * readProcfsCapped), made with fs's callbacks under one promise (a promisified call apiece
 * cost ~4 KiB a read); null when missing.
 */
function readProcfsEntry(real: string, rel: string, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let pre: Stats | undefined;
    try {
      pre = fs.lstatSync(real, NO_THROW_IF_MISSING);
      if (pre === undefined) return resolve(null);
      if (!pre.isFile() || pre.size > maxBytes) checkBeforeOpen(pre, `/proc/${rel}`, maxBytes);
    } catch (e) {
      return isMissing(e) ? resolve(null) : reject(e as Error);
    }
    const before = pre;
    fs.open(real, PROCFS_OPEN_FLAGS, (openErr, fd) => {
      if (openErr) return isMissing(openErr) ? resolve(null) : reject(openErr);
      let into: ReadBuffer | undefined;
      const finish = (err: unknown, text?: string): void => {
        into?.release();
        try {
          fs.closeSync(fd);
        } catch (closeErr) {
          err ??= closeErr;
        }
        if (err !== undefined) reject(err as Error);
        else resolve(text as string);
      };
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev || st.size > maxBytes) checkOpened(before, st, `/proc/${rel}`, maxBytes);
        into = new ReadBuffer(st.size, maxBytes, `/proc/${rel}`);
      } catch (e) {
        return finish(e);
      }
      const buffer = into;
      const onRead = (readErr: NodeJS.ErrnoException | null, bytesRead: number): void => {
        try {
          if (readErr) return finish(readErr);
          if (!buffer.add(bytesRead)) return finish(undefined, buffer.text());
          const room = buffer.room();
          fs.read(fd, room, buffer.total, room.length - buffer.total, null, onRead);
        } catch (e) {
          finish(e);
        }
      };
      const room = buffer.room();
      fs.read(fd, room, 0, room.length, null, onRead);
    });
  });
}

function checkBeforeOpen(pre: Stats, shown: string, maxBytes: number): void {
  if (pre.isDirectory()) {
    throw new NodewardError("IS_DIRECTORY", { path: shown });
  }
  if (!pre.isFile()) {
    throw new NodewardError("NOT_REGULAR", { path: shown });
  }
  if (pre.size > maxBytes) {
    throw new NodewardError("OVER_READ_LIMIT", { path: shown, size: pre.size, limit: maxBytes });
  }
}

function checkOpened(pre: Stats, st: Stats, shown: string, maxBytes: number): void {
  if (!st.isFile() || st.ino !== pre.ino || st.dev !== pre.dev) {
    throw new NodewardError("CHANGED_WHILE_OPENED", { path: shown });
  }
  if (st.size > maxBytes) {
    throw new NodewardError("OVER_READ_LIMIT", { path: shown, size: st.size, limit: maxBytes });
  }
}

/** Read to EOF into one buffer of the file's size + 1 (grown by doubling), as UTF-8. */
async function readAll(size: number, maxBytes: number, shown: string, read: (buf: Buffer, at: number) => Promise<number>): Promise<string> {
  const into = new ReadBuffer(size, maxBytes, shown);
  try {
    while (into.add(await read(into.room(), into.total)));
    return into.text();
  } finally {
    into.release();
  }
}

/** readAll with a synchronous read. */
function readAllSync(size: number, maxBytes: number, shown: string, read: (buf: Buffer, at: number) => number): string {
  const into = new ReadBuffer(size, maxBytes, shown);
  try {
    while (into.add(read(into.room(), into.total)));
    return into.text();
  } finally {
    into.release();
  }
}

/**
 * Spare first buffers for reads whose size stat does not tell (procfs, sysfs: a value of a
 * few bytes, a socket table), each taken by one read and handed back after it (its text is
 * copied out). The drift agent makes ~35 such reads every poll round; a new 16 KiB buffer
 * apiece was garbage its idle heap kept collecting.
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 4;

/** One buffer of the file's size + 1, doubled when the file is longer than stat said. */
class ReadBuffer {
  private buf: Buffer;
  total = 0;

  /** The spare buffer this read took (handed back by release()). */
  private spare: Buffer | undefined;

  constructor(
    size: number,
    private readonly maxBytes: number,
    private readonly shown: string,
  ) {
    if (size <= 0 && maxBytes + 1 >= UNKNOWN_SIZE_BUFFER) {
      this.spare = spareBuffers.pop() ?? Buffer.allocUnsafe(UNKNOWN_SIZE_BUFFER);
      this.buf = this.spare;
    } else {
      this.buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, size > 0 ? size + 1 : UNKNOWN_SIZE_BUFFER));
    }
  }

  /** Done with the buffer (after text()): a spare one goes back for the next read. */
  release(): void {
    if (this.spare && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(this.spare);
    this.spare = undefined;
  }

  /** The buffer to read into at `total` (grown when full). */
  room(): Buffer {
    if (this.total === this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxBytes + 1, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.total);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Count a read's bytes; false at EOF. */
  add(bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.total += bytesRead;
    if (this.total > this.maxBytes) throw new NodewardError("GREW_OVER_READ_LIMIT", { path: this.shown, limit: this.maxBytes });
    return true;
  }

  text(): string {
    return this.buf.toString("utf8", 0, this.total);
  }
}

export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function syncNullIfMissing<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

async function nullIfMissing<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

type GlobToken = { kind: "star" } | { kind: "one" } | { kind: "char"; ch: string } | { kind: "class"; negated: boolean; chars: string; ranges: [string, string][] };

/**
 * A matcher for one glob component, as globComponentToRegExp reads it (`*`, `?`, `[...]`,
 * `[!...]`), without a backtracking regex: `*a*a*a*a*a*a*b` against a 255-character name is
 * ~10¹⁸ steps for V8's engine and O(pattern × name) here (each `*` only remembers the last
 * place to retry). HostRoot.glob uses it: its patterns come from host files.
 */
export function globComponentMatcher(part: string): (name: string) => boolean {
  const toks: GlobToken[] = [];
  for (let i = 0; i < part.length; i++) {
    const ch = part[i] as string;
    if (ch === "*") {
      if (toks.at(-1)?.kind !== "star") toks.push({ kind: "star" });
    } else if (ch === "?") toks.push({ kind: "one" });
    else if (ch === "[" && part.indexOf("]", i + 1) !== -1) {
      const end = part.indexOf("]", i + 1);
      let body = part.slice(i + 1, end);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      let chars = "";
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === "-" && j + 2 < body.length) {
          ranges.push([body[j] as string, body[j + 2] as string]);
          j += 2;
        } else chars += body[j] as string;
      }
      toks.push({ kind: "class", negated, chars, ranges });
      i = end;
    } else toks.push({ kind: "char", ch });
  }
  const one = (t: GlobToken, c: string): boolean => {
    if (c === "/") return false;
    if (t.kind === "one") return true;
    if (t.kind === "char") return t.ch === c;
    if (t.kind === "class") return (t.chars.includes(c) || t.ranges.some(([a, b]) => c >= a && c <= b)) !== t.negated;
    return false;
  };
  return (name: string): boolean => {
    let ti = 0;
    let ni = 0;
    let starT = -1;
    let starN = 0;
    while (ni < name.length) {
      const t = toks[ti];
      if (t !== undefined && t.kind === "star") {
        starT = ti++;
        starN = ni;
      } else if (t !== undefined && one(t, name[ni] as string)) {
        ti++;
        ni++;
      } else if (starT !== -1 && name[starN] !== "/") {
        ti = starT + 1;
        ni = ++starN;
      } else return false;
    }
    while (toks[ti]?.kind === "star") ti++;
    return ti === toks.length;
  };
}

export function globComponentToRegExp(part: string): RegExp {
  let re = "^";
  for (let i = 0; i < part.length; i++) {
    const ch = part[i] as string;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = part.indexOf("]", i + 1);
      if (end === -1) re += "\\[";
      else {
        let cls = part.slice(i + 1, end);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        re += "[" + cls.replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(re + "$");
}

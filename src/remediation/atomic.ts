/**
 * The only code that changes files on the remediated host. Rules:
 * - A host path is mapped through HostRoot: the parent chain is resolved inside the root
 *   (a link climbing out throws NODEWARD_ERR_PATH_ESCAPE), and the final component is
 *   never followed: if it is a symlink, the change is refused (O_NOFOLLOW semantics).
 * - Files are never written in place: temp file in the same directory, write, fchown,
 *   fchmod, fsync, rename over the target, fsync the directory.
 * - chmod/chown go through an fd opened with O_NOFOLLOW (Linux has no lchmod).
 * Residual race: Node has no openat(), so a parent directory swapped for a symlink
 * between resolve and open is not caught; only root can do that under /etc.
 */
import { constants as fsc, type Stats } from "node:fs";
import { lstat, mkdir, open, rmdir, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { NodewardError, hasCode, type MessageArgs } from "../errors.js";
import { DEFAULT_MAX_FILE_BYTES, type HostRoot } from "../host/host-root.js";
import { fsyncDir, writeFileDurable } from "../util/durable-write.js";
import type { FileState } from "./types.js";

export class UnsafePathError extends NodewardError {
  constructor(...args: MessageArgs<"PATH_ESCAPE">) {
    super(...args);
    this.name = "UnsafePathError";
  }
}

/** Where a host path really is, with its parent resolved and its last component not followed. */
export async function safeTarget(host: HostRoot, hostPath: string): Promise<string> {
  const real = await safeLinkTarget(host, hostPath);
  const st = await lstatOrNull(real);
  if (st?.isSymbolicLink()) {
    const { readlink } = await import("node:fs/promises");
    const target = await readlink(real).catch(() => "?");
    throw new UnsafePathError("UNSAFE_SYMLINK", { path: hostPath, target });
  }
  return real;
}

/** Like safeTarget, but the final component may be a symlink: for creating or removing the link itself. */
export async function safeLinkTarget(host: HostRoot, hostPath: string): Promise<string> {
  const parent = path.posix.dirname(hostPath);
  let realParent: string;
  try {
    realParent = await host.resolve(parent, true);
  } catch (e) {
    if (hasCode(e, "PATH_ESCAPE")) {
      throw new UnsafePathError("UNSAFE_PATH", { path: hostPath, reason: e.message });
    }
    throw e;
  }
  const real = path.join(realParent, path.posix.basename(hostPath));
  if (!host.isLive && real !== host.root && !real.startsWith(host.root + path.sep)) {
    throw new UnsafePathError("UNSAFE_OUTSIDE_ROOT", { path: hostPath, real, root: host.root });
  }
  return real;
}

export async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}

/**
 * Open a regular file without following a final symlink and give its handle and metadata to
 * `use`; null when it is missing. Its type is checked before the open (lstat): opening a device
 * node can act (a tape rewinds, a watchdog arms), so only a regular file is ever opened; the
 * open (O_NOFOLLOW, O_NONBLOCK) is checked again against what the lstat saw.
 */
async function withRegularFileNoFollow<T>(
  real: string,
  use: (fh: FileHandle, meta: { mode: number; uid: number; gid: number; size: number }) => Promise<T>,
): Promise<T | null> {
  const pre = await lstatOrNull(real);
  if (pre === null) return null;
  if (pre.isSymbolicLink()) throw new UnsafePathError("UNSAFE_READ_SYMLINK", { path: real });
  if (!pre.isFile()) throw new NodewardError("NOT_REGULAR", { path: real });
  let fh;
  try {
    fh = await open(real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "ELOOP") throw new UnsafePathError("UNSAFE_READ_SYMLINK", { path: real });
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NodewardError("NOT_REGULAR", { path: real });
    if (st.ino !== pre.ino || st.dev !== pre.dev) throw new NodewardError("CHANGED_WHILE_OPENED", { path: real });
    return await use(fh, { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size });
  } finally {
    await fh.close();
  }
}

/**
 * Read a regular file without following a final symlink; null when missing. At most the
 * scan's read limit (DEFAULT_MAX_FILE_BYTES): a fix edits a file its check read within that
 * limit, and one grown past it since is refused, not read into memory whole.
 */
export function readFileNoFollow(real: string): Promise<{ bytes: Buffer; mode: number; uid: number; gid: number } | null> {
  return withRegularFileNoFollow(real, async (fh, { size, ...meta }) => {
    if (size > DEFAULT_MAX_FILE_BYTES) throw new NodewardError("OVER_READ_LIMIT", { path: real, size, limit: DEFAULT_MAX_FILE_BYTES });
    const buf = Buffer.allocUnsafe(size + 1);
    let n = 0;
    for (let r; n < buf.length && (r = (await fh.read(buf, n, buf.length - n, null)).bytesRead) > 0; ) n += r;
    if (n > size) throw new NodewardError("CHANGED_WHILE_OPENED", { path: real }); // it grew since its stat
    return { bytes: buf.subarray(0, n), ...meta };
  });
}

/**
 * Mode and owner of a regular file, not following a last symlink, without reading it: what
 * chmod/chown need to decide and to roll back. (Reading the file would copy /etc/shadow's
 * hashes into the run's backups, and a huge file into memory, for a change of metadata.)
 */
export function statNoFollow(real: string): Promise<{ mode: number; uid: number; gid: number } | null> {
  return withRegularFileNoFollow(real, (_fh, { mode, uid, gid }) => Promise.resolve({ mode, uid, gid }));
}

export async function readFileState(host: HostRoot, hostPath: string): Promise<FileState | null> {
  const r = await readFileNoFollow(await safeTarget(host, hostPath));
  return r ? { content: r.bytes.toString("utf8"), mode: r.mode, uid: r.uid, gid: r.gid } : null;
}

/** Name of the temp file for `real`, recorded in the journal so rollback can remove a leftover. */
export function tempNameFor(real: string, tag: string): string {
  return path.join(path.dirname(real), `.${path.basename(real)}.nodeward-${tag}.tmp`);
}

export interface AtomicWriteOptions {
  mode: number;
  uid: number;
  gid: number;
  /** Unique per run and step: the temp file's name. */
  tag: string;
  /** Called after the temp file is durable and before the rename (the crash-test hook). */
  beforeRename?: () => void;
}

/** Replace `real` (already checked by safeTarget) with `data`: a reader sees the old or the new file, never half. */
export async function atomicWrite(real: string, data: Buffer | string, o: AtomicWriteOptions): Promise<void> {
  const tmp = tempNameFor(real, o.tag);
  await writeFileDurable(real, data, {
    tmp,
    exact: { mode: o.mode, uid: o.uid, gid: o.gid },
    beforeRename: async () => {
      o.beforeRename?.();
      // Re-check right before the rename: a symlink planted since planning is still refused
      // (rename replaces a link rather than following it, but refusing is the clearer answer).
      const st = await lstatOrNull(real);
      if (st?.isSymbolicLink()) {
        await unlink(tmp).catch(() => undefined);
        throw new UnsafePathError("UNSAFE_BECAME_SYMLINK", { path: real });
      }
    },
  });
}

/** chmod / chown through an O_NOFOLLOW fd, then fsync the file's metadata. */
export async function setModeOwner(real: string, change: { mode?: number; uid?: number; gid?: number }): Promise<void> {
  let fh;
  try {
    fh = await open(real, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw new UnsafePathError("UNSAFE_CHANGE_SYMLINK", { path: real });
    throw e;
  }
  try {
    const st = await fh.stat();
    if (change.uid !== undefined || change.gid !== undefined) {
      await fh.chown(change.uid ?? st.uid, change.gid ?? st.gid);
    }
    // chown may have cleared setuid/setgid: always re-apply the intended mode.
    const mode = change.mode ?? st.mode & 0o7777;
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Create missing directories (host paths, outermost first), each checked for symlinks. */
export async function makeDirs(host: HostRoot, dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    const real = await safeTarget(host, d);
    await mkdir(real, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
    await fsyncDir(path.dirname(real));
  }
}

/** Remove directories (host paths, given outermost first) if they are empty. */
export async function removeEmptyDirs(host: HostRoot, dirs: readonly string[]): Promise<void> {
  for (const d of [...dirs].reverse()) {
    const real = await safeTarget(host, d);
    await rmdir(real).catch(() => undefined);
  }
}

/**
 * Missing ancestors of a host path, outermost first (what mkdir -p would create), as host
 * paths of where they really go: links in the existing part are resolved inside the root.
 */
export async function missingDirs(host: HostRoot, hostPath: string): Promise<string[]> {
  const out: string[] = [];
  let dir = host.toHostPath(await host.resolve(path.posix.dirname(hostPath), true));
  while (dir !== "/") {
    const st = await host.lstat(dir);
    if (st) break;
    out.unshift(dir);
    dir = path.posix.dirname(dir);
  }
  return out;
}

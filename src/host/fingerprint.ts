/**
 * Fingerprints of what a fact read, compared later to tell "did it change?" without an
 * event: the drift watcher's sweep (lost events, inotify queue overflow) and its stat
 * polling (a directory that cannot be watched). Paths are host paths, read through the
 * root like every other read.
 *
 * A file's fingerprint is its identity and metadata (inode, type, mode, owner, size,
 * mtime, ctime): an atomic replace changes the inode, chmod/chown/a write change ctime. A
 * symlink adds its target and the target's fingerprint. A directory stat'ed as a name
 * leaves out its times and size (adding a file inside changes them, not the answer about
 * the directory itself). A listing is the sorted names.
 */
import type { Stats } from "node:fs";
import { createHash } from "node:crypto";
import type { HostRoot } from "./host-root.js";

/** The fingerprint of a name that does not exist. */
export const MISSING = "-";

function kind(st: Stats): string {
  if (st.isFile()) return "f";
  if (st.isDirectory()) return "d";
  if (st.isSymbolicLink()) return "l";
  return "o";
}

function meta(st: Stats): string {
  const k = kind(st);
  const base = `${k}:${st.dev}:${st.ino}:${(st.mode & 0o7777).toString(8)}:${st.uid}:${st.gid}`;
  return k === "d" ? base : `${base}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function errorPrint(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return `!${typeof code === "string" ? code : e instanceof Error ? e.message.slice(0, 80) : "error"}`;
}

/** The fingerprint of one host path (not following a last symlink, but adding its target's). */
export async function pathFingerprint(host: HostRoot, hostPath: string): Promise<string> {
  try {
    const lst = await host.lstat(hostPath);
    if (!lst) return MISSING;
    if (!lst.isSymbolicLink()) return meta(lst);
    const target = await host.readlink(hostPath);
    let to: string;
    try {
      const st = await host.stat(hostPath);
      to = st ? meta(st) : MISSING;
    } catch (e) {
      to = errorPrint(e);
    }
    return `${meta(lst)}>${target}>${to}`;
  } catch (e) {
    return errorPrint(e);
  }
}

/**
 * What a permission check can see of a path, from its fingerprint: type, mode, owner,
 * group and whether a file is empty (not its inode, size or times), and the same of a
 * symlink's target. A log file appended to keeps it; a chmod, chown, a replace by a file of
 * another mode, a removal or a first byte written change it.
 */
export function metadataKey(fingerprint: string): string {
  if (fingerprint === MISSING || fingerprint.startsWith("!")) return fingerprint;
  const segs = fingerprint.split(">");
  const one = (seg: string): string => {
    if (seg === MISSING || seg.startsWith("!")) return seg;
    const [k, , , mode, uid, gid, size] = seg.split(":");
    return `${k}:${mode}:${uid}:${gid}${k === "d" ? "" : size === "0" ? ":empty" : ""}`;
  };
  if (segs.length < 3) return one(fingerprint);
  // link meta > target (which may itself hold ">") > the target's fingerprint
  return `${one(segs[0] as string)}>${segs.slice(1, -1).join(">")}>${one(segs[segs.length - 1] as string)}`;
}

/** The fingerprint of a directory's listing: a digest of its sorted names. */
export async function listingFingerprint(host: HostRoot, dir: string): Promise<string> {
  try {
    const names = await host.readdir(dir);
    return names === null ? MISSING : listingDigest(names);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return MISSING;
    return errorPrint(e);
  }
}

/** The digest of a listing already read (sorted names). */
export function listingDigest(names: readonly string[]): string {
  return `n${names.length}:${digest(names.join("\0"))}`;
}

/** A short digest of a text (what poll fingerprints keep instead of whole tables). */
export function digest(text: string): string {
  return createHash("sha1").update(text).digest("base64url").slice(0, 16);
}

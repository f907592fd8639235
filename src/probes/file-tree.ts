/**
 * file-tree: walk directories under the root and list the entries that match a
 * permission/ownership filter — the `find / -xdev -perm …` audits (SUID/SGID files,
 * world-writable files, files without an owner, regular files hidden in /dev).
 *
 * The walk stays on the filesystem of each start path (st_dev, like `find -xdev`), never
 * follows symlinks below the start path, skips pseudo and container-storage trees unless
 * asked, and is bounded by an entry cap, a depth cap and a time limit. A capped walk
 * that found nothing cannot say "nothing": its fields are then unknown, not a pass.
 * One walk per distinct (paths, exclude, limits) serves every filter in a scan.
 */
import type { Stats } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { lazySchema } from "../util/lazy-zod.js";
import { absolutePath } from "./kit/params.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { idNames, type IdNames } from "./kit/shared.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Not walked unless named as a start path: kernel pseudo filesystems, runtime state, and
 * container storage (image layers and pod volumes hold the images' own SUID binaries and
 * world-writable dirs; they are the workloads', not the node's, and CIS excludes them too).
 */
export const DEFAULT_EXCLUDE = [
  "/proc", "/sys", "/dev", "/run",
  "/var/lib/containerd", "/var/lib/docker", "/var/lib/containers", "/var/lib/kubelet/pods",
] as const;

const TYPES = ["file", "directory", "other"] as const;
type EntryType = (typeof TYPES)[number];

const params = lazySchema((z) => {
  const absolute = absolutePath(z);
  const octal = z.string().regex(/^[0-7]{1,4}$/, 'an octal mode as a quoted string, e.g. "6000"');

  const filterSchema = z.strictObject({
    "perm-any": octal.optional().describe("Any of these bits set (find -perm /MODE)."),
    "perm-all": octal.optional().describe("All of these bits set (find -perm -MODE)."),
    type: z.union([z.enum(TYPES), z.array(z.enum(TYPES)).min(1)]).optional().describe("Entry types; all but symlinks by default."),
    nouser: z.boolean().optional().describe("Owner uid has no name in the root's /etc/passwd. With nogroup: either (find -nouser -o -nogroup)."),
    nogroup: z.boolean().optional().describe("Group gid has no name in the root's /etc/group."),
    excludeSticky: z.boolean().optional().describe("Leave out directories with the sticky bit (world-writable /tmp is fine)."),
  });

  return z.strictObject({
    paths: z.array(absolute).min(1).default(["/"]).describe("Start directories (a start path's own symlink is followed)."),
    exclude: z.array(absolute).default([...DEFAULT_EXCLUDE]).describe("Directories not entered unless they are a start path."),
    filter: filterSchema.default({}),
    oneFilesystem: z.boolean().default(true).describe("Do not descend into other filesystems (find -xdev)."),
    // A server root holds a few hundred thousand entries (kernels' modules and headers alone
    // are tens of thousands); 200,000 left real hosts' walks incomplete. The cap bounds a
    // runaway tree; timeoutMs bounds the time (measured ~30,000-60,000 entries/s on 2 cores).
    maxEntries: z.number().int().min(1).max(5_000_000).default(2_000_000),
    maxDepth: z.number().int().min(0).max(1000).default(64),
    timeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
    maxMatches: z.number().int().min(1).max(100_000).default(1000).describe("Matches listed (count is always complete)."),
    retainAll: z.number().int().min(0).max(5_000_000).default(50_000)
      .describe("Entries kept in memory in full; past this only notable ones (special bits, unknown owner/group, neither file nor directory)."),
  });
});

type Params = z.output<typeof params.schema>;
export type FileTreeFilter = Params["filter"];

export interface TreeMatch {
  path: string;
  type: EntryType;
  mode: number;
  owner: string;
  group: string;
  uid: number;
  gid: number;
}

export interface FileTreeFact {
  paths: string[];
  matches: TreeMatch[];
  count: number;
  scanned: number;
  truncated: boolean;
  /** Directories or entries that could not be read. */
  errors: number;
  note?: string;
}

interface Entry {
  path: string;
  /** Full st_mode (type and permission bits). */
  mode: number;
  uid: number;
  gid: number;
}

export interface Walk {
  /**
   * Every entry while the walk is small; past `retainAll` entries only the notable ones
   * (setuid, setgid, sticky or world-writable bits, an owner or group without a name, or
   * neither file nor directory) — a root walk of half a million entries would otherwise hold
   * them all in memory (measured: 242 MiB RSS for 502,336 entries).
   */
  entries: Entry[];
  /** False when entries that are not notable were dropped (see `entries`). */
  complete: boolean;
  scanned: number;
  /** Why the walk stopped early; undefined when complete. */
  truncated?: string;
  errors: { path: string; message: string }[];
  missing: string[];
  otherFilesystems: number;
  ms: number;
}

/** Permission bits that make an entry notable: setuid, setgid, sticky, other-writable. */
const NOTABLE_BITS = 0o7002;

function isNotable(e: { mode: number; uid: number; gid: number }, names: IdNames): boolean {
  const fmt = e.mode & S_IFMT;
  return (e.mode & NOTABLE_BITS) !== 0 || !names.users.has(e.uid) || !names.groups.has(e.gid) || (fmt !== S_IFREG && fmt !== S_IFDIR);
}

/**
 * Can a filter be answered from the notable entries alone? Yes when every entry it matches
 * is notable: it asks for unknown owners or groups, or for permission bits among NOTABLE_BITS.
 */
export function answerableFromNotable(f: FileTreeFilter): boolean {
  if (f.nouser || f.nogroup) return true;
  for (const bits of [f["perm-all"], f["perm-any"]]) {
    if (bits === undefined) continue;
    const mask = parseInt(bits, 8);
    if (mask !== 0 && (mask & ~NOTABLE_BITS) === 0) return true;
  }
  return false;
}

interface Limits {
  paths: string[];
  exclude: string[];
  oneFilesystem: boolean;
  maxEntries: number;
  maxDepth: number;
  timeoutMs: number;
  retainAll: number;
}

/** Run `fn` over `items` with at most `k` in flight. */
async function mapLimit<T>(items: readonly T[], k: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(k, items.length) }, worker));
}

// Measured on a 2-CPU host: more in flight than this gains nothing (libuv's pool is 4 threads).
const DIR_CONCURRENCY = 16;
const STAT_BATCH = 256;
const MAX_ERRORS_KEPT = 20;

/** Walk the tree breadth-first, a level at a time, through ctx.host (never node:fs). */
export async function walkTree(ctx: ProbeContext, limits: Limits, names: IdNames): Promise<Walk> {
  const started = performance.now();
  const deadline = started + limits.timeoutMs;
  const starts = new Set(limits.paths.map((p) => path.posix.normalize(p)));
  const excluded = new Set(limits.exclude.map((p) => path.posix.normalize(p)).filter((p) => !starts.has(p)));
  const walk: Walk = { entries: [], complete: true, scanned: 0, errors: [], missing: [], otherFilesystems: 0, ms: 0 };
  const keep = (e: Entry): void => {
    if (walk.complete && walk.entries.length >= limits.retainAll) {
      walk.entries = walk.entries.filter((x) => isNotable(x, names));
      walk.complete = false;
    }
    if (walk.complete || isNotable(e, names)) walk.entries.push(e);
  };
  const stopped = (): boolean => {
    if (walk.truncated) return true;
    if (walk.scanned >= limits.maxEntries) walk.truncated = `stopped at the ${limits.maxEntries}-entry cap`;
    else if (performance.now() > deadline) walk.truncated = `stopped at the ${limits.timeoutMs} ms time limit`;
    return walk.truncated !== undefined;
  };
  const fail = (p: string, e: unknown): void => {
    if (walk.errors.length < MAX_ERRORS_KEPT) walk.errors.push({ path: p, message: describeError(e) });
    else walk.errors.push({ path: p, message: "" });
  };

  type Dir = { path: string; depth: number; dev: number };
  let level: Dir[] = [];
  for (const start of [...starts].sort()) {
    let st: Stats | null;
    try {
      st = await ctx.host.stat(start);
    } catch (e) {
      fail(start, e);
      continue;
    }
    if (!st) {
      walk.missing.push(start);
      continue;
    }
    // Overlapping start paths (/ and /usr) are walked once.
    if ([...starts].some((s) => s !== start && (start.startsWith(s === "/" ? "/" : s + "/")))) continue;
    walk.scanned++;
    keep({ path: start, mode: st.mode, uid: st.uid, gid: st.gid });
    if (st.isDirectory()) level.push({ path: start, depth: 0, dev: st.dev });
  }

  while (level.length > 0 && !stopped()) {
    const next: Dir[] = [];
    await mapLimit(level, DIR_CONCURRENCY, async (dir) => {
      if (stopped()) return;
      let names: string[] | null;
      try {
        names = await ctx.host.readdir(dir.path);
      } catch (e) {
        fail(dir.path, e);
        return;
      }
      if (!names) return; // removed while walking
      for (let i = 0; i < names.length && !stopped(); i += STAT_BATCH) {
        const batch = names.slice(i, i + STAT_BATCH);
        await Promise.all(
          batch.map(async (name) => {
            const child = dir.path === "/" ? `/${name}` : `${dir.path}/${name}`;
            let st: Stats | null;
            try {
              st = await ctx.host.lstat(child);
            } catch (e) {
              if (!isMissing(e)) fail(child, e);
              return;
            }
            if (!st) return;
            walk.scanned++;
            const fmt = st.mode & S_IFMT;
            if (fmt === S_IFLNK) return; // never followed, never matched (links are always 0777)
            keep({ path: child, mode: st.mode, uid: st.uid, gid: st.gid });
            if (fmt !== S_IFDIR || excluded.has(child)) return;
            if (limits.oneFilesystem && st.dev !== dir.dev) {
              walk.otherFilesystems++;
              return;
            }
            if (dir.depth + 1 > limits.maxDepth) {
              walk.truncated ??= `not entered below the depth limit ${limits.maxDepth} (${child})`;
              return;
            }
            next.push({ path: child, depth: dir.depth + 1, dev: dir.dev });
          }),
        );
      }
    });
    level = next;
  }
  walk.ms = Math.round(performance.now() - started);
  return walk;
}

function typeOf(mode: number): EntryType {
  const fmt = mode & S_IFMT;
  return fmt === S_IFREG ? "file" : fmt === S_IFDIR ? "directory" : "other";
}

/** Does an entry pass the filter? `names` answers nouser/nogroup. */
export function matchesFilter(
  e: { mode: number; uid: number; gid: number },
  f: FileTreeFilter,
  names: IdNames,
): boolean {
  const type = typeOf(e.mode);
  if (f.type !== undefined) {
    const types: readonly EntryType[] = Array.isArray(f.type) ? f.type : [f.type as EntryType];
    if (!types.includes(type)) return false;
  }
  const perm = e.mode & 0o7777;
  if (f["perm-any"] !== undefined && (perm & parseInt(f["perm-any"], 8)) === 0) return false;
  if (f["perm-all"] !== undefined) {
    const mask = parseInt(f["perm-all"], 8);
    if ((perm & mask) !== mask) return false;
  }
  if (f.excludeSticky && type === "directory" && (perm & 0o1000) !== 0) return false;
  if (f.nouser || f.nogroup) {
    const noUser = f.nouser === true && !names.users.has(e.uid);
    const noGroup = f.nogroup === true && !names.groups.has(e.gid);
    if (!noUser && !noGroup) return false;
  }
  return true;
}

function limitsOf(p: Params): Limits {
  return {
    paths: [...p.paths], exclude: [...p.exclude], oneFilesystem: p.oneFilesystem,
    maxEntries: p.maxEntries, maxDepth: p.maxDepth, timeoutMs: p.timeoutMs, retainAll: p.retainAll,
  };
}

const MATCH_EVIDENCE = 20;

/** A tree of at most this many directories is watched (one inotify watch each); a bigger walk is the safety net's. */
export const MAX_WATCHED_DIRS = 256;

export default defineProbe({
  id: "file-tree",
  summary: "Files under directories (one filesystem, symlinks not followed, capped) matching permission/owner filters: SUID/SGID, world-writable, unowned",
  params,
  fields: ["paths", "matches", "count", "scanned", "truncated", "errors", "note"],
  /**
   * Every directory it listed (a new, removed or changed entry shows in its directory's
   * events), up to MAX_WATCHED_DIRS; a whole-filesystem walk is left to the safety net.
   */
  watch(p, seen) {
    if (seen.reads.dirs.length > MAX_WATCHED_DIRS) {
      return { unwatched: [`walks ${seen.reads.dirs.length} directories under ${p.paths.join(", ")}: over the ${MAX_WATCHED_DIRS}-directory watch cap`] };
    }
    // An entry of a listed directory is covered by that directory's watch; other reads (the
    // start paths, passwd and group for owner names) are watched by name.
    const listed = new Set(seen.reads.dirs);
    const files = [...p.paths, ...seen.reads.files.filter((f) => !listed.has(f.slice(0, Math.max(1, f.lastIndexOf("/")))))];
    // The filters judge entries by type, mode and owner only: a log appended to under
    // /var/log changes nothing here.
    return readsAnd({ ...seen.reads, files }, { metaOnly: seen.reads.dirs });
  },
  async collect(ctx, p): Promise<Fact<FileTreeFact>> {
    const limits = limitsOf(p);
    const names = await idNames(ctx);
    const walk = await ctx.once(`file-tree:walk:${JSON.stringify(limits)}`, () => walkTree(ctx, limits, names));

    let count = 0;
    const matches: TreeMatch[] = [];
    for (const e of walk.entries) {
      if (!matchesFilter(e, p.filter, names)) continue;
      count++;
      if (matches.length < p.maxMatches) {
        matches.push({
          path: e.path, type: typeOf(e.mode), mode: e.mode & 0o7777,
          owner: names.users.get(e.uid) ?? String(e.uid), group: names.groups.get(e.gid) ?? String(e.gid),
          uid: e.uid, gid: e.gid,
        });
      }
    }
    matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    const notes: string[] = [];
    if (walk.truncated) notes.push(`walk incomplete: ${walk.truncated}`);
    if (walk.errors.length > 0) notes.push(`${walk.errors.length} entries could not be read`);
    if (walk.missing.length > 0) notes.push(`not present: ${walk.missing.join(", ")}`);
    if (count > matches.length) notes.push(`${count} matches, first ${matches.length} listed`);

    const evidence: Evidence[] = [{
      detail: `walked ${limits.paths.join(", ")}${p.oneFilesystem ? " (one filesystem)" : ""}: ${walk.scanned} entries in ${walk.ms} ms` +
        (walk.otherFilesystems > 0 ? `; ${walk.otherFilesystems} mount points not crossed` : ""),
    }];
    for (const m of matches.slice(0, MATCH_EVIDENCE)) {
      evidence.push({ file: m.path, detail: `${m.type} mode ${m.mode.toString(8).padStart(4, "0")} ${m.owner}:${m.group}` });
    }
    if (matches.length > MATCH_EVIDENCE) evidence.push({ detail: `… ${count - MATCH_EVIDENCE} more matches` });
    for (const err of walk.errors.slice(0, 5)) if (err.message) evidence.push({ file: err.path, detail: `not read: ${err.message}` });

    const value: FileTreeFact = {
      paths: limits.paths, matches, count, scanned: walk.scanned, truncated: walk.truncated !== undefined, errors: walk.errors.length,
      ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
    };
    if (!walk.complete && !answerableFromNotable(p.filter)) {
      const why = `the walk passed ${limits.retainAll} entries, beyond which only notable ones (special permission bits, an unknown owner or group, neither file nor directory) are kept, and this filter matches others too`;
      return { value, evidence, unknown: { matches: why, count: why } };
    }
    // A partial walk proves neither "none" nor "every": an entry not read could be the one
    // that matches, or the one that breaks `each`. A start path that could not be read is
    // not "not present" either.
    const unknown: Record<string, string> = {};
    const startErrors = walk.errors.filter((e) => limits.paths.some((p) => path.posix.normalize(p) === e.path));
    if (startErrors.length > 0) {
      const first = startErrors[0] as { path: string; message: string };
      unknown.scanned = `${first.path} could not be read: ${first.message}`;
    }
    if (walk.truncated || walk.errors.length > 0) {
      const why = walk.truncated
        ? `the walk was incomplete (${walk.truncated}); ${count} matches so far`
        : `${walk.errors.length} entries could not be read (first: ${walk.errors[0]?.path}: ${walk.errors[0]?.message}); ${count} matches among those read`;
      unknown.matches = why;
      unknown.count = why;
    }
    const unreadableNames = [names.usersUnknown, names.groupsUnknown].filter((w) => w !== undefined);
    if (unreadableNames.length > 0) {
      // Owner and group names (and nouser/nogroup filters) rest on them.
      const why = unreadableNames.join("; ");
      unknown.matches ??= why;
      unknown.count ??= why;
    }
    return Object.keys(unknown).length > 0 ? { value, evidence, unknown } : { value, evidence };
  },
});

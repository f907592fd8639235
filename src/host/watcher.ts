/**
 * Directory watches through the host root, for the agent's drift re-checks.
 *
 * One non-recursive fs.watch (inotify) per directory, never per file: a watch on a file
 * follows its inode and goes deaf at the first atomic replace (editors, `sed -i`, dpkg and
 * nodeward's own remediation all write a temp file and rename it over), while a watch on
 * the parent directory reports the rename, a chmod/chown (IN_ATTRIB) and a write, by name.
 * `recursive: true` is not used: on Node 20 it misses every change after the first.
 *
 * A wanted directory that does not exist (yet) is waited for on its nearest existing
 * ancestor, watched for the next component's name; when that appears the watch moves down.
 * A watched directory that is removed, renamed away or replaced (its own name in its own
 * events, then a different inode at its path) is re-armed the same way. Either move is
 * reported as a change of the whole directory (`name: null`), since what was read in it
 * may have changed while nothing watched it.
 *
 * A watch that cannot be set (EACCES, ENOSPC: the inotify watch limit, EMFILE: the
 * instance limit, a path hidden from this process) leaves the directory `polled`, with the
 * reason: the caller stats its names at the poll interval instead. Nothing is silently
 * unwatched.
 *
 * Node drops inotify's queue-overflow event (libuv skips IN_Q_OVERFLOW): events lost to a
 * burst or to a stopped process are not reported at all. The caller's sweep (fingerprint.ts)
 * is the net for that; `revalidate()` re-arms whatever moved meanwhile.
 */
import { watch as fsWatch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { globComponentToRegExp, type HostRoot } from "./host-root.js";

export interface WatchWant {
  /** Host path of a directory. */
  dir: string;
  /** The entries whose changes matter, or every entry. */
  names: ReadonlySet<string> | "*";
  /** Also the entries matching these glob components (`ssh_host_*_key`). */
  patterns?: readonly string[];
}

interface Wanted {
  dir: string;
  names: Set<string> | "*";
  patterns: RegExp[];
  patternText: Set<string>;
}

export type WatchState =
  /** A watch on the directory itself. */
  | { state: "watched" }
  /** The directory does not exist: its nearest existing ancestor is watched for it. */
  | { state: "waiting"; ancestor: string }
  /** No watch could be set: the caller polls the directory's names. */
  | { state: "polled"; reason: string };

export interface DirChange {
  dir: string;
  /** The entry that changed, or null: the directory itself appeared, was replaced or removed. */
  name: string | null;
  /** Date.now() when the event arrived. */
  at: number;
  /** Found by revalidate() (a directory moved or replaced with no event seen), not reported by inotify. */
  revalidated?: true;
}

export interface DirWatcherOptions {
  onChange(change: DirChange): void;
  /** A directory fell back to polling (reported once each time it does), with why and its cause. */
  onPolled?(dir: string, reason: string, cause: WatchFallbackCause): void;
  /** fs.watch, replaceable by tests (to make a watch fail with ENOSPC). */
  watch?: typeof fsWatch;
}

interface Handle {
  real: string;
  /** Host path of the watched directory. */
  at: string;
  /** dev:ino of the directory when the watch was set. */
  identity: string;
  fsw: FSWatcher;
  /** Wanted directories this handle serves (the directory itself, or waiting below it). */
  subscribers: Set<string>;
}

/**
 * Why a directory is polled instead of watched: inotify's limits (ENOSPC: no watch left,
 * fs.inotify.max_user_watches; EMFILE: no instance left, max_user_instances), a
 * permission refused, or anything else (a directory that cannot be read or keeps changing).
 */
export const WATCH_FALLBACK_CAUSES = ["ENOSPC", "EMFILE", "EACCES", "other"] as const;
export type WatchFallbackCause = (typeof WATCH_FALLBACK_CAUSES)[number];

type Armed = { kind: "dir" | "ancestor"; at: string; real: string } | { kind: "polled"; reason: string; cause: WatchFallbackCause };

function fallbackCause(e: unknown): WatchFallbackCause {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOSPC" || code === "EMFILE" ? code : code === "EACCES" || code === "EPERM" ? "EACCES" : "other";
}

/** errno → what to tell the operator when fs.watch refuses. */
function watchFailure(e: unknown, real: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOSPC":
      return `no inotify watch left (fs.inotify.max_user_watches reached) for ${real}`;
    case "EMFILE":
      return `no inotify instance left (fs.inotify.max_user_instances reached) for ${real}`;
    case "EACCES":
    case "EPERM":
      return `permission denied watching ${real} (${code})`;
    default:
      return `cannot watch ${real}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function parentOf(hostPath: string): string {
  return path.posix.dirname(hostPath);
}

/** The component of `dir` just below its ancestor `at` ("/etc" and "/etc/ssh/x" → "ssh"). */
function nextComponent(at: string, dir: string): string {
  const rel = path.posix.relative(at, dir);
  return rel.split("/")[0] ?? "";
}

export class DirWatcher {
  private readonly host: HostRoot;
  private readonly opts: DirWatcherOptions;
  private readonly wants = new Map<string, Wanted>();
  private readonly armed = new Map<string, Armed>();
  private readonly handles = new Map<string, Handle>();
  /** Re-arms in flight, by wanted directory: one at a time each. */
  private readonly rearming = new Map<string, Promise<void>>();
  private closed = false;
  /** Events received (all names, matched or not): the caller's burst detector reads it. */
  eventsSeen = 0;

  constructor(host: HostRoot, opts: DirWatcherOptions) {
    this.host = host;
    this.opts = opts;
  }

  /** Watch exactly these directories (names merged per directory); others are dropped. */
  async set(wants: Iterable<WatchWant>): Promise<void> {
    const next = new Map<string, Wanted>();
    for (const w of wants) {
      const dir = path.posix.resolve("/", w.dir);
      let cur = next.get(dir);
      if (!cur) next.set(dir, (cur = { dir, names: new Set(), patterns: [], patternText: new Set() }));
      if (w.names === "*") cur.names = "*";
      else if (cur.names !== "*") for (const n of w.names) cur.names.add(n);
      for (const p of w.patterns ?? []) {
        if (cur.patternText.has(p)) continue;
        cur.patternText.add(p);
        cur.patterns.push(globComponentToRegExp(p));
      }
    }
    for (const dir of [...this.wants.keys()]) {
      if (!next.has(dir)) {
        this.wants.delete(dir);
        this.disarm(dir);
      }
    }
    const added: string[] = [];
    for (const [dir, w] of next) {
      if (!this.wants.has(dir)) added.push(dir);
      this.wants.set(dir, w);
    }
    await Promise.all(added.map((d) => this.rearm(d, false)));
  }

  /** How each wanted directory is covered. */
  status(): ({ dir: string } & WatchState)[] {
    return [...this.wants.keys()].sort().map((dir) => {
      const a = this.armed.get(dir);
      if (!a) return { dir, state: "polled", reason: "not armed yet" };
      if (a.kind === "polled") return { dir, state: "polled", reason: a.reason };
      return a.kind === "dir" ? { dir, state: "watched" } : { dir, state: "waiting", ancestor: a.at };
    });
  }

  /** The wanted directories not watched (polled, or not armed yet), sorted: what status() calls "polled", without a status apiece (the drift poll asks every round). */
  polledDirs(): string[] {
    const out: string[] = [];
    for (const dir of this.wants.keys()) {
      const a = this.armed.get(dir);
      if (!a || a.kind === "polled") out.push(dir);
    }
    return out.sort();
  }

  /** Inotify watches held (one per distinct directory watched). */
  get watchCount(): number {
    return this.handles.size;
  }

  /**
   * Check every watch still sits on the right directory (not replaced or moved away, a
   * waited-for directory not created meanwhile) and re-arm those that do not; polled
   * directories are retried. The number re-armed (each also reported as a change).
   */
  async revalidate(): Promise<number> {
    let moved = 0;
    await Promise.all(
      [...this.wants.keys()].map(async (dir) => {
        const before = this.armed.get(dir);
        if (before && before.kind !== "polled" && (await this.stillRight(dir, before))) return;
        const was = before?.kind === "polled" ? "polled" : before?.kind === "dir" ? `dir:${before.real}` : `at:${before?.kind === "ancestor" ? before.at : ""}`;
        await this.rearm(dir, false);
        const after = this.armed.get(dir);
        const now = after?.kind === "polled" ? "polled" : after?.kind === "dir" ? `dir:${after.real}` : `at:${after?.kind === "ancestor" ? after.at : ""}`;
        if (now !== was || before?.kind === "dir") {
          moved++;
          if (before?.kind !== "polled" || after?.kind !== "polled") this.opts.onChange({ dir, name: null, at: Date.now(), revalidated: true });
        }
      }),
    );
    return moved;
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles.values()) h.fsw.close();
    this.handles.clear();
    this.armed.clear();
    this.wants.clear();
  }

  // ---------------------------------------------------------------------------------

  private async stillRight(dir: string, a: Exclude<Armed, { kind: "polled" }>): Promise<boolean> {
    const h = this.handles.get(a.real);
    if (!h) return false;
    if ((await this.identityOf(a.at)) !== h.identity) return false;
    if (a.kind === "ancestor") {
      // Has the next component appeared meanwhile (an event lost)?
      const next = path.posix.join(a.at, nextComponent(a.at, dir));
      if ((await this.isDir(next)) === true) return false;
    }
    return true;
  }

  private disarm(dir: string): void {
    const a = this.armed.get(dir);
    this.armed.delete(dir);
    if (!a || a.kind === "polled") return;
    const h = this.handles.get(a.real);
    if (!h) return;
    h.subscribers.delete(dir);
    if (h.subscribers.size === 0) {
      h.fsw.close();
      this.handles.delete(a.real);
    }
  }

  /** Re-arm a wanted directory (serialised per directory); `report`: say it changed as a whole. */
  private rearm(dir: string, report: boolean): Promise<void> {
    const prev = this.rearming.get(dir);
    if (prev) return prev.then(() => (report ? this.rearm(dir, report) : undefined));
    const p = (async () => {
      const before = this.armed.get(dir);
      this.disarm(dir);
      if (this.closed || !this.wants.has(dir)) return;
      await this.arm(dir);
      const after = this.armed.get(dir);
      if (report) this.opts.onChange({ dir, name: null, at: Date.now() });
      if (after?.kind === "polled" && (before?.kind !== "polled" || before.reason !== after.reason)) this.opts.onPolled?.(dir, after.reason, after.cause);
    })().finally(() => this.rearming.delete(dir));
    this.rearming.set(dir, p);
    return p;
  }

  private async isDir(hostPath: string): Promise<boolean | string> {
    try {
      const st = await this.host.stat(hostPath);
      return st?.isDirectory() ?? false;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  private async identityOf(hostPath: string): Promise<string> {
    try {
      const st = await stat(await this.host.resolve(hostPath));
      return st.isDirectory() ? `${st.dev}:${st.ino}` : "not-a-directory";
    } catch {
      return "missing";
    }
  }

  private async arm(dir: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      // The nearest existing directory: the wanted one, or an ancestor to wait on.
      let at = dir;
      for (;;) {
        const d = await this.isDir(at);
        if (typeof d === "string") {
          this.armed.set(dir, { kind: "polled", reason: `${at}: ${d}`, cause: "other" });
          return;
        }
        if (d || at === "/") break;
        at = parentOf(at);
      }
      let real: string;
      try {
        real = await this.host.resolve(at);
      } catch (e) {
        this.armed.set(dir, { kind: "polled", reason: `${at}: ${e instanceof Error ? e.message : String(e)}`, cause: fallbackCause(e) });
        return;
      }
      if (this.closed) return;
      let h = this.handles.get(real);
      if (!h) {
        const identity = await this.identityOf(at);
        if (identity === "missing" || identity === "not-a-directory") continue; // raced with a removal
        if (this.closed) return;
        h = this.handles.get(real);
        if (!h) {
          let fsw: FSWatcher;
          try {
            fsw = (this.opts.watch ?? fsWatch)(real, { persistent: false });
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
            this.armed.set(dir, { kind: "polled", reason: watchFailure(e, real), cause: fallbackCause(e) });
            return;
          }
          const handle: Handle = { real, at, identity, fsw, subscribers: new Set() };
          fsw.on("change", (_type, filename) => this.onEvent(handle, filename === null ? null : String(filename)));
          fsw.on("error", () => this.onHandleLost(handle));
          this.handles.set(real, handle);
          h = handle;
        }
      }
      h.subscribers.add(dir);
      this.armed.set(dir, at === dir ? { kind: "dir", at, real } : { kind: "ancestor", at, real });
      if (at !== dir && (await this.isDir(path.posix.join(at, nextComponent(at, dir)))) === true) {
        // The next component appeared between the look and the watch (mkdir -p): its
        // event was missed, so go down now rather than wait for the next revalidation.
        this.disarm(dir);
        continue;
      }
      return;
    }
    this.armed.set(dir, { kind: "polled", reason: `${dir} kept changing while a watch was being set`, cause: "other" });
  }

  private onHandleLost(h: Handle): void {
    if (this.handles.get(h.real) !== h) return;
    this.retire(h);
  }

  /** A handle whose watch is lost or whose directory was replaced: close it and re-arm each directory it served. */
  private retire(h: Handle): void {
    h.fsw.close();
    this.handles.delete(h.real);
    for (const dir of h.subscribers) {
      this.armed.delete(dir);
      void this.rearm(dir, true);
    }
  }

  private onEvent(h: Handle, name: string | null): void {
    this.eventsSeen++;
    if (this.closed || this.handles.get(h.real) !== h) return;
    const at = Date.now();
    const suspectSelf = name === null || name === path.posix.basename(h.real);
    for (const dir of h.subscribers) {
      const w = this.wants.get(dir);
      if (!w) continue;
      if (dir === h.at) {
        if (name === null) this.opts.onChange({ dir, name: null, at });
        else if (w.names === "*" || w.names.has(name) || w.patterns.some((re) => re.test(name))) this.opts.onChange({ dir, name, at });
      } else if (name === null || name === nextComponent(h.at, dir)) {
        // The awaited component changed: the watch may move down.
        void this.rearm(dir, true);
      }
    }
    if (suspectSelf) void this.checkSelf(h);
  }

  /** The watched directory's own name showed up in its events: is it still the same directory? */
  private async checkSelf(h: Handle): Promise<void> {
    if ((await this.identityOf(h.at)) === h.identity) return;
    if (this.handles.get(h.real) !== h) return;
    this.retire(h);
  }
}

/**
 * Real-time drift: re-check what changed within a second instead of at the next scheduled
 * scan. The agent hands this controller the drift plan of every scan and re-check
 * (src/engine/drift-plan.ts: for each fact, the directories and names that can change it,
 * the runtime facts to poll, what only the safety net covers); the controller
 *
 *   - watches the plan's directories (src/host/watcher.ts: one inotify watch per
 *     directory, by name, through the host root — a DaemonSet's read-only /host too),
 *   - polls what no file event tells (sysctl running values, listening sockets, loaded
 *     modules, the Kubernetes processes' argv, units' active state) at `pollIntervalMs`,
 *     and stats the names of directories no watch could be set on,
 *   - sweeps (the safety net) every `safetyNetIntervalMs`: every watched name and listing
 *     is fingerprinted and compared with what the facts saw, watches that moved are
 *     re-armed, and facts with parts nothing watches are re-checked (no more often than
 *     their cost allows). A stalled event loop or an event burst — when inotify's queue may
 *     have overflowed, which Node does not report — triggers a sweep at once,
 *   - debounces changes (trailing `debounceMs`, at most `maxDelayMs` after the first) and
 *     asks the agent to re-check exactly the checks whose facts changed, one re-check at a
 *     time and never during a full scan: a change meanwhile runs after it, never joined
 *     and lost,
 *   - logs one line per check whose status flipped and keeps the recent events for the API.
 */
import path from "node:path";
import type { DriftPlan, FactPlan, PollEntry } from "../engine/drift-plan.js";
import { emptyPlan, globListingFingerprint } from "../engine/drift-plan.js";
import { globComponentToRegExp } from "../host/host-root.js";
import { assertNever } from "../util/assert-never.js";
import type { RecheckTiming, StatusChange } from "../engine/recheck.js";
import { createProbeContext } from "../engine/run-checks.js";
import { listingFingerprint, metadataKey, pathFingerprint } from "../host/fingerprint.js";
import type { HostRoot, ReadOptions } from "../host/host-root.js";
import { DirWatcher, type DirChange, type WatchFallbackCause, type WatchWant } from "../host/watcher.js";
import { pollFingerprint, socketCounts } from "../probes/kit/watch.js";
import type { ProbeContext } from "../probes/types.js";

/** What the controller logs through (the agent's logger). */
export interface DriftLogger {
  debug?(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** A process's command line in procfs (`<pid>/cmdline`): the polls cache it per pid. */
const PID_CMDLINE = /^\d+\/cmdline$/;

export const DRIFT_SOURCES = ["watch", "poll", "sweep"] as const;
export type DriftSource = (typeof DRIFT_SOURCES)[number];

export interface DriftSettings {
  /** Trailing debounce window after a change. */
  debounceMs: number;
  /** A change is re-checked at most this long after it was seen, however busy the directory. */
  maxDelayMs: number;
  /** Runtime facts (and directories no watch could be set on) are read this often. */
  pollIntervalMs: number;
  /** The safety net's sweep. */
  safetyNetIntervalMs: number;
  /**
   * Socket tables are read whole only when their sockets' counts moved (procfs sockstat) or
   * this long after their last full read (default 30 s; 0: every poll). A listener swapped
   * for another between two polls keeps the counts: it is seen within this bound.
   */
  listenerFullReadMs?: number;
}

/** The default of DriftSettings.listenerFullReadMs. */
export const LISTENER_FULL_READ_MS = 30_000;

export interface DriftCause {
  source: DriftSource;
  /** The host path, the poll, or "safety net" / "overflow suspected". */
  what: string;
  /** When it was seen (Date.now()). */
  seenAt: number;
  /** When it happened, as well as known: the file's ctime for a watched file, else seenAt. */
  changedAt: number;
}

export interface DriftEvent {
  /** When the re-check was merged (ISO). */
  at: string;
  source: DriftSource;
  /** What changed: a host path or a runtime fact. */
  cause: string;
  /** Checks re-checked. */
  rechecked: number;
  /** Checks whose status changed. */
  changes: StatusChange[];
  /** From the change (its ctime, for a watched file) to the updated status, milliseconds. */
  detectionMs: number;
  /** Where `detectionMs` went (milliseconds). */
  stages: DriftStages;
}

/** The stages of one detection, in order; each in milliseconds. */
export interface DriftStages extends Partial<RecheckTiming> {
  /** From the change (ctime) to its event (or poll, or sweep) here. */
  seenMs: number;
  /** From then to the re-check asked for: the debounce window, a re-check or scan running. */
  waitMs: number;
  /** The re-check asked for, answered and merged (its parts: the fields below). */
  recheckMs: number;
  /** Merging the results into the report, its gauges and the saved state. */
  mergeMs?: number;
}

export interface RecheckOutcome {
  /** Checks whose status changed; empty when the re-check was superseded by a newer scan. */
  changes: StatusChange[];
  /** What the re-gathered facts depend on now. */
  plan: DriftPlan;
  /** False when a newer full scan had already replaced the results (nothing merged). */
  merged: boolean;
  timing?: RecheckTiming & { mergeMs?: number };
}

export interface DriftMetricsSink {
  recheck(source: DriftSource, detectionSeconds: number, changes: number): void;
  watches(counts: { watched: number; waiting: number; polled: number; inotify: number }): void;
  /** A directory fell back to polling (inotify's limits ENOSPC / EMFILE, a permission, other). */
  watchFallback?(cause: WatchFallbackCause): void;
}

export interface DriftDeps {
  host: HostRoot;
  settings: DriftSettings;
  /** Re-check these checks where scans run, merge them into the last report, save it, update the metrics. */
  recheck(keys: string[]): Promise<RecheckOutcome>;
  /** A change was seen and a re-check of these checks will follow: get ready (start the re-check process, load their packs). */
  prepare?(keys: string[]): void;
  /** A poll round ended (the service may collect its garbage). */
  polled?(): void;
  log: DriftLogger;
  metrics?: DriftMetricsSink;
  /** Test seam for the watcher's fs.watch. */
  watch?: ConstructorParameters<typeof DirWatcher>[1]["watch"];
}

/** Recent events kept for GET /api/v1/drift. */
export const DRIFT_EVENTS_KEPT = 200;
/** More inotify events than this within a second may have overflowed the kernel's queue (16384 by default). */
export const BURST_EVENTS_PER_SECOND = 4096;
/** An event loop (or a process) stopped this much longer than the one-second tick: events may have been lost. */
export const STALL_MS = 2000;
/** A fact that only the safety net covers is re-run at most every this many times its own cost. */
const SAFETY_NET_COST_FACTOR = 200;

interface GlobIndex {
  match: string;
  re: RegExp;
  facts: readonly string[];
}

interface Indexes {
  byPath: Map<string, readonly string[]>;
  byListing: Map<string, readonly string[]>;
  byGlob: Map<string, GlobIndex[]>;
  byDir: Map<string, readonly string[]>;
  byPoll: Map<string, readonly string[]>;
  factChecks: Map<string, readonly string[]>;
  /** Fact → the names it watches for their metadata only, and the listed directories whose entries it does (FactPlan.metaOnly). */
  metaOnly: Map<string, { names: Set<string>; dirs: Set<string> }>;
}

/** Past this many paths remembered for metadata-only watches, the memory starts over (one re-check each). */
const META_SEEN_MAX = 50_000;

function add(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

/** An index built with Sets, kept as arrays: ~3 times smaller (a Set of 2 costs ~150 bytes), iterated the same. */
function settled(m: Map<string, Set<string>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of m) out.set(k, [...v]);
  return out;
}

/**
 * The one copy of an equal string that V8 keeps in its string table (a property name is
 * always that copy). A plan arrives as JSON, one string per occurrence: on a Kubernetes
 * node ~3,400 fact keys in its checks' lists for ~280 facts, ~2,400 watched paths for
 * ~650 distinct ones: ~0.3 MiB of the agent's heap for as long as drift runs.
 */
export function intern(s: string): string {
  const o: Record<string, 0> = {};
  o[s] = 0;
  for (const k in o) return k;
  return s;
}

/** The plan's repeated strings (fact keys, paths, directories, polls' keys) as one copy each (intern). */
export function compactPlan(plan: DriftPlan): DriftPlan {
  const all = (xs: string[]): string[] => xs.map(intern);
  for (const f of Object.values(plan.facts)) {
    f.probe = intern(f.probe);
    f.paths = all(f.paths);
    f.dirs = all(f.dirs);
    f.globs = f.globs.map((g) => ({ dir: intern(g.dir), match: intern(g.match) }));
    f.polls = all(f.polls);
    if (f.metaOnly) f.metaOnly = all(f.metaOnly);
  }
  for (const [k, facts] of Object.entries(plan.checks)) plan.checks[k] = all(facts);
  return plan;
}

export interface DriftStatus {
  watching: boolean;
  settings: DriftSettings;
  plan: { facts: number; checks: number; directories: number; names: number; polls: number };
  watches: { inotify: number; watched: number; waiting: { dir: string; ancestor: string }[]; polled: { dir: string; reason: string }[] };
  /** Facts with parts only the safety net covers, and why. */
  safetyNetOnly: { fact: string; probe: string; why: string[]; checks: string[] }[];
  lastSweep?: { at: string; durationMs: number; found: number };
  /** A safety-net sweep is running now. */
  sweeping: boolean;
  pending: number;
  rechecking: boolean;
  rechecks: number;
  events: DriftEvent[];
}

export class DriftController {
  private readonly deps: DriftDeps;
  private plan: DriftPlan = emptyPlan();
  private factSeenAt = new Map<string, number>();
  private idx: Indexes = { byPath: new Map(), byListing: new Map(), byGlob: new Map(), byDir: new Map(), byPoll: new Map(), factChecks: new Map(), metaOnly: new Map() };
  private readonly watcher: DirWatcher;
  private readonly pending = new Map<string, DriftCause>();
  private firstPendingAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private scanning = false;
  private readonly inFlight = new Set<string>();
  private readonly events: DriftEvent[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  /** Per listeners poll: the socket counts and baseline of its last full read that matched, and when. */
  private readonly listenerGates = new Map<string, { counts: string; fingerprint: string; at: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private sweeping: Promise<void> | undefined;
  private lastTick = 0;
  private lastEvents = 0;
  private lastSweep: DriftStatus["lastSweep"];
  private readonly lastSafetyRun = new Map<string, number>();
  private readonly cmdlines = new Map<string, { raw: string | null; sightings: number }>();
  /** Host path → its metadataKey when an event last came for it (metadata-only watches). */
  private readonly metaSeen = new Map<string, string>();
  private rechecks = 0;
  private stopped = false;
  private started = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(deps: DriftDeps) {
    this.deps = deps;
    this.watcher = new DirWatcher(deps.host, {
      onChange: (c) => this.onDirChange(c),
      onPolled: (dir, reason, cause) => {
        deps.log.warn(`drift: ${dir} is polled every ${deps.settings.pollIntervalMs} ms instead of watched: ${reason}`);
        deps.metrics?.watchFallback?.(cause);
      },
      ...(deps.watch ? { watch: deps.watch } : {}),
    });
  }

  /** Start the pollers and the safety net (the watches follow the plans handed in). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const s = this.deps.settings;
    this.pollTimer = setInterval(() => void this.poll(), s.pollIntervalMs);
    this.sweepTimer = setInterval(() => void this.sweep("sweep", "safety net"), s.safetyNetIntervalMs);
    this.lastTick = Date.now();
    this.lastEvents = this.watcher.eventsSeen;
    this.tickTimer = setInterval(() => this.tick(), 1000);
    for (const t of [this.pollTimer, this.sweepTimer, this.tickTimer]) t.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.pollTimer, this.sweepTimer, this.tickTimer, this.timer]) if (t) clearInterval(t);
    this.watcher.close();
  }

  /** A full scan started: re-checks wait for it. */
  scanStarted(): void {
    this.scanning = true;
  }

  /** A full scan ended, with its plan when it succeeded: it replaces the whole plan. */
  async scanEnded(plan: DriftPlan | undefined): Promise<void> {
    this.scanning = false;
    if (plan) await this.setPlan(plan, true);
    this.schedule();
  }

  /** Replace (a scan's) or merge (a re-check's) plan, re-arm the watches, and compare with the baselines. */
  private setPlan(plan: DriftPlan, whole: boolean): Promise<void> {
    const next = this.applying.then(async () => {
      if (this.stopped) return;
      compactPlan(plan);
      if (whole) {
        if (plan.observedAt < this.plan.observedAt) return;
        this.plan = plan;
        // The scan's baselines are what its facts saw: they replace what events told since.
        this.metaSeen.clear();
        this.factSeenAt = new Map(Object.keys(plan.facts).map((k) => [k, plan.observedAt]));
      } else {
        const cur = this.plan;
        for (const [k, f] of Object.entries(plan.facts)) {
          if ((this.factSeenAt.get(k) ?? 0) > plan.observedAt) continue;
          cur.facts[k] = f;
          this.factSeenAt.set(k, plan.observedAt);
        }
        for (const [k, facts] of Object.entries(plan.checks)) cur.checks[k] = facts;
        Object.assign(cur.baseline, plan.baseline);
        for (const k of Object.keys(plan.baseline)) if (k.startsWith("m:")) this.metaSeen.delete(k.slice(2));
        Object.assign(cur.polls, plan.polls);
      }
      this.reindex();
      await this.watcher.set(this.wants());
      this.reportWatches();
      // A change between the facts' reads and the watches being armed (a directory that
      // appeared, a file removed right after the re-check) raised no event here: compare
      // what the plan's facts read with what is there now.
      const dirs = new Set<string>();
      for (const f of Object.values(plan.facts)) {
        for (const p of f.paths) dirs.add(path.posix.dirname(p));
        for (const d of f.dirs) dirs.add(d);
        for (const g of f.globs) dirs.add(g.dir);
      }
      await this.compare([...dirs], "watch");
    });
    this.applying = next.catch((e: unknown) => this.deps.log.error(`drift: cannot apply a plan: ${(e as Error).message}`));
    return this.applying;
  }

  private reindex(): void {
    const byPath = new Map<string, Set<string>>();
    const byListing = new Map<string, Set<string>>();
    const byDir = new Map<string, Set<string>>();
    const byPoll = new Map<string, Set<string>>();
    const factChecks = new Map<string, Set<string>>();
    const globs = new Map<string, { match: string; facts: Set<string> }[]>();
    const metaOnly: Indexes["metaOnly"] = new Map();
    for (const [k, f] of Object.entries(this.plan.facts)) {
      if (f.metaOnly && f.metaOnly.length > 0) {
        const listed = new Set([...f.dirs, ...f.globs.map((g) => g.dir)]);
        metaOnly.set(k, { names: new Set(f.metaOnly.filter((m) => f.paths.includes(m))), dirs: new Set(f.metaOnly.filter((m) => listed.has(m))) });
      }
      for (const p of f.paths) {
        add(byPath, p, k);
        add(byDir, path.posix.dirname(p), k);
      }
      for (const d of f.dirs) {
        add(byListing, d, k);
        add(byDir, d, k);
      }
      for (const g of f.globs) {
        let list = globs.get(g.dir);
        if (!list) globs.set(g.dir, (list = []));
        let entry = list.find((e) => e.match === g.match);
        if (!entry) list.push((entry = { match: g.match, facts: new Set() }));
        entry.facts.add(k);
        add(byDir, g.dir, k);
      }
      for (const p of f.polls) add(byPoll, p, k);
    }
    for (const [check, facts] of Object.entries(this.plan.checks)) for (const f of facts) add(factChecks, f, check);
    const byGlob = new Map<string, GlobIndex[]>();
    for (const [dir, list] of globs) byGlob.set(dir, list.map((e) => ({ match: e.match, re: globComponentToRegExp(e.match), facts: [...e.facts] })));
    const idx: Indexes = { byPath: settled(byPath), byListing: settled(byListing), byGlob, byDir: settled(byDir), byPoll: settled(byPoll), factChecks: settled(factChecks), metaOnly };
    // Polls nobody declares any more go (their baselines with them).
    for (const k of Object.keys(this.plan.polls)) if (!idx.byPoll.has(k)) delete this.plan.polls[k];
    for (const k of this.listenerGates.keys()) if (!idx.byPoll.has(k)) this.listenerGates.delete(k);
    this.idx = idx;
    this.namesByDir = undefined;
  }

  private wants(): WatchWant[] {
    const names = new Map<string, Set<string> | "*">();
    for (const p of this.idx.byPath.keys()) {
      const dir = path.posix.dirname(p);
      const cur = names.get(dir);
      if (cur === "*") continue;
      if (cur) cur.add(path.posix.basename(p));
      else names.set(dir, new Set([path.posix.basename(p)]));
    }
    for (const d of this.idx.byListing.keys()) names.set(d, "*");
    const wants: WatchWant[] = [...names].map(([dir, n]) => ({ dir, names: n }));
    for (const [dir, list] of this.idx.byGlob) {
      if (names.get(dir) === "*") continue;
      wants.push({ dir, names: new Set(), patterns: list.map((g) => g.match) });
    }
    return wants;
  }

  private reportWatches(): void {
    const st = this.watcher.status();
    this.deps.metrics?.watches({
      watched: st.filter((s) => s.state === "watched").length,
      waiting: st.filter((s) => s.state === "waiting").length,
      polled: st.filter((s) => s.state === "polled").length,
      inotify: this.watcher.watchCount,
    });
  }

  // --- detection -------------------------------------------------------------------------

  private onDirChange(c: DirChange): void {
    const facts = new Set<string>();
    if (c.name === null) {
      for (const k of this.idx.byDir.get(c.dir) ?? []) facts.add(k);
    } else {
      const p = c.dir === "/" ? `/${c.name}` : `${c.dir}/${c.name}`;
      for (const k of this.idx.byPath.get(p) ?? []) facts.add(k);
      for (const k of this.idx.byListing.get(c.dir) ?? []) facts.add(k);
      for (const g of this.idx.byGlob.get(c.dir) ?? []) if (g.re.test(c.name)) for (const k of g.facts) facts.add(k);
    }
    if (facts.size === 0) return;
    // An event inotify delivered is the watch's, even while a sweep runs; only what the
    // sweep's revalidation found (a directory moved with no event) is the sweep's.
    const source: DriftSource = c.revalidated ? "sweep" : "watch";
    const what = c.name === null ? c.dir : c.dir === "/" ? `/${c.name}` : `${c.dir}/${c.name}`;
    if (c.name === null) {
      this.enqueue(facts, { source, what, seenAt: c.at, changedAt: c.at });
      return;
    }
    // Facts that judge only the metadata of this name (a permission check over /var/log):
    // re-checked only when that metadata differs from what was last seen of it.
    const metaOnly = [...facts].filter((k) => this.watchesMetaOnly(k, what));
    const metaChanged: Promise<boolean> =
      metaOnly.length === 0
        ? Promise.resolve(true)
        : pathFingerprint(this.deps.host, what).then((fp) => {
            const now = metadataKey(fp);
            const before = this.metaSeen.get(what) ?? this.plan.baseline[`m:${what}`];
            if (this.metaSeen.size >= META_SEEN_MAX) this.metaSeen.clear();
            this.metaSeen.set(what, now);
            return before !== now; // never seen (undefined): re-check
          });
    void metaChanged
      .catch(() => true)
      .then(async (changed) => {
        if (!changed) for (const k of metaOnly) facts.delete(k);
        // An appended log ends here: no second lstat for a change that re-checks nothing.
        if (facts.size === 0) return;
        // When it happened: the file's ctime, when it is recent (a removed file has none).
        const changedAt = await this.deps.host
          .lstat(what)
          .then((st) => (st && st.ctimeMs <= c.at + 5 && c.at - st.ctimeMs < 10_000 ? Math.min(st.ctimeMs, c.at) : c.at))
          .catch(() => c.at);
        this.enqueue(facts, { source, what, seenAt: c.at, changedAt });
      });
  }

  private enqueue(facts: Iterable<string>, cause: DriftCause, skipInFlight = false): void {
    if (this.stopped) return;
    let added = false;
    for (const f of facts) {
      if (skipInFlight && this.inFlight.has(f)) continue;
      if (!this.pending.has(f)) this.pending.set(f, cause);
      added = true;
    }
    if (!added) return;
    if (this.firstPendingAt === 0) {
      this.firstPendingAt = Date.now();
      if (this.deps.prepare) {
        const keys = new Set<string>();
        for (const f of this.pending.keys()) for (const c of this.idx.factChecks.get(f) ?? []) keys.add(c);
        if (keys.size > 0) this.deps.prepare([...keys]);
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending.size === 0 || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const s = this.deps.settings;
    const wait = Math.max(0, Math.min(s.debounceMs, this.firstPendingAt + s.maxDelayMs - Date.now()));
    this.timer = setTimeout(() => void this.flush(), wait);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.running || this.scanning || this.pending.size === 0 || this.stopped) return;
    const batch = new Map(this.pending);
    this.pending.clear();
    this.firstPendingAt = 0;
    const keys = new Set<string>();
    for (const f of batch.keys()) for (const c of this.idx.factChecks.get(f) ?? []) keys.add(c);
    if (keys.size === 0) return this.schedule();
    const first = [...batch.values()].sort((a, b) => a.changedAt - b.changedAt)[0] as DriftCause;
    this.running = true;
    for (const f of batch.keys()) this.inFlight.add(f);
    try {
      const asked = Date.now();
      const out = await this.deps.recheck([...keys].sort());
      const answered = Date.now();
      const applied = this.setPlan(out.plan, false);
      if (!out.merged) return void (await applied);
      this.rechecks++;
      const detectionMs = Math.max(0, Math.round(answered - first.changedAt));
      const stages: DriftStages = {
        seenMs: Math.max(0, Math.round(first.seenAt - first.changedAt)),
        waitMs: Math.max(0, asked - first.seenAt),
        recheckMs: answered - asked,
        ...out.timing,
      };
      const ev: DriftEvent = { at: new Date(answered).toISOString(), source: first.source, cause: first.what, rechecked: keys.size, changes: out.changes, detectionMs, stages };
      this.events.push(ev);
      this.events.splice(0, Math.max(0, this.events.length - DRIFT_EVENTS_KEPT));
      this.deps.metrics?.recheck(first.source, detectionMs / 1000, out.changes.length);
      for (const ch of out.changes) {
        this.deps.log.info(`drift: ${ch.key} ${ch.from ?? "new"} → ${ch.to} (${first.what} changed; ${first.source}, ${detectionMs} ms)`);
      }
      if (out.changes.length === 0) this.deps.log.debug?.(`drift: re-checked ${keys.size} check(s) after ${first.what} changed (${first.source}): no status changed`);
      await applied;
    } catch (e) {
      this.deps.log.warn(`drift: re-check of ${keys.size} check(s) after ${first.what} changed failed: ${(e as Error).message}; the sweep will try again`);
    } finally {
      for (const f of batch.keys()) this.inFlight.delete(f);
      this.running = false;
      this.schedule();
      // A poll that ran while these facts were re-checked skipped them (their baselines were
      // not updated yet): a change made meanwhile would wait a whole poll interval. Poll again now.
      if ([...batch.values()].some((c) => c.source === "poll")) void this.poll();
    }
  }

  // --- polls ---------------------------------------------------------------------------------

  /** The host as the polls read it (pollHost), made once. */
  private pollHostCache: HostRoot | undefined;

  /**
   * The host as the polls read it: command lines cached per pid once seen twice (a process
   * execs early, rarely later), dropped when the pid leaves the process listing. Made once
   * per controller — an object whose prototype is the host, with these two reads its own —
   * so a round allocates no wrapper, and the host's other reads are its own methods.
   */
  private pollHost(): HostRoot {
    if (this.pollHostCache) return this.pollHostCache;
    const host = this.deps.host;
    const cache = this.cmdlines;
    const procReaddir = async (rel: string): Promise<string[] | null> => {
      const names = await host.procReaddir(rel);
      if (rel === "" && names) {
        const listed = new Set(names);
        for (const pid of cache.keys()) if (!listed.has(pid)) cache.delete(pid);
      }
      return names;
    };
    const cmdline = async (rel: string): Promise<string | null> => {
      const pid = rel.slice(0, rel.indexOf("/"));
      const hit = cache.get(pid);
      if (hit && hit.sightings >= 2) return hit.raw;
      const raw = await host.procReadIfExists(rel);
      cache.set(pid, { raw, sightings: (hit?.sightings ?? 0) + 1 });
      return raw;
    };
    const procReadIfExists = (rel: string, options?: ReadOptions): Promise<string | null> => (PID_CMDLINE.test(rel) ? cmdline(rel) : host.procReadIfExists(rel, options));
    this.pollHostCache = Object.create(host, { procReaddir: { value: procReaddir }, procReadIfExists: { value: procReadIfExists } }) as HostRoot;
    return this.pollHostCache;
  }

  /** A probe context for one poll round (its shared reads, `ctx.once`, are the round's). */
  private pollContext(): ProbeContext {
    return createProbeContext(this.pollHost());
  }

  /** Read every poll and the names of directories no watch covers; a difference with what the facts saw is a change. */
  async poll(): Promise<number> {
    if (this.polling || this.stopped) return 0;
    this.polling = true;
    let found = 0;
    try {
      const ctx = this.pollContext();
      const now = Date.now();
      const fullEvery = this.deps.settings.listenerFullReadMs ?? LISTENER_FULL_READ_MS;
      for (const [key, entry] of Object.entries(this.plan.polls)) {
        // Socket tables: read whole only when their counts moved, or their last full read is old.
        let counts: string | undefined;
        if (entry.spec.kind === "listeners" && fullEvery > 0) {
          counts = await socketCounts(entry.spec, ctx).catch(() => undefined);
          const g = this.listenerGates.get(key);
          if (counts !== undefined && g?.counts === counts && g.fingerprint === entry.fingerprint && now - g.at < fullEvery) continue;
        }
        const current = await pollFingerprint(entry.spec, ctx).catch((e: unknown) => `!${String(e)}`);
        if (entry.spec.kind === "listeners") {
          if (counts !== undefined && current === entry.fingerprint) this.listenerGates.set(key, { counts, fingerprint: current, at: now });
          else this.listenerGates.delete(key);
        }
        if (current === entry.fingerprint) continue;
        const facts = this.idx.byPoll.get(key);
        if (!facts) continue;
        found++;
        this.enqueue(facts, { source: "poll", what: describePoll(entry), seenAt: now, changedAt: now }, true);
      }
      const polled = this.watcher.polledDirs();
      if (polled.length > 0) found += await this.compare(polled, "poll");
    } finally {
      this.polling = false;
      this.deps.polled?.();
    }
    return found;
  }

  /** Fingerprint the watched names and listings of these directories; enqueue what differs from the baseline. */
  private async compare(dirs: readonly string[], source: DriftSource): Promise<number> {
    let found = 0;
    const host = this.deps.host;
    const now = Date.now();
    for (const dir of dirs) {
      for (const k of this.idx.byListing.has(dir) ? [dir] : []) {
        const base = this.plan.baseline[`l:${k}`];
        if (base === undefined) continue;
        if ((await listingFingerprint(host, k)) !== base) {
          found++;
          this.enqueue(this.idx.byListing.get(k) ?? [], { source, what: k, seenAt: now, changedAt: now }, source === "poll");
        }
      }
      for (const g of this.idx.byGlob.get(dir) ?? []) {
        const base = this.plan.baseline[`g:${dir}\0${g.match}`];
        if (base === undefined) continue;
        if ((await globListingFingerprint(host, { dir, match: g.match })) !== base) {
          found++;
          this.enqueue(g.facts, { source, what: `${dir}/${g.match}`, seenAt: now, changedAt: now }, source === "poll");
        }
      }
      for (const p of this.namesIn(dir)) {
        const base = this.plan.baseline[`f:${p}`];
        if (base === undefined) continue;
        const fp = await pathFingerprint(host, p);
        if (fp === base) continue;
        let facts = [...(this.idx.byPath.get(p) ?? [])];
        // An appended log is a new fingerprint, but the same answer for a fact that judges its mode.
        const metaBase = this.metaSeen.get(p) ?? this.plan.baseline[`m:${p}`];
        if (metaBase !== undefined && metadataKey(fp) === metaBase) facts = facts.filter((k) => !this.watchesMetaOnly(k, p));
        if (facts.length === 0) continue;
        found++;
        this.enqueue(facts, { source, what: p, seenAt: now, changedAt: now }, source === "poll");
      }
    }
    return found;
  }

  /** Does fact `k` watch host path `p` (by name, or as an entry of a listed directory) for its metadata only? */
  private watchesMetaOnly(k: string, p: string): boolean {
    const m = this.idx.metaOnly.get(k);
    return m !== undefined && (m.names.has(p) || m.dirs.has(path.posix.dirname(p)));
  }

  private namesByDir: Map<string, string[]> | undefined;

  /** The watched paths whose directory is `dir`. */
  private namesIn(dir: string): string[] {
    if (!this.namesByDir) {
      const m = new Map<string, string[]>();
      for (const p of this.idx.byPath.keys()) {
        const d = path.posix.dirname(p);
        const list = m.get(d);
        if (list) list.push(p);
        else m.set(d, [p]);
      }
      this.namesByDir = m;
    }
    return this.namesByDir.get(dir) ?? [];
  }

  // --- the safety net ------------------------------------------------------------------------

  /**
   * Re-arm watches that moved, compare every watched name and listing with what the facts
   * saw, and re-run the facts only the safety net covers (at most every 200 × their cost).
   * Returns the differences found.
   */
  sweep(source: DriftSource = "sweep", why = "safety net"): Promise<void> {
    this.sweeping ??= (async () => {
      const started = Date.now();
      let found = 0;
      try {
        await this.applying;
        await this.watcher.revalidate();
        const dirs = [...new Set([...this.idx.byDir.keys()])];
        found += await this.compare(dirs, source);
        for (const entry of Object.entries(this.plan.facts)) {
          const [k, f] = entry as [string, FactPlan];
          if (f.unwatched.length === 0) continue;
          const last = this.lastSafetyRun.get(k) ?? this.factSeenAt.get(k) ?? 0;
          if (started - last < Math.max(this.deps.settings.safetyNetIntervalMs, (f.costMs ?? 0) * SAFETY_NET_COST_FACTOR)) continue;
          this.lastSafetyRun.set(k, started);
          this.enqueue([k], { source: "sweep", what: `${f.probe}: ${f.unwatched[0] ?? "safety net"}`, seenAt: started, changedAt: started });
        }
        if (found > 0) this.deps.log.info(`drift: the ${why} sweep found ${found} change(s) no event reported`);
      } finally {
        this.lastSweep = { at: new Date(started).toISOString(), durationMs: Date.now() - started, found };
        this.reportWatches();
      }
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Every second: a stalled loop (or a stopped process) or an event burst may have lost events. */
  private tick(): void {
    const now = Date.now();
    const gap = now - this.lastTick;
    const events = this.watcher.eventsSeen - this.lastEvents;
    this.lastTick = now;
    this.lastEvents = this.watcher.eventsSeen;
    if (gap > 1000 + STALL_MS) {
      this.deps.log.info(`drift: the agent did not run for ${Math.round(gap / 1000)} s; inotify events may have been lost: sweeping`);
      void this.sweep("sweep", "overflow suspected");
    } else if (events > BURST_EVENTS_PER_SECOND * Math.max(1, gap / 1000)) {
      this.deps.log.info(`drift: ${events} inotify events in ${gap} ms; the kernel's queue may have overflowed: sweeping`);
      void this.sweep("sweep", "overflow suspected");
    }
  }

  // --- what the API shows --------------------------------------------------------------------

  status(limit = 50): DriftStatus {
    const st = this.watcher.status();
    const names = new Set<string>();
    for (const p of this.idx.byPath.keys()) names.add(p);
    const safetyNetOnly = Object.entries(this.plan.facts)
      .filter(([, f]) => f.unwatched.length > 0)
      .map(([k, f]) => ({ fact: k, probe: f.probe, why: f.unwatched, checks: [...(this.idx.factChecks.get(k) ?? [])].sort() }));
    return {
      watching: this.started && !this.stopped,
      settings: this.deps.settings,
      plan: {
        facts: Object.keys(this.plan.facts).length,
        checks: Object.keys(this.plan.checks).length,
        directories: st.length,
        names: names.size,
        polls: Object.keys(this.plan.polls).length,
      },
      watches: {
        inotify: this.watcher.watchCount,
        watched: st.filter((s) => s.state === "watched").length,
        waiting: st.flatMap((s) => (s.state === "waiting" ? [{ dir: s.dir, ancestor: s.ancestor }] : [])),
        polled: st.flatMap((s) => (s.state === "polled" ? [{ dir: s.dir, reason: s.reason }] : [])),
      },
      safetyNetOnly,
      ...(this.lastSweep ? { lastSweep: this.lastSweep } : {}),
      sweeping: this.sweeping !== undefined,
      pending: this.pending.size,
      rechecking: this.running,
      rechecks: this.rechecks,
      events: this.events.slice(-limit).reverse(),
    };
  }

  /** What a check's status depends on: the watched paths and listings, polls and the safety net's parts. */
  checkPlan(key: string): { facts: { fact: string; probe: string; paths: string[]; dirs: string[]; globs: string[]; polls: string[]; unwatched: string[] }[] } | undefined {
    const facts = this.plan.checks[key];
    if (!facts) return undefined;
    return {
      facts: facts.flatMap((k) => {
        const f = this.plan.facts[k];
        return f ? [{ fact: k, probe: f.probe, paths: f.paths, dirs: f.dirs, globs: f.globs.map((g) => `${g.dir}/${g.match}`), polls: f.polls.map((p) => describePoll(this.plan.polls[p])), unwatched: f.unwatched }] : [];
      }),
    };
  }

  /** Test seam: the last plan. */
  get currentPlan(): DriftPlan {
    return this.plan;
  }
}

export function describePoll(p: PollEntry | undefined): string {
  if (!p) return "a poll";
  const s = p.spec;
  switch (s.kind) {
    case "proc":
      return s.paths.map((x) => `/proc/${x}`).join(", ");
    case "listeners":
      return `listening sockets (${s.paths.map((x) => `/proc/${x}`).join(", ")})`;
    case "modules":
      return "loaded kernel modules (/proc/modules)";
    case "processes":
      return `processes ${s.programs.join("|")}`;
    case "unit-active":
      return `active state of ${s.units.join(", ")}`;
    case "stat":
    case "content":
      return s.paths.join(", ");
    default:
      return assertNever(s, "poll kind");
  }
}

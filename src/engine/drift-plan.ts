/**
 * The drift plan: for every fact a scan gathered, what can change it (directories and
 * names to watch, runtime facts to poll, what only the safety net covers), and for every
 * check the facts it was decided from. The agent's drift watcher re-checks exactly the
 * checks whose facts changed.
 *
 * The plan comes from the probes (`watch` in the probe contract) over what each probe
 * call really read: while a scan runs with a PlanRecorder, every read a probe makes
 * through its context is recorded — resolvers and shared reads (`ctx.once`) included, so
 * a fact that reuses the kubelet resolution another probe call made is charged with its
 * reads too. The plan is rebuilt by every re-check, so a kubelet that moves its config
 * file moves the watch with it.
 *
 * Baselines: each file or listing is fingerprinted the first time a fact touches it (just
 * before the read), and each poll is fingerprinted from what the probe itself read (procfs
 * contents replayed). The agent compares with these, so a change that falls between a read
 * and the moment the watch is set is still seen — at worst as one spurious re-check.
 */
import path from "node:path";
import { listingDigest, metadataKey, MISSING, pathFingerprint } from "../host/fingerprint.js";
import type { HostRoot } from "../host/host-root.js";
import type { CommandRunner } from "../host/exec.js";
import type { LoadedCheck, ProbeCall } from "../packs/load.js";
import { pollCovers, pollFingerprint, pollKey, SAFETY_NET_ONLY } from "../probes/kit/watch.js";
import type { GlobListing, PollSpec, ProbeContext, ReadLog, WatchSpec } from "../probes/types.js";
import { globComponentToRegExp } from "../host/host-root.js";
import type { FactOutcome } from "./gather.js";

export interface FactPlan {
  probe: string;
  /** Host paths watched by name, through their parent directory. */
  paths: string[];
  /** Host directories whose entries are watched. */
  dirs: string[];
  /** Host directories whose entries matching a glob component are watched. */
  globs: GlobListing[];
  /** Keys of `DriftPlan.polls`. */
  polls: string[];
  /** What is neither watched nor polled, and why: the safety net's. */
  unwatched: string[];
  /** How long gathering it took (the safety net re-runs an unwatched fact no more often than its cost allows). */
  costMs: number;
  /** Of `paths`, `dirs` and the globs' directories: where only metadata matters (WatchSpec.metaOnly). */
  metaOnly?: string[];
}

export interface PollEntry {
  spec: PollSpec;
  /** As the facts saw it. */
  fingerprint: string;
}

export interface DriftPlan {
  /** Date.now() when the run that made this plan started: per fact, a later run's plan wins. */
  observedAt: number;
  /** Fact key → what can change it. */
  facts: Record<string, FactPlan>;
  /** Check key (`pack/id`) → the fact keys it was decided from. */
  checks: Record<string, string[]>;
  /**
   * `f:<host path>` / `l:<host dir>` → fingerprint as the facts saw it; `m:<host path>` → its
   * metadataKey, for the names and entries some fact watches for their metadata only.
   */
  baseline: Record<string, string>;
  polls: Record<string, PollEntry>;
}

export function emptyPlan(): DriftPlan {
  return { observedAt: 0, facts: Object.create(null) as Record<string, FactPlan>, checks: Object.create(null) as Record<string, string[]>, baseline: Object.create(null) as Record<string, string>, polls: Object.create(null) as Record<string, PollEntry> };
}

/** f: a file's metadata read (stat, lstat, readlink, resolve); F: its content; d: a listing; p: procfs. */
type Entry = readonly ["f" | "F" | "d" | "p", string] | readonly ["g", string, string] | readonly ["c", readonly string[]];

/** Past this many file reads in one probe call (a tree walk), no more fingerprints before reads. */
const PRE_READ_FINGERPRINTS = 2000;

class CallRecord {
  readonly log: Entry[] = [];
  fileReads = 0;
  readonly keys = new Set<string>();
  /** Files whose content (not only metadata) was read, shared reads included: never watched for metadata only. */
  contentRead(): Set<string> {
    const s = new Set<string>();
    for (const e of this.log) if (e[0] === "F") s.add(e[1]);
    return s;
  }
  add(e: Entry): void {
    this.log.push(e);
  }
  reads(): ReadLog {
    const files = new Set<string>();
    const dirs = new Set<string>();
    const proc = new Set<string>();
    const commands: string[][] = [];
    const seenCmd = new Set<string>();
    const globs = new Map<string, GlobListing>();
    for (const e of this.log) {
      if (e[0] === "g") {
        globs.set(`${e[1]}\0${e[2]}`, { dir: e[1], match: e[2] });
      } else if (e[0] === "c") {
        const k = JSON.stringify(e[1]);
        if (!seenCmd.has(k)) {
          seenCmd.add(k);
          commands.push([...e[1]]);
        }
      } else if (e[0] === "f" || e[0] === "F") files.add(e[1]);
      else if (e[0] === "d") dirs.add(e[1]);
      else proc.add(e[1]);
    }
    return { files: [...files].sort(), dirs: [...dirs].sort(), globs: [...globs.values()], proc: [...proc].sort(), commands };
  }
}

const FILE_METHODS = new Set(["stat", "lstat", "readlink", "readFile", "readFileIfExists", "openRead", "resolve"]);
const CONTENT_METHODS = new Set(["readFile", "readFileIfExists", "openRead"]);
const PROC_CONTENT = new Set(["procRead", "procReadIfExists"]);
const PROC_OTHER = new Set(["procReaddir", "procReadlink", "procExists"]);

/** Records what probe calls read, then asks each probe what can change its fact. */
export class PlanRecorder {
  readonly observedAt = Date.now();
  private readonly host: HostRoot;
  private readonly facts: Record<string, FactPlan> = Object.create(null) as Record<string, FactPlan>;
  private readonly baseline = new Map<string, Promise<string>>();
  private readonly polls = new Map<string, { spec: PollSpec; fingerprint: Promise<string> }>();
  private readonly keyDone = new Set<string>();
  private readonly keyStarted = new Map<string, Promise<Entry[]>>();
  /** procfs contents probes read in this scan, replayed for the polls' baselines. */
  private readonly procSeen = new Map<string, string | null>();
  private readonly procLists = new Map<string, string[] | null>();
  private readonly records = new Map<string, CallRecord>();
  private checks: Record<string, string[]> = Object.create(null) as Record<string, string[]>;

  /** With `keepReads`: each fact's reads and the probe's declaration (tests hold one against the other). */
  readonly declared = new Map<string, { probe: string; reads: ReadLog; spec: WatchSpec }>();
  private readonly keepReads: boolean;

  constructor(host: HostRoot, options: { keepReads?: boolean } = {}) {
    this.host = host;
    this.keepReads = options.keepReads === true;
  }

  /** The context a probe call collects with: the scan's, reading through a recorder. */
  wrap(call: ProbeCall, ctx: ProbeContext): ProbeContext {
    const rec = new CallRecord();
    this.records.set(call.factKey, rec);
    const host = this.recordingHost(ctx.host, rec);
    const run: CommandRunner = (argv, options) => {
      rec.add(["c", [...argv]]);
      return ctx.run(argv, options);
    };
    const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
      rec.keys.add(key);
      const started = this.keyStarted.get(key);
      if (!started) {
        // This call starts the shared read: what it reads meanwhile is the key's.
        const from = rec.log.length;
        const p = ctx.once(key, load);
        const settle = () => rec.log.slice(from);
        const done = p.then(settle, settle);
        this.keyStarted.set(key, done);
        void done.then(() => this.keyDone.add(key));
        return p;
      }
      const p = ctx.once(key, load);
      // Another call read it: charge its reads to this call too, before this call goes on.
      return p.then(
        async (v) => {
          for (const e of await started) rec.add(e);
          return v;
        },
        async (e: unknown) => {
          for (const x of await started) rec.add(x);
          throw e;
        },
      );
    };
    return { ...ctx, host, run, once };
  }

  private fingerprintOnce(key: string, make: () => Promise<string>): Promise<string> {
    let p = this.baseline.get(key);
    if (!p) {
      p = make();
      this.baseline.set(key, p);
    }
    return p;
  }

  private recordingHost(base: HostRoot, rec: CallRecord, glob?: string): HostRoot {
    const fingerprintOnce = (key: string, make: () => Promise<string>) => this.fingerprintOnce(key, make);
    const procSeen = this.procSeen;
    const procLists = this.procLists;
    const globHost = (pattern: string) => this.recordingHost(base, rec, pattern);
    return new Proxy(base, {
      get(target, prop, receiver) {
        const orig = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== "string" || typeof orig !== "function") return orig;
        const fn = orig as (...a: unknown[]) => Promise<unknown>;
        if (prop === "glob" && glob === undefined) {
          // Its listings are watched for the names its pattern matches, not every entry.
          return (pattern: string) => fn.call(globHost(pattern), pattern);
        }
        if (prop === "readdir" && glob !== undefined) {
          return async (dir: string) => {
            const parts = glob.split("/").filter((c) => c !== "");
            const depth = dir.split("/").filter((c) => c !== "").length;
            const match = parts[depth] ?? "*";
            rec.add(["g", dir, match]);
            const re = globComponentToRegExp(match);
            try {
              const names = (await fn.call(receiver, dir)) as string[] | null;
              void fingerprintOnce(`g:${dir}\0${match}`, () => Promise.resolve(names === null ? MISSING : listingDigest(names.filter((n) => re.test(n)))));
              return names;
            } catch (e) {
              const code = (e as NodeJS.ErrnoException).code;
              void fingerprintOnce(`g:${dir}\0${match}`, () => Promise.resolve(code === "ENOTDIR" ? MISSING : `!${code ?? "error"}`));
              throw e;
            }
          };
        }
        if (FILE_METHODS.has(prop)) {
          return async (hostPath: string, ...rest: unknown[]) => {
            rec.add([CONTENT_METHODS.has(prop) ? "F" : "f", hostPath]);
            if (++rec.fileReads > PRE_READ_FINGERPRINTS) return fn.call(receiver, hostPath, ...rest);
            await fingerprintOnce(`f:${hostPath}`, () => pathFingerprint(base, hostPath));
            return fn.call(receiver, hostPath, ...rest);
          };
        }
        if (prop === "readdir") {
          return async (dir: string) => {
            rec.add(["d", dir]);
            try {
              const names = (await fn.call(receiver, dir)) as string[] | null;
              void fingerprintOnce(`l:${dir}`, () => Promise.resolve(names === null ? MISSING : listingDigest(names)));
              return names;
            } catch (e) {
              const code = (e as NodeJS.ErrnoException).code;
              void fingerprintOnce(`l:${dir}`, () => Promise.resolve(code === "ENOTDIR" ? MISSING : `!${code ?? "error"}`));
              throw e;
            }
          };
        }
        if (PROC_CONTENT.has(prop)) {
          return async (rel: string, ...rest: unknown[]) => {
            rec.add(["p", rel]);
            const text = (await fn.call(receiver, rel, ...rest)) as string | null;
            if (!procSeen.has(rel)) procSeen.set(rel, text);
            return text;
          };
        }
        if (prop === "procReaddir") {
          return async (rel: string) => {
            rec.add(["p", rel]);
            const names = (await fn.call(receiver, rel)) as string[] | null;
            if (rel === "" && !procLists.has(rel)) procLists.set(rel, names);
            return names;
          };
        }
        if (PROC_OTHER.has(prop)) {
          return (rel: string, ...rest: unknown[]) => {
            rec.add(["p", rel]);
            return fn.call(receiver, rel, ...rest);
          };
        }
        return orig;
      },
    });
  }

  /** A context whose procfs reads replay what this scan's probes read (the polls' baselines). */
  private replayContext(ctx: ProbeContext): ProbeContext {
    const procSeen = this.procSeen;
    const procLists = this.procLists;
    const host = new Proxy(ctx.host, {
      get(target, prop, receiver) {
        const orig = Reflect.get(target, prop, receiver) as unknown;
        if (prop === "procReadIfExists" || prop === "procRead") {
          return async (rel: string, ...rest: unknown[]) => {
            if (procSeen.has(rel)) {
              const t = procSeen.get(rel) ?? null;
              if (t === null && prop === "procRead") throw Object.assign(new Error(`/proc/${rel}: missing`), { code: "ENOENT" });
              return t;
            }
            return (orig as (...a: unknown[]) => Promise<unknown>).call(receiver, rel, ...rest);
          };
        }
        if (prop === "procReaddir") {
          return async (rel: string) => (procLists.has(rel) ? (procLists.get(rel) ?? null) : (orig as (r: string) => Promise<unknown>).call(receiver, rel));
        }
        return orig;
      },
    });
    return { ...ctx, host };
  }

  /** After a probe call: what can change its fact (the probe's `watch`, checked against what it read). */
  async done(call: ProbeCall, outcome: FactOutcome, ctx: ProbeContext): Promise<void> {
    const rec = this.records.get(call.factKey);
    if (!rec) return;
    // A shared read this call joined but that never finished (the call timed out first).
    const incomplete = [...rec.keys].filter((k) => this.keyStarted.has(k) && !this.keyDone.has(k));
    const reads = rec.reads();
    const probe = call.probe;
    const unwatched: string[] = [];
    let spec: WatchSpec;
    if (!probe.watch) {
      spec = {};
      unwatched.push(`probe ${call.probeId} declares nothing it reads: ${SAFETY_NET_ONLY[call.probeId] ?? "re-checked by the safety net only"}`);
    } else {
      try {
        spec = probe.watch(call.params, outcome.ok ? { fact: outcome.fact, reads } : { error: outcome.reason, reads });
      } catch (e) {
        spec = {};
        unwatched.push(`probe ${call.probeId}: its watch declaration failed (${e instanceof Error ? e.message : String(e)}): re-checked by the safety net only`);
      }
    }
    if (this.keepReads) this.declared.set(call.factKey, { probe: call.probeId, reads, spec });
    if (incomplete.length > 0) unwatched.push(`the probe call ended before its shared reads (${incomplete.join(", ")}) did: what they read is covered by the safety net only`);
    const polls = spec.poll ?? [];
    // procfs reads no declared poll covers: said, never silently unwatched.
    const stray = reads.proc.filter((rel) => !pollCovers(polls, rel));
    if (stray.length > 0 && probe.watch) {
      unwatched.push(`procfs read but not polled: /proc/${stray.slice(0, 5).join(", /proc/")}${stray.length > 5 ? ` (+${stray.length - 5} more)` : ""}`);
    }
    const pollKeys: string[] = [];
    const replay = this.replayContext(ctx);
    for (const p of polls) {
      const key = pollKey(p);
      pollKeys.push(key);
      if (!this.polls.has(key)) this.polls.set(key, { spec: p, fingerprint: pollFingerprint(p, replay).catch((e: unknown) => `!${String(e)}`) });
    }
    for (const u of spec.unwatched ?? []) unwatched.push(u);
    const paths = [...new Set(spec.paths ?? [])].sort();
    const dirs = [...new Set(spec.dirs ?? [])].sort();
    const globs = spec.globs ? [...spec.globs] : [];
    // A watched path or listing the probe did not read itself (declared from params) still needs a baseline.
    for (const p of paths) void this.fingerprintOnce(`f:${p}`, () => pathFingerprint(this.host, p));
    for (const d of dirs) {
      void this.fingerprintOnce(`l:${d}`, async () => {
        try {
          const names = await this.host.readdir(d);
          return names === null ? MISSING : listingDigest(names);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          return code === "ENOTDIR" ? MISSING : `!${code ?? "error"}`;
        }
      });
    }
    for (const g of globs) {
      void this.fingerprintOnce(`g:${g.dir}\0${g.match}`, () => globListingFingerprint(this.host, g));
    }
    // Only what is watched at all, and never a file whose content the probe read.
    const watchedHere = new Set([...paths, ...dirs, ...globs.map((g) => g.dir)]);
    const contentRead = rec.contentRead();
    const contentDirs = new Set([...contentRead].map((f) => path.posix.dirname(f)));
    const metaOnly = [...new Set(spec.metaOnly ?? [])].filter((m) => watchedHere.has(m) && !contentRead.has(m) && !contentDirs.has(m)).sort();
    this.facts[call.factKey] = {
      probe: call.probeId, paths, dirs, globs, polls: [...new Set(pollKeys)].sort(), unwatched, costMs: Math.round(outcome.durationMs),
      ...(metaOnly.length > 0 ? { metaOnly } : {}),
    };
  }

  /** The checks of the scan, each with the facts it was decided from. */
  decided(checks: readonly LoadedCheck[]): void {
    for (const c of checks) {
      const keys = [...c.applies.map((a) => a.factKey), ...(c.audit ? [c.audit.factKey] : [])].filter((k) => this.facts[k] !== undefined);
      if (keys.length > 0) this.checks[c.key] = [...new Set(keys)];
    }
  }

  async plan(): Promise<DriftPlan> {
    const baseline = Object.create(null) as Record<string, string>;
    const wanted = new Set<string>();
    for (const f of Object.values(this.facts)) {
      for (const p of f.paths) wanted.add(`f:${p}`);
      for (const d of f.dirs) wanted.add(`l:${d}`);
      for (const g of f.globs) wanted.add(`g:${g.dir}\0${g.match}`);
    }
    for (const k of wanted) {
      const p = this.baseline.get(k);
      if (p) baseline[k] = await p;
    }
    // What the metadata-only facts saw of the names they judge and of their directories' entries.
    const metaPaths = new Set<string>();
    const metaDirs = new Set<string>();
    for (const f of Object.values(this.facts)) {
      for (const m of f.metaOnly ?? []) {
        if (f.paths.includes(m)) metaPaths.add(m);
        if (f.dirs.includes(m) || f.globs.some((g) => g.dir === m)) metaDirs.add(m);
      }
    }
    if (metaPaths.size > 0 || metaDirs.size > 0) {
      for (const [k, fp] of this.baseline) {
        if (!k.startsWith("f:")) continue;
        const p = k.slice(2);
        if (metaPaths.has(p) || metaDirs.has(path.posix.dirname(p))) baseline[`m:${p}`] = metadataKey(await fp);
      }
    }
    const polls = Object.create(null) as Record<string, PollEntry>;
    for (const [k, v] of this.polls) polls[k] = { spec: v.spec, fingerprint: await v.fingerprint };
    this.procSeen.clear();
    this.procLists.clear();
    this.records.clear();
    return { observedAt: this.observedAt, facts: this.facts, checks: this.checks, baseline, polls };
  }
}

/** The fingerprint of a directory's entries that match a glob component. */
export async function globListingFingerprint(host: HostRoot, g: GlobListing): Promise<string> {
  try {
    const names = await host.readdir(g.dir);
    if (names === null) return MISSING;
    const re = globComponentToRegExp(g.match);
    return listingDigest(names.filter((n) => re.test(n)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOTDIR" ? MISSING : `!${code ?? "error"}`;
  }
}

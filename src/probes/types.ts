/**
 * The probe contract. A probe gathers one kind of fact about the host and never
 * judges it: `{ exists: false }` is a fact, not an error, and only the engine decides
 * pass or fail. Probes read through `ctx.host` (never node:fs directly) and run
 * commands through `ctx.run` (never execa directly).
 */
import type { z } from "zod";
import type { CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { LazySchema } from "../util/lazy-zod.js";
import type { Evidence } from "../model/evidence.js";

export type { Evidence } from "../model/evidence.js";

export interface Fact<V extends object = Record<string, unknown>> {
  /** The observed properties; expectations address them by (dotted) field path. */
  value: V;
  /** Where the value was read from. */
  evidence: Evidence[];
  /**
   * Fields the probe could not observe, with the reason: a file it may not read (EACCES,
   * an LSM denial), a directory it cannot list, a tree hidden by a mount namespace, a
   * timeout, a service manager out of reach. A check whose outcome depends on one of them
   * is `error` — even where the pack writes the field as optional (`field?`): what could
   * not be seen is never passed.
   */
  unknown?: Record<string, string>;
  /**
   * Fields that do not exist on this target, with the reason: nothing was hidden, there is
   * simply nothing to observe (the running value of an offline root, a sysctl key the
   * running kernel does not have). An expectation that writes the field as `field?` leaves
   * it out; one that requires it makes the check `skip` with this reason.
   */
  notApplicable?: Record<string, string>;
  /**
   * The fact does not exist on this target at all (runtime state of an offline root):
   * checks built on it are `skip` with this reason, not `error`.
   */
  inapplicable?: string;
}

export interface ProbeContext {
  host: HostRoot;
  run: CommandRunner;
  /** Memoise a host-wide read for the length of one scan (dpkg database, socket table, kubelet). */
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Per-command timeout, milliseconds. */
  commandTimeoutMs: number;
  /**
   * Aborted when this probe call has timed out (or the scan is stopped): long loops
   * check it (`signal?.throwIfAborted()`) so an abandoned probe stops its work.
   */
  signal?: AbortSignal;
}

export interface Probe<S extends z.ZodType = z.ZodType, V extends object = Record<string, unknown>> {
  /** The name packs use (`probe: kernel-module`); equals the file name. */
  id: string;
  /** One line for `nodeward checks` and the docs. */
  summary: string;
  /**
   * Schema of the probe's `params` in YAML; validated at load. Built on first use
   * (`lazySchema`): a scan of packs the build's cache proved loads no schema library.
   */
  params: LazySchema<S>;
  /** Top-level fact fields an expectation may name; `"*"` allows any (free-form configs). */
  fields: readonly string[];
  collect(ctx: ProbeContext, params: z.output<S>): Promise<Fact<V>>;
  /**
   * What can change this probe's answer, for these params and the fact it found (or why it
   * failed): the agent's drift watcher re-checks the fact when one of them changes, instead
   * of waiting for the next scheduled scan. `seen.reads` is everything the collect call read
   * through `ctx` (the engine records it, resolvers and shared reads included), so a probe
   * declares its files by passing them on (`watchReads` in kit/watch.ts) and adds what no
   * file event tells: the runtime facts to poll (procfs and sysfs raise no inotify events).
   * A probe without it is re-checked only by the periodic safety net, and the plan says so.
   */
  watch?(params: z.output<S>, seen: WatchInput): WatchSpec;
}

/** What a probe call read, as the engine recorded it (host paths; procfs paths relative to the proc root). */
export interface ReadLog {
  /** Host paths stat'ed, read or readlink'ed (a missing one too: its appearance changes the answer). */
  files: readonly string[];
  /** Host directories listed. */
  dirs: readonly string[];
  /** Host directories listed to expand a glob, with the name pattern of that component (`ssh_host_*_key`). */
  globs: readonly GlobListing[];
  /** procfs entries read, listed or readlink'ed, relative to the proc root (`sys/net/ipv4/ip_forward`, `net/tcp`, `1234/cmdline`). */
  proc: readonly string[];
  /** Commands run (argv). */
  commands: readonly (readonly string[])[];
}

export interface GlobListing {
  dir: string;
  /** A glob of one path component: `*`, `?`, `[...]`. */
  match: string;
}

export interface WatchInput {
  /** The fact collected (its value as the probe's own type), or undefined when the probe failed (`error` says why). */
  fact?: Fact;
  error?: string;
  reads: ReadLog;
}

/**
 * Runtime facts no filesystem event tells, polled by the agent: each is read at the poll
 * interval and compared (through the normaliser of its kind) with what the fact saw.
 */
export type PollSpec =
  /** procfs files compared by content (`sys/net/ipv4/ip_forward`: a sysctl's running value). */
  | { kind: "proc"; paths: readonly string[] }
  /** The listening sockets of the given socket tables (`net/tcp`, `1/net/tcp6`…): protocol, address, port, inode. */
  | { kind: "listeners"; paths: readonly string[] }
  /** The names of the loaded kernel modules (procfs `modules`). */
  | { kind: "modules" }
  /** The pids and command lines of the processes whose argv[0] basename is one of `programs` (or contains one of `containing`). */
  | { kind: "processes"; programs: readonly string[]; containing?: readonly string[] }
  /** Host paths on a pseudo filesystem (/sys, /proc through the root), compared by existence and type, or by content. */
  | { kind: "stat"; paths: readonly string[] }
  | { kind: "content"; paths: readonly string[] }
  /** systemd units' active state (`systemctl is-active`), on the live host only. */
  | { kind: "unit-active"; units: readonly string[] };

export interface WatchSpec {
  /** Host paths whose creation, removal, replacement, content, mode or owner can change the answer (watched through their parent directory, by name). */
  paths?: readonly string[];
  /** Host directories whose entries can change the answer (a file added to a drop-in directory). */
  dirs?: readonly string[];
  /** Host directories whose entries matching a name pattern can change the answer (a glob's matches). */
  globs?: readonly GlobListing[];
  /** Runtime facts to poll. */
  poll?: readonly PollSpec[];
  /** What part of the answer is neither watched nor polled (a command's output, a whole-filesystem walk), and why: covered by the periodic safety net only. */
  unwatched?: readonly string[];
  /**
   * Of the above, where only the type, mode, owner, group and emptiness of what is there
   * can change the answer (a permission check), not its content, size or times: a named
   * path (itself) or a listed directory (its entries). A write that leaves those as they
   * were (a log file appended to) then re-checks nothing. Never a file whose content the
   * probe read.
   */
  metaOnly?: readonly string[];
}

/** Identity helper that keeps a probe's param and fact types (like fastify's plugin helpers). */
export function defineProbe<S extends z.ZodType, V extends object>(probe: Probe<S, V>): Probe<S, V> {
  return probe;
}

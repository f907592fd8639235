/**
 * What probes share to say what can change their answer (the optional `watch` of the
 * probe contract, types.ts), and the normalisers that turn a runtime fact into a
 * fingerprint the agent polls.
 *
 * Files: a probe passes on what it read (`watchReads`); the engine recorded it, resolvers
 * and shared reads included, so the kubelet's files follow its resolved configuration.
 * Host paths on pseudo filesystems (/proc, /sys) raise no inotify event: they become
 * `stat` polls. procfs reads are the probe's to declare with a poll of the right kind,
 * since a socket table or the process table changes all the time in ways that matter
 * to no check: `listeners`, `processes`, `modules` compare only what the probes judge.
 */
import { pathFingerprint, digest, MISSING } from "../../host/fingerprint.js";
import { describeError } from "../../errors.js";
import { assertNever } from "../../util/assert-never.js";
import { isListening, parseProcNet, type ProcNetProtocol } from "../parse/proc-net.js";
import { parseCmdline } from "../parse/kubelet-flags.js";
import { unitActiveState } from "../systemd-manager.js";
import type { GlobListing, PollSpec, ProbeContext, ReadLog, WatchSpec } from "../types.js";

/** Host paths under these raise no inotify events for what they show. */
export const PSEUDO_ROOTS = ["/proc", "/sys"] as const;

export function isPseudoPath(hostPath: string): boolean {
  return PSEUDO_ROOTS.some((r) => hostPath === r || hostPath.startsWith(`${r}/`));
}

/**
 * procfs reads that tell only whether a procfs is there at all (kit/shared.ts
 * runningSystem, sysctl's `/proc/sys` check): that does not change while the agent runs.
 */
export const STATIC_PROC_READS: ReadonlySet<string> = new Set(["", "sys"]);

/**
 * Probes that declare nothing they read (no `watch`), with why: their checks are re-run
 * only by the periodic safety net. Every registered probe has a `watch` or a line here
 * (test/unit/drift/plan.test.ts).
 */
export const SAFETY_NET_ONLY: Readonly<Record<string, string>> = {};

/**
 * The programs whose processes the Kubernetes resolvers look for (argv[0] basename): the
 * kubelet, the distributions that run it, the control-plane components. A kubelet that
 * restarts with other flags, or a k3s that appears, changes the answer; other processes do not.
 */
export const KUBERNETES_PROGRAMS = [
  "kubelet",
  "hyperkube",
  "k3s",
  "rke2",
  "k0s",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kube-proxy",
  "etcd",
] as const;

/** The Kubernetes processes, polled (argv is in procfs, which raises no event). */
export const KUBERNETES_PROCESSES: PollSpec = { kind: "processes", programs: KUBERNETES_PROGRAMS, containing: ["kubelet"] };

/** The files and directories a probe call read, as watches; pseudo-filesystem paths as stat polls. */
export function watchReads(reads: ReadLog): WatchSpec {
  const paths = reads.files.filter((p) => !isPseudoPath(p));
  const dirs = reads.dirs.filter((p) => !isPseudoPath(p));
  const globs = uniqueGlobs(reads.globs.filter((g) => !isPseudoPath(g.dir) && !dirs.includes(g.dir)));
  const pseudo = [...new Set([...reads.files, ...reads.dirs, ...reads.globs.map((g) => g.dir)].filter(isPseudoPath))].sort();
  return {
    paths: [...new Set(paths)].sort(),
    dirs: [...new Set(dirs)].sort(),
    ...(globs.length > 0 ? { globs } : {}),
    ...(pseudo.length > 0 ? { poll: [{ kind: "stat", paths: pseudo }] } : {}),
  };
}

function uniqueGlobs(globs: readonly GlobListing[]): GlobListing[] {
  const seen = new Map<string, GlobListing>();
  for (const g of globs) seen.set(`${g.dir}\0${g.match}`, { dir: g.dir, match: g.match });
  return [...seen.values()].sort((a, b) => (a.dir === b.dir ? (a.match < b.match ? -1 : 1) : a.dir < b.dir ? -1 : 1));
}

/** watchReads plus the polls and unwatched parts a probe adds. */
export function readsAnd(reads: ReadLog, extra: { poll?: readonly PollSpec[]; unwatched?: readonly string[]; metaOnly?: readonly string[] }): WatchSpec {
  const base = watchReads(reads);
  const poll = [...(base.poll ?? []), ...(extra.poll ?? [])];
  return {
    ...base,
    ...(poll.length > 0 ? { poll } : {}),
    ...(extra.unwatched && extra.unwatched.length > 0 ? { unwatched: extra.unwatched } : {}),
    ...(extra.metaOnly && extra.metaOnly.length > 0 ? { metaOnly: extra.metaOnly } : {}),
  };
}

/** The procfs paths of `reads` that match, e.g. the socket tables the probe read. */
export function procReadsMatching(reads: ReadLog, re: RegExp): string[] {
  return [...new Set(reads.proc.filter((p) => re.test(p)))].sort();
}

/** Is a procfs read covered by one of these polls (what the agent re-reads)? */
export function pollCovers(polls: readonly PollSpec[], rel: string): boolean {
  if (STATIC_PROC_READS.has(rel)) return true;
  const perPid = /^\d+\/(.+)$/.exec(rel);
  for (const p of polls) {
    switch (p.kind) {
      case "proc":
        if (p.paths.includes(rel)) return true;
        break;
      case "listeners":
        // The tables, and the owner walk over every process's fds, name, exe and command line.
        // PID 1's net/ (the scanned system's namespace) is looked for first.
        if (p.paths.includes(rel) || rel === "1/net") return true;
        if (perPid && /^(fd|fd\/\d+|comm|exe|cmdline)$/.test(perPid[1] as string)) return true;
        break;
      case "modules":
        if (rel === "modules") return true;
        break;
      case "unit-active":
        // Whether systemd runs the host at all is read from PID 1's name.
        if (rel === "1/comm") return true;
        break;
      case "processes":
        // A process found by its command line: its working directory, executable, namespace
        // and root (files it names) belong to the same process.
        if (perPid && /^(cmdline|cwd|exe|comm|ns\/\w+|root(\/.*)?)$/.test(perPid[1] as string)) return true;
        break;
      case "stat":
      case "content":
        // Host files, not procfs.
        break;
      default:
        return assertNever(p, "poll kind");
    }
  }
  return false;
}

// --- fingerprints ------------------------------------------------------------------------

/** A stable key for a poll (the same poll declared by many facts is read once). */
export function pollKey(p: PollSpec): string {
  switch (p.kind) {
    case "modules":
      return "modules";
    case "processes":
      return `processes:${[...p.programs].sort().join(",")}|${[...(p.containing ?? [])].sort().join(",")}`;
    case "unit-active":
      return `unit-active:${[...p.units].sort().join(",")}`;
    case "proc":
    case "listeners":
    case "stat":
    case "content":
      return `${p.kind}:${[...p.paths].sort().join(",")}`;
    default:
      return assertNever(p, "poll kind");
  }
}

async function procText(ctx: ProbeContext, rel: string): Promise<string> {
  try {
    const t = await ctx.host.procReadIfExists(rel);
    return t === null ? MISSING : t;
  } catch (e) {
    return `!${describeError(e)}`;
  }
}

function protocolOf(rel: string): ProcNetProtocol | undefined {
  const m = /(?:^|\/)(tcp6?|udp6?)$/.exec(rel);
  return m ? (m[1] as ProcNetProtocol) : undefined;
}

/** The count line (file, label) of a socket table: net/tcp → net/sockstat "TCP:", 1/net/udp6 → 1/net/sockstat6 "UDP6:". */
function sockstatLine(rel: string): { file: string; label: string } | undefined {
  const m = /^(.*?)(tcp|udp)(6?)$/.exec(rel);
  return m ? { file: `${m[1] ?? ""}sockstat${m[3] ?? ""}`, label: `${(m[2] ?? "").toUpperCase()}${m[3] ?? ""}:` } : undefined;
}

/**
 * How many sockets each table of a listeners poll holds, from procfs `sockstat` and
 * `sockstat6` (their `inuse` counts are per network namespace, like the tables): µs to read,
 * where a table read walks the kernel's whole connection hash (~3.4 ms of CPU for tcp). A
 * listener that opens or closes moves its table's count; one closed and another opened
 * between two reads leave it as it was. undefined when a count cannot be read (then only
 * the tables tell).
 */
export async function socketCounts(p: Extract<PollSpec, { kind: "listeners" }>, ctx: ProbeContext): Promise<string | undefined> {
  const texts = new Map<string, string>();
  const parts: string[] = [];
  for (const rel of p.paths) {
    const at = sockstatLine(rel);
    if (!at) return undefined;
    let text = texts.get(at.file);
    if (text === undefined) {
      text = await procText(ctx, at.file);
      texts.set(at.file, text);
    }
    const m = new RegExp(`^${at.label} inuse (\\d+)`, "m").exec(text);
    if (!m) return undefined;
    parts.push(`${rel}=${m[1]}`);
  }
  return parts.join(" ");
}

/** The listening sockets of one table, one line each: what listening-ports judges. */
export function listenerLines(text: string, protocol: ProcNetProtocol): string[] {
  return parseProcNet(text, protocol)
    .sockets.filter((s) => isListening(s, protocol))
    .map((s) => `${protocol} ${s.localAddress}:${s.localPort} ${s.inode}`)
    .sort();
}

/** Loaded module names from procfs `modules`. */
export function moduleNames(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n !== "")
    .sort();
}

function programOf(argv: readonly string[]): string {
  const a0 = argv[0] ?? "";
  const i = a0.lastIndexOf("/");
  return i === -1 ? a0 : a0.slice(i + 1);
}

/** argv[0] of a raw procfs command line, as parseCmdline would give it (a single argument with spaces is split on them). */
function argv0(raw: string): string {
  const end = raw.indexOf("\0");
  const first = end === -1 ? raw : raw.slice(0, end);
  if ((end === -1 || end === raw.length - 1) && /\s/.test(first)) return first.trim().split(/\s+/)[0] ?? "";
  return first;
}

export function processMatches(argv: readonly string[], p: Extract<PollSpec, { kind: "processes" }>): boolean {
  const prog = programOf(argv);
  return p.programs.includes(prog) || (p.containing ?? []).some((c) => prog.includes(c));
}

/**
 * The fingerprint of a poll on a system, read through `ctx` (the agent's poller reads the
 * host; the engine replays what the probe itself read, so the first poll compares with
 * what the fact saw).
 */
export async function pollFingerprint(p: PollSpec, ctx: ProbeContext): Promise<string> {
  switch (p.kind) {
    case "proc": {
      const parts: string[] = [];
      for (const rel of p.paths) parts.push(`${rel}=${(await procText(ctx, rel)).trim()}`);
      return parts.join("\n");
    }
    case "listeners": {
      const parts: string[] = [];
      for (const rel of p.paths) {
        const text = await procText(ctx, rel);
        const protocol = protocolOf(rel);
        parts.push(text === MISSING || text.startsWith("!") || !protocol ? `${rel}=${text}` : `${rel}=${digest(listenerLines(text, protocol).join("\n"))}`);
      }
      return parts.join("\n");
    }
    case "modules": {
      const text = await procText(ctx, "modules");
      return text === MISSING || text.startsWith("!") ? text : digest(moduleNames(text).join("\n"));
    }
    case "processes": {
      let pids: string[];
      try {
        pids = ((await ctx.host.procReaddir("")) ?? []).filter((n) => /^\d+$/.test(n));
      } catch (e) {
        return `!${describeError(e)}`;
      }
      const lines: string[] = [];
      for (const pid of pids) {
        let raw: string | null;
        try {
          raw = await ctx.host.procReadIfExists(`${pid}/cmdline`);
        } catch {
          continue; // gone meanwhile, or hidden: the probe says so on its own re-check
        }
        if (!raw) continue;
        // Most processes are not looked for: their program name decides without splitting argv.
        if (!processMatches([argv0(raw)], p)) continue;
        lines.push(`${pid} ${parseCmdline(raw).join(" ")}`);
      }
      return lines.sort().join("\n");
    }
    case "stat": {
      const parts: string[] = [];
      for (const hp of p.paths) parts.push(`${hp}=${await pathFingerprint(ctx.host, hp)}`);
      return parts.join("\n");
    }
    case "content": {
      const parts: string[] = [];
      for (const hp of p.paths) {
        let t: string;
        try {
          t = (await ctx.host.readFileIfExists(hp)) ?? MISSING;
        } catch (e) {
          t = `!${describeError(e)}`;
        }
        parts.push(`${hp}=${digest(t)}`);
      }
      return parts.join("\n");
    }
    case "unit-active": {
      const parts: string[] = [];
      for (const unit of p.units) {
        const a = await unitActiveState(ctx, unit);
        parts.push(`${unit}=${"active" in a ? a.active : "unknown" in a ? `?${a.unknown}` : "n/a"}`);
      }
      return parts.join("\n");
    }
    default:
      return assertNever(p, "poll kind");
  }
}

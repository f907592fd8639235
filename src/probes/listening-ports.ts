/**
 * listening-ports: the automated `netstat -plnt` + `lsof -i :PORT` + `ls -l /proc/PID/exe`.
 * Reads the kernel socket tables and maps each listening socket's inode to the process
 * holding it through /proc/PID/fd/* links (`socket:[INODE]`), like netstat and ss do.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { initProcPath } from "../host/running-system.js";
import { runningSystem } from "./kit/shared.js";
import { defineProbe, type Evidence, type ProbeContext } from "./types.js";
import { procReadsMatching, readsAnd } from "./kit/watch.js";
import { isListening, parseProcNet, socketTableGap, type ProcNetParse, type ProcNetProtocol } from "./parse/proc-net.js";

export interface Listener {
  protocol: "tcp" | "udp";
  family: 4 | 6;
  address: string;
  port: number;
  /** The lowest pid holding the socket (the parent, when a socket is shared after fork). */
  pid?: number;
  /** Every pid holding the socket, when more than one does. */
  pids?: number[];
  process?: string;
  exe?: string;
  cmdline?: string;
  inode: number;
}

export interface ListeningPortsFact {
  listeners: Listener[];
  count: number;
}

export interface SocketTable {
  protocol: ProcNetProtocol;
  /** Shown path, e.g. /proc/1/net/tcp. */
  file: string;
  /** null when the table does not exist (no IPv6, no UDP). */
  parse: ProcNetParse | null;
}

export interface SocketTables {
  /** proc-relative directory the tables were read from: `net` or `1/net`. */
  dir: string;
  tables: SocketTable[];
}

export interface SocketOwners {
  /** Socket inode → pids holding it, ascending. */
  byInode: Map<number, number[]>;
  /** Pids whose fds could not be read (permission). */
  denied: number[];
  /** Other per-process failures, one line each. */
  failures: string[];
}

export interface ProcessInfo {
  pid: number;
  process?: string;
  exe?: string;
  cmdline?: string;
}

const ALL_TABLES: readonly ProcNetProtocol[] = ["tcp", "tcp6", "udp", "udp6"];
// Enough parallelism to hide syscall latency without queueing thousands of promises.
const WALK_CONCURRENCY = 32;
const MAX_PROBLEMS_SHOWN = 10;

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A process that exited mid-walk: skip it without a word. */
function isGone(e: unknown): boolean {
  const code = errnoCode(e);
  return code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR";
}

function isDenied(e: unknown): boolean {
  const code = errnoCode(e);
  return code === "EACCES" || code === "EPERM";
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The four socket tables, read once per scan, in the scanned system's network namespace:
 * PID 1's `net/` when scanning a mounted host (see initProcPath).
 */
export function socketTables(ctx: ProbeContext): Promise<SocketTables> {
  return ctx.once("listening-ports:tables", async () => {
    const dir = await initProcPath(ctx.host, "net");
    const tables = await Promise.all(
      ALL_TABLES.map(async (protocol): Promise<SocketTable> => {
        const rel = `${dir}/${protocol}`;
        const text = await ctx.host.procReadIfExists(rel);
        return { protocol, file: `/proc/${rel}`, parse: text === null ? null : parseProcNet(text, protocol) };
      }),
    );
    return { dir, tables };
  });
}

/** Socket inode → owning pids, from every /proc/PID/fd/* link; once per scan. */
export function socketOwners(ctx: ProbeContext): Promise<SocketOwners> {
  return ctx.once("listening-ports:owners", async () => {
    const byInode = new Map<number, number[]>();
    const denied: number[] = [];
    const failures: string[] = [];
    const entries = (await ctx.host.procReaddir("")) ?? [];
    const pids = entries.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);

    await mapLimit(pids, WALK_CONCURRENCY, async (pid) => {
      let fds: string[] | null;
      try {
        fds = await ctx.host.procReaddir(`${pid}/fd`);
      } catch (e) {
        if (isGone(e)) return;
        if (isDenied(e)) denied.push(pid);
        else failures.push(`pid ${pid}: ${(e as Error).message}`);
        return;
      }
      if (!fds) return; // exited between the two readdirs
      let pidDenied = false;
      for (const fd of fds) {
        let target: string | null;
        try {
          target = await ctx.host.procReadlink(`${pid}/fd/${fd}`);
        } catch (e) {
          if (isDenied(e)) pidDenied = true;
          continue; // closed meanwhile, or the process went away
        }
        const m = target ? /^socket:\[(\d+)\]$/.exec(target) : null;
        if (!m) continue;
        const inode = Number(m[1]);
        const owners = byInode.get(inode);
        if (!owners) byInode.set(inode, [pid]);
        else if (!owners.includes(pid)) owners.push(pid);
      }
      if (pidDenied) denied.push(pid);
    });
    for (const owners of byInode.values()) owners.sort((a, b) => a - b);
    denied.sort((a, b) => a - b);
    return { byInode, denied, failures };
  });
}

/** comm, exe and cmdline of one process; fields it cannot read stay undefined. */
export function processInfo(ctx: ProbeContext, pid: number): Promise<ProcessInfo> {
  return ctx.once(`listening-ports:process:${pid}`, async () => {
    const info: ProcessInfo = { pid };
    const comm = await ctx.host.procReadIfExists(`${pid}/comm`).catch(() => null);
    if (comm) info.process = comm.replace(/\n$/, "");
    // exe is unreadable for kernel threads (ENOENT) and for other users' processes without
    // CAP_SYS_PTRACE (EACCES); both leave it undefined rather than failing the scan.
    const exe = await ctx.host.procReadlink(`${pid}/exe`).catch(() => null);
    if (exe) info.exe = exe;
    const cmdline = await ctx.host.procReadIfExists(`${pid}/cmdline`).catch(() => null);
    if (cmdline) {
      const argv = cmdline.split("\0");
      while (argv.length > 0 && argv[argv.length - 1] === "") argv.pop();
      if (argv.length > 0) info.cmdline = argv.join(" ");
    }
    return info;
  });
}

function listenerKey(l: Listener): string {
  return `${l.protocol}|${l.family}|${l.address}|${l.port}|${l.pid ?? ""}`;
}

function compareListeners(a: Listener, b: Listener): number {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.family !== b.family) return a.family - b.family;
  return (a.pid ?? -1) - (b.pid ?? -1);
}

const params = lazySchema((z) => z.strictObject({
  protocols: z
    .array(z.enum(["tcp", "udp"]))
    .min(1)
    .default(["tcp", "udp"])
    .describe("Which socket tables to read; both by default."),
}));

export default defineProbe({
  id: "listening-ports",
  summary: "Listening TCP/UDP sockets from /proc/net, with the owning process (pid, name, exe, cmdline)",
  params,
  fields: ["listeners", "count"],
  /** The socket tables' listening sockets, polled (procfs raises no events); a changed one re-reads the owners. */
  watch(_p, seen) {
    const tables = procReadsMatching(seen.reads, /(^|\/)net\/(tcp|udp)6?$/);
    return readsAnd(seen.reads, { poll: tables.length > 0 ? [{ kind: "listeners", paths: tables }] : [] });
  },
  async collect(ctx, p) {
    const wanted = new Set<string>(p.protocols);
    const { tables } = await socketTables(ctx);
    const used = tables.filter((t) => wanted.has(t.protocol.replace("6", "")));
    const notes: Evidence[] = [];

    const found: Listener[] = [];
    const gaps: string[] = [];
    for (const t of used) {
      if (!t.parse) {
        notes.push({ file: t.file, detail: `${t.file} does not exist (${t.protocol.endsWith("6") ? "IPv6 disabled?" : "protocol not available?"}); skipped` });
        continue;
      }
      for (const pr of t.parse.problems.slice(0, MAX_PROBLEMS_SHOWN)) {
        notes.push({ file: t.file, line: pr.line, detail: `unparsed line: ${pr.message}` });
      }
      if (t.parse.problems.length > MAX_PROBLEMS_SHOWN) {
        notes.push({ file: t.file, detail: `${t.parse.problems.length - MAX_PROBLEMS_SHOWN} more unparsed lines` });
      }
      const gap = socketTableGap(t.parse, t.file);
      if (gap !== undefined) gaps.push(gap);
      for (const s of t.parse.sockets) {
        if (!isListening(s, t.protocol)) continue;
        found.push({
          protocol: t.protocol.startsWith("tcp") ? "tcp" : "udp",
          family: t.protocol.endsWith("6") ? 6 : 4,
          address: s.localAddress,
          port: s.localPort,
          inode: s.inode,
        });
      }
    }

    if (used.every((t) => !t.parse)) {
      const reason = `no socket table could be read (${used.map((t) => t.file).join(", ")}); is procfs mounted at ${ctx.host.proc}?`;
      // An offline root (a mounted image, no --proc) has no running sockets: the check does
      // not apply there. On the live host (or with --proc given) missing tables are an error.
      const sys = await runningSystem(ctx);
      return {
        value: { listeners: [], count: 0 },
        evidence: notes,
        ...(!sys.running
          ? { inapplicable: `listening sockets exist only on a running system; ${sys.reason} (pass --proc to scan one)` }
          : { unknown: { listeners: reason, count: reason } }),
      };
    }

    // Only walk /proc/*/fd when there is something to attribute.
    if (found.length > 0) {
      const owners = await socketOwners(ctx);
      await Promise.all(
        found.map(async (l) => {
          // inode 0 means the socket is not attached to a file (never a real listener's case).
          const pids = l.inode !== 0 ? owners.byInode.get(l.inode) : undefined;
          if (!pids || pids.length === 0) return;
          const info = await processInfo(ctx, pids[0] as number);
          l.pid = info.pid;
          if (pids.length > 1) l.pids = [...pids];
          if (info.process !== undefined) l.process = info.process;
          if (info.exe !== undefined) l.exe = info.exe;
          if (info.cmdline !== undefined) l.cmdline = info.cmdline;
        }),
      );
      if (owners.denied.length > 0) {
        const shown = owners.denied.slice(0, 20).map((pid) => `/proc/${pid}/fd`).join(", ");
        notes.push({
          detail: `permission denied reading the open files of ${owners.denied.length} process(es) (${shown}${owners.denied.length > 20 ? ", …" : ""}); sockets they hold show no pid`,
        });
      }
      for (const f of owners.failures.slice(0, MAX_PROBLEMS_SHOWN)) notes.push({ detail: f });
      // Processes the procfs does not list (hidepid=invisible) hold sockets that show no owner.
      const hidden = await ctx.host.hiddenProcesses();
      if (hidden !== null) notes.push({ detail: `sockets held by processes not listed show no pid: ${hidden}` });
    }

    const seen = new Set<string>();
    const listeners = found
      .sort((a, b) => compareListeners(a, b) || a.inode - b.inode)
      .filter((l) => {
        const k = listenerKey(l);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });

    const evidence: Evidence[] = listeners.map((l) => {
      const e: Evidence = { protocol: l.protocol, address: l.address, port: l.port };
      if (l.pid !== undefined) e.pid = l.pid;
      if (l.process !== undefined) e.process = l.process;
      if (l.exe !== undefined) e.exe = l.exe;
      return e;
    });

    // What is listed is shown, but the list is not the whole answer: each/none over it is open.
    const unseen = gaps.length > 0 ? gaps.join("; ") : undefined;
    return {
      value: { listeners, count: listeners.length },
      evidence: [...evidence, ...notes],
      ...(unseen !== undefined ? { unknown: { listeners: unseen, count: unseen } } : {}),
    };
  },
});

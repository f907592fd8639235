/**
 * Runs, journal and backups under `<state-dir>/runs/<run-id>/`:
 *
 *   status.json     { runId, status, pid, pidStart, root, startedAt, … } (replaced atomically)
 *   journal.jsonl   one JSON line per event, appended and fsynced: `intent` BEFORE a change
 *                   (naming its backup and temp file), `done` / `failed` after it
 *   backups/<step>.json  what the file was (existed, mode, uid, gid, sha256) or a link-tree snapshot
 *   backups/<step>.bin   its bytes
 *
 * Order per change: backup (fsync) → intent (fsync) → change → done (fsync). A run killed
 * anywhere leaves either no intent (nothing changed) or an intent whose backup is durable,
 * which is all rollback needs. xattrs are not backed up: Node has no xattr API and
 * getfattr is not on a minimal Debian (package `attr`); said in the report.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants as fsc, readFileSync } from "node:fs";
import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { fsyncDir, writeFileDurable } from "../util/durable-write.js";
import type { Change } from "./types.js";
import { NodewardError } from "../errors.js";

export const DEFAULT_STATE_DIR = "/var/lib/nodeward";

export type RunStatus = "running" | "complete" | "failed" | "rolling-back" | "rolled-back";

export interface RunInfo {
  runId: string;
  status: RunStatus;
  pid: number;
  /** /proc/<pid>/stat start time, so a recycled pid is not mistaken for the run's process. */
  pidStart?: string;
  /** Host root the run changed ("/" for the live host). */
  root: string;
  startedAt: string;
  finishedAt?: string;
  /** Check keys the run fixed (for `runs`). */
  checks: string[];
  /** Changes applied (done entries). */
  changes: number;
  /** Hook steps passed (see crashPoint): what a fault-injection test iterates over. */
  steps?: number;
  rolledBackAt?: string;
  message?: string;
}

export interface FileBackup {
  kind: "file";
  path: string;
  existed: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  sha256?: string;
  /** Relative to the run dir: backups/<step>.bin */
  data?: string;
}

export interface LinkEntry {
  /** Host path. */
  path: string;
  type: "link" | "dir";
  target?: string;
}

export interface LinksBackup {
  kind: "links";
  /** Host paths of the snapshotted trees (/etc/systemd/system, /etc/rc?.d). */
  dirs: string[];
  entries: LinkEntry[];
}

export type Backup = FileBackup | LinksBackup;

export interface JournalEntry {
  t: "intent" | "done" | "failed";
  step: number;
  at: string;
  check: string;
  action: string;
  change: Change;
  /** Relative path of the backup meta (backups/<step>.json). */
  backup?: string;
  /** Further file backups (a package's conffiles before a purge): kept for the operator. */
  extraBackups?: string[];
  /** Real path of the temp file an atomic write uses (removed by rollback if left over). */
  tmp?: string;
  error?: string;
}

/** Fault injection for tests: SIGKILL ourselves after hook step N. */
let stepsPassed = 0;
export function crashPoint(): void {
  stepsPassed++;
  const n = process.env.NODEWARD_TEST_CRASH_AFTER_STEP;
  // Honoured only with NODE_ENV=test as well: a stray variable in an operator's environment
  // must never kill a real remediation half-way (it would be recoverable, but alarming).
  if (n !== undefined && process.env.NODE_ENV === "test" && Number(n) === stepsPassed) {
    process.kill(process.pid, "SIGKILL");
  }
}
export function stepsSoFar(): number {
  return stepsPassed;
}

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime); skip the comm field, which may hold spaces and parens.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}

export class RunStore {
  readonly runsDir: string;
  /** Where a recovered problem (a stale or corrupt lock, a corrupt run) is told. Default: stderr. */
  onNotice: (message: string) => void = (m) => {
    process.stderr.write(`nodeward: ${m}\n`);
  };

  constructor(readonly stateDir: string = DEFAULT_STATE_DIR) {
    this.runsDir = path.join(stateDir, "runs");
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith(".")) throw new NodewardError("RUN_ID_INVALID", { id: JSON.stringify(runId) });
    return path.join(this.runsDir, runId);
  }

  async list(): Promise<RunInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch {
      return [];
    }
    const out: RunInfo[] = [];
    for (const n of names.sort()) {
      if (n.startsWith(".")) continue;
      try {
        out.push(await this.info(n));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // not a run directory
        this.onNotice(`${(e as Error).message}; that run is left out (its backups are still in ${this.runDir(n)})`);
      }
    }
    return out;
  }

  async info(runId: string): Promise<RunInfo> {
    const file = path.join(this.runDir(runId), "status.json");
    const text = await readFile(file, "utf8");
    let info: unknown;
    try {
      info = JSON.parse(text);
    } catch (e) {
      throw new NodewardError("RUN_FILE_UNREADABLE", { run: runId, file, problem: text.trim() === "" ? "empty" : `not valid JSON (${(e as Error).message})` });
    }
    if (info === null || typeof info !== "object" || typeof (info as RunInfo).status !== "string" || typeof (info as RunInfo).runId !== "string") {
      throw new NodewardError("RUN_FILE_NOT_STATUS", { run: runId, file });
    }
    return info as RunInfo;
  }

  /** Runs left `running` (or `rolling-back`) by a process that is gone: killed or crashed. */
  async unfinished(): Promise<RunInfo[]> {
    return (await this.list()).filter((r) => (r.status === "running" || r.status === "rolling-back") && !processAlive(r.pid, r.pidStart));
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    const text = await readFile(path.join(this.runDir(runId), "journal.jsonl"), "utf8").catch(() => "");
    const out: JournalEntry[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        out.push(JSON.parse(line) as JournalEntry);
      } catch {
        // A torn last line (killed mid-append before fsync) was never acted on.
      }
    }
    return out;
  }

  async readBackup(runId: string, rel: string): Promise<{ meta: Backup; data?: Buffer }> {
    const dir = this.runDir(runId);
    const meta = JSON.parse(await readFile(path.join(dir, rel), "utf8")) as Backup;
    if (meta.kind === "file" && meta.data) {
      const data = await readFile(path.join(dir, meta.data));
      if (meta.sha256 && sha256(data) !== meta.sha256) throw new NodewardError("BACKUP_CORRUPT", { backup: meta.data, path: meta.path });
      return { meta, data };
    }
    return { meta };
  }

  async create(root: string): Promise<Run> {
    await mkdir(this.runsDir, { recursive: true, mode: 0o700 });
    const runId = newRunId();
    const dir = this.runDir(runId);
    await mkdir(path.join(dir, "backups"), { recursive: true, mode: 0o700 });
    const info: RunInfo = {
      runId,
      status: "running",
      pid: process.pid,
      ...(processStart(process.pid) ? { pidStart: processStart(process.pid) as string } : {}),
      root,
      startedAt: new Date().toISOString(),
      checks: [],
      changes: 0,
    };
    const run = new Run(this, runId, dir, info);
    await run.saveStatus();
    await fsyncDir(this.runsDir);
    return run;
  }

  async open(runId: string): Promise<Run> {
    return new Run(this, runId, this.runDir(runId), await this.info(runId));
  }

  /** One remediation or rollback at a time per state dir. */
  async lock(): Promise<() => Promise<void>> {
    await mkdir(this.runsDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.runsDir, ".lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
        try {
          await fh.writeFile(JSON.stringify({ pid: process.pid, start: processStart(process.pid) }));
          await fh.sync();
        } catch (e) {
          // A full disk must not leave an empty lock behind for the next run to trip on.
          await fh.close().catch(() => undefined);
          await unlink(file).catch(() => undefined);
          throw new NodewardError("STATE_WRITE_FAILED", { file, reason: (e as Error).message }, { cause: e });
        }
        await fh.close();
        return async () => {
          await unlink(file).catch(() => undefined);
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const text = await readFile(file, "utf8").catch(() => "");
        let holder: { pid?: unknown; start?: unknown } | undefined;
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed !== null && typeof parsed === "object") holder = parsed as { pid?: unknown; start?: unknown };
        } catch {
          holder = undefined;
        }
        if (holder === undefined || typeof holder.pid !== "number" || !Number.isInteger(holder.pid) || holder.pid <= 0) {
          // Empty (a disk full while it was written, a kill) or corrupt: no process can be holding it.
          this.onNotice(`${file} was ${text.trim() === "" ? "empty" : "corrupt"} (left by a run killed, or a full disk, while it took the lock): removed it`);
          await unlink(file).catch(() => undefined);
          continue;
        }
        if (processAlive(holder.pid, typeof holder.start === "string" ? holder.start : undefined)) {
          throw new NodewardError("LOCK_HELD", { pid: holder.pid, file });
        }
        this.onNotice(`${file} was left by pid ${holder.pid}, which is gone: removed it`);
        await unlink(file).catch(() => undefined); // stale: its process is gone
      }
    }
    throw new NodewardError("LOCK_NOT_TAKEN", { file });
  }
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export class Run {
  private step = 0;

  constructor(
    readonly store: RunStore,
    readonly runId: string,
    readonly dir: string,
    readonly info: RunInfo,
  ) {}

  async saveStatus(): Promise<void> {
    await writeFileDurable(path.join(this.dir, "status.json"), JSON.stringify(this.info, null, 2) + "\n");
  }

  async setStatus(status: RunStatus, extra: Partial<RunInfo> = {}): Promise<void> {
    Object.assign(this.info, extra, { status });
    await this.saveStatus();
  }

  nextStep(): number {
    return ++this.step;
  }

  /** Append one journal line and fsync it before returning. */
  async append(entry: Omit<JournalEntry, "at">): Promise<void> {
    const line = JSON.stringify({ ...entry, at: new Date().toISOString() }) + "\n";
    const file = path.join(this.dir, "journal.jsonl");
    const fh = await open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, 0o600);
    try {
      await fh.write(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Store a backup durably; returns its meta path relative to the run dir. */
  async saveBackup(name: string | number, meta: Backup, data?: Buffer): Promise<string> {
    const rel = `backups/${name}.json`;
    if (meta.kind === "file" && data) {
      meta.data = `backups/${name}.bin`;
      meta.sha256 = sha256(data);
      await writeFileDurable(path.join(this.dir, meta.data), data);
    }
    await writeFileDurable(path.join(this.dir, rel), JSON.stringify(meta) + "\n");
    return rel;
  }
}

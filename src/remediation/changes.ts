/**
 * One executor per change kind, for apply and for rollback. Every apply follows the
 * same order: re-check the file against the plan → backup (fsync) → journal intent
 * (fsync) → change (atomic) → journal done. `crashPoint()` after each durable step is
 * the fault-injection hook (journal.ts).
 */
import { readlink, rmdir, symlink, unlink, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { CommandResult, CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import { assertNever } from "../util/assert-never.js";
import { fsyncDir } from "../util/durable-write.js";
import {
  atomicWrite,
  lstatOrNull,
  makeDirs,
  readFileNoFollow,
  statNoFollow,
  removeEmptyDirs,
  safeLinkTarget,
  safeTarget,
  setModeOwner,
  tempNameFor,
} from "./atomic.js";
import { crashPoint, sha256, type FileBackup, type JournalEntry, type LinkEntry, type LinksBackup, type Run } from "./journal.js";
import type { Change, FileState, UnitChange } from "./types.js";
import { NodewardError, type MessageArgs } from "../errors.js";

/**
 * Where `systemctl enable/disable/mask` writes: the unit config dir, and on Debian the
 * SysV rc links that systemd-sysv-install (update-rc.d) changes for units with an init script.
 */
export const UNIT_LINK_DIRS = ["/etc/systemd/system", ...["0", "1", "2", "3", "4", "5", "6", "S"].map((r) => `/etc/rc${r}.d`)];

export interface ExecContext {
  host: HostRoot;
  run: CommandRunner;
  journal: Run;
  check: string;
  action: string;
}

export class ChangeFailed extends NodewardError {
  constructor(...args: MessageArgs<"CHANGE_FAILED">) {
    super(...args);
    this.name = "ChangeFailed";
  }
}

function sameState(a: { bytes: Buffer; mode: number; uid: number; gid: number } | null, b: FileState | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.bytes.equals(Buffer.from(b.content, "utf8"));
}

async function backupFile(ctx: ExecContext, step: number | string, hostPath: string): Promise<string> {
  const real = await safeTarget(ctx.host, hostPath);
  const cur = await readFileNoFollow(real);
  const meta: FileBackup = cur
    ? { kind: "file", path: hostPath, existed: true, mode: cur.mode, uid: cur.uid, gid: cur.gid }
    : { kind: "file", path: hostPath, existed: false };
  return ctx.journal.saveBackup(step, meta, cur?.bytes);
}

function commandOk(r: CommandResult, what: string): void {
  if (r.failed) throw new ChangeFailed("CHANGE_COMMAND_FAILED", { what, reason: r.reason ?? `exit ${r.exitCode}` });
}

/** Host `systemctl` argv for a unit op, offline through --root. */
function systemctlArgv(host: HostRoot, op: string, unit: string): string[] {
  return host.isLive ? ["systemctl", op, unit] : ["systemctl", `--root=${host.root}`, "--no-reload", op, unit];
}

/** Apply one change with its journal entries and backup. Returns false when it was already in place. */
export async function applyChange(change: Change, ctx: ExecContext): Promise<boolean> {
  const base = { check: ctx.check, action: ctx.action };
  const step = ctx.journal.nextStep();
  switch (change.kind) {
    case "write-file": {
      const real = await safeTarget(ctx.host, change.path);
      const cur = await readFileNoFollow(real);
      if (sameState(cur, change.after)) return false;
      if (!sameState(cur, change.before)) {
        throw new ChangeFailed("CHANGE_STALE", { path: change.path });
      }
      const backup = await backupFile(ctx, step, change.path);
      crashPoint();
      const tmp = tempNameFor(real, `${ctx.journal.runId}-${step}`);
      await ctx.journal.append({ t: "intent", step, ...base, change, backup, tmp });
      crashPoint();
      await makeDirs(ctx.host, change.mkdirs ?? []);
      await atomicWrite(real, Buffer.from(change.after.content, "utf8"), {
        ...change.after,
        tag: `${ctx.journal.runId}-${step}`,
        beforeRename: crashPoint,
      });
      crashPoint();
      break;
    }
    case "chmod":
    case "chown": {
      const real = await safeTarget(ctx.host, change.path);
      const cur = await statNoFollow(real);
      if (!cur) throw new ChangeFailed("CHANGE_TARGET_GONE", { path: change.path });
      if (change.kind === "chmod" ? cur.mode === change.to : cur.uid === change.to.uid && cur.gid === change.to.gid) return false;
      // Rollback restores mode and owner only: the backup holds those, never the file's bytes.
      const meta: FileBackup = { kind: "file", path: change.path, existed: true, mode: cur.mode, uid: cur.uid, gid: cur.gid };
      const backup = await ctx.journal.saveBackup(step, meta);
      crashPoint();
      await ctx.journal.append({ t: "intent", step, ...base, change, backup });
      crashPoint();
      await setModeOwner(real, change.kind === "chmod" ? { mode: change.to } : { ...change.to, mode: cur.mode });
      crashPoint();
      break;
    }
    case "unit": {
      const snapshot = await snapshotLinks(ctx.host, UNIT_LINK_DIRS);
      const backup = await ctx.journal.saveBackup(step, snapshot);
      crashPoint();
      const recorded: UnitChange = { ...change };
      if (ctx.host.isLive && change.ops.includes("stop")) {
        const r = await ctx.run(["systemctl", "is-active", change.unit], { timeoutMs: 10_000 });
        recorded.wasActive = r.stdout.trim() === "active";
      }
      await ctx.journal.append({ t: "intent", step, ...base, change: recorded, backup });
      crashPoint();
      for (const op of change.ops) {
        if (op === "stop" && !ctx.host.isLive) continue;
        const argv = systemctlArgv(ctx.host, op, change.unit);
        commandOk(await ctx.run(argv, { timeoutMs: 90_000 }), argv.join(" "));
      }
      crashPoint();
      break;
    }
    case "command": {
      if (!ctx.host.isLive) throw new ChangeFailed("CHANGE_LIVE_ONLY", { command: change.argv.join(" ") });
      const extraBackups: string[] = [];
      for (const [i, f] of (change.backupFiles ?? []).entries()) {
        extraBackups.push(await backupFile(ctx, `${step}-${i}`, f));
      }
      crashPoint();
      await ctx.journal.append({ t: "intent", step, ...base, change, ...(extraBackups.length ? { extraBackups } : {}) });
      crashPoint();
      commandOk(
        await ctx.run(change.argv, { timeoutMs: change.timeoutMs ?? 60_000, ...(change.env ? { env: change.env } : {}) }),
        change.argv.join(" "),
      );
      crashPoint();
      break;
    }
    default:
      // Never journal "done" for a change that was not made.
      assertNever(change, "change kind");
  }
  await ctx.journal.append({ t: "done", step, ...base, change });
  crashPoint();
  return true;
}

// --------------------------------------------------------------------------------------
// Link trees (systemd enablement): snapshot and exact restore.
// --------------------------------------------------------------------------------------

export async function snapshotLinks(host: HostRoot, dirs: readonly string[]): Promise<LinksBackup> {
  const entries: LinkEntry[] = [];
  const walk = async (real: string, hp: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(real)).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const r = path.join(real, n);
      const h = path.posix.join(hp, n);
      const st = await lstatOrNull(r);
      if (!st) continue;
      if (st.isSymbolicLink()) entries.push({ path: h, type: "link", target: await readlink(r) });
      else if (st.isDirectory()) {
        entries.push({ path: h, type: "dir" });
        await walk(r, h);
      }
    }
  };
  for (const d of dirs) {
    // The trees themselves are resolved inside the root; their contents are never followed.
    const real = await safeTarget(host, d).catch(() => null);
    if (real && (await lstatOrNull(real))?.isDirectory()) await walk(real, d);
  }
  return { kind: "links", dirs: [...dirs], entries };
}

/** Make the link tree under snapshot.dir equal to the snapshot (regular files are never touched). */
export async function restoreLinks(host: HostRoot, snapshot: LinksBackup): Promise<string[]> {
  const now = await snapshotLinks(host, snapshot.dirs);
  const want = new Map(snapshot.entries.map((e) => [e.path, e]));
  const have = new Map(now.entries.map((e) => [e.path, e]));
  const done: string[] = [];
  // Remove links that were added or retargeted (deepest first so dirs can go after).
  for (const e of [...now.entries].reverse()) {
    const w = want.get(e.path);
    if (e.type === "link" && (!w || w.type !== "link" || w.target !== e.target)) {
      await unlink(await safeLinkTarget(host, e.path));
      done.push(`removed ${e.path} -> ${e.target}`);
    } else if (e.type === "dir" && !w) {
      await rmdir(await safeTarget(host, e.path)).catch(() => undefined);
    }
  }
  for (const e of snapshot.entries) {
    const h = have.get(e.path);
    const real = await safeLinkTarget(host, e.path);
    if (e.type === "dir" && !(await lstatOrNull(real))) await mkdir(real, { mode: 0o755 });
    if (e.type === "link" && (!h || h.type !== "link" || h.target !== e.target)) {
      await symlink(e.target as string, real);
      done.push(`restored ${e.path} -> ${e.target}`);
    }
  }
  for (const d of snapshot.dirs) await fsyncDir(await host.resolve(d, true)).catch(() => undefined);
  return done;
}

// --------------------------------------------------------------------------------------
// Rollback of one journal intent.
// --------------------------------------------------------------------------------------

export interface RollbackOutcome {
  restored: string[];
  /** What rollback cannot do itself, for the operator (exact commands). */
  manual: string[];
  failed: string[];
}

export interface RollbackExecContext {
  host: HostRoot;
  run: CommandRunner;
  readBackup(rel: string): Promise<{ meta: import("./journal.js").Backup; data?: Buffer }>;
  /** Run `undo` commands / reinstall commands (package reinstall needs the operator's say-so). */
  reinstall: boolean;
}

export async function rollbackEntry(entry: JournalEntry, ctx: RollbackExecContext, out: RollbackOutcome): Promise<void> {
  const c = entry.change;
  if (entry.tmp) await unlink(entry.tmp).catch(() => undefined); // a temp file left by a kill before rename
  switch (c.kind) {
    case "write-file": {
      if (!entry.backup) return;
      const { meta, data } = await ctx.readBackup(entry.backup);
      if (meta.kind !== "file") return;
      const real = await safeTarget(ctx.host, c.path);
      const cur = await readFileNoFollow(real);
      if (meta.existed && data) {
        const same = cur && cur.bytes.equals(data) && cur.mode === meta.mode && cur.uid === meta.uid && cur.gid === meta.gid;
        if (!same) {
          await atomicWrite(real, data, { mode: meta.mode as number, uid: meta.uid as number, gid: meta.gid as number, tag: "rollback" });
        }
        out.restored.push(`${c.path}: restored (sha256 ${sha256(data).slice(0, 12)}…, mode ${(meta.mode as number).toString(8).padStart(4, "0")}, owner ${meta.uid}:${meta.gid})`);
      } else {
        if (cur) {
          await unlink(real);
          await fsyncDir(path.dirname(real));
        }
        await removeEmptyDirs(ctx.host, c.mkdirs ?? []);
        out.restored.push(`${c.path}: removed (nodeward created it)`);
      }
      return;
    }
    case "chmod":
    case "chown": {
      if (!entry.backup) return;
      const { meta } = await ctx.readBackup(entry.backup);
      if (meta.kind !== "file" || !meta.existed) return;
      const real = await safeTarget(ctx.host, c.path);
      await setModeOwner(real, { mode: meta.mode as number, uid: meta.uid as number, gid: meta.gid as number });
      out.restored.push(`${c.path}: mode ${(meta.mode as number).toString(8).padStart(4, "0")}, owner ${meta.uid}:${meta.gid} restored`);
      return;
    }
    case "unit": {
      if (!entry.backup) return;
      const { meta } = await ctx.readBackup(entry.backup);
      if (meta.kind !== "links") return;
      const did = await restoreLinks(ctx.host, meta);
      out.restored.push(`${c.unit}: enablement restored${did.length ? ` (${did.join("; ")})` : " (unchanged)"}`);
      if (ctx.host.isLive) {
        const reload = await ctx.run(["systemctl", "daemon-reload"], { timeoutMs: 90_000 });
        if (reload.failed) out.failed.push(`systemctl daemon-reload: ${reload.reason}`);
        if (c.wasActive) {
          const r = await ctx.run(["systemctl", "start", c.unit], { timeoutMs: 90_000 });
          if (r.failed) out.failed.push(`systemctl start ${c.unit}: ${r.reason}`);
          else out.restored.push(`${c.unit}: started again`);
        }
      }
      return;
    }
    case "command": {
      if (c.manualUndo) {
        if (ctx.reinstall && c.undo && ctx.host.isLive) {
          const r = await ctx.run(c.undo, { timeoutMs: 300_000, ...(c.env ? { env: c.env } : {}) });
          if (r.failed) out.failed.push(`${c.undo.join(" ")}: ${r.reason}`);
          else out.restored.push(`ran ${c.undo.join(" ")}`);
        } else out.manual.push(c.manualUndo);
        return;
      }
      if (c.undo) {
        if (!ctx.host.isLive) return;
        const r = await ctx.run(c.undo, { timeoutMs: 60_000 });
        if (r.failed) out.failed.push(`${c.undo.join(" ")}: ${r.reason}`);
        else out.restored.push(`ran ${c.undo.join(" ")}`);
      }
      return;
    }
    default:
      assertNever(c, "change kind");
  }
}

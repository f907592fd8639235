/**
 * audit-rules: the kernel audit rules — the ones augenrules loads at boot (every
 * /etc/audit/rules.d/*.rules in name order; /etc/audit/audit.rules when rules.d is absent)
 * and, on the live host, the ones loaded now (`auditctl -l`, read-only). On an offline
 * root the loaded rules do not exist (not applicable); where auditctl is missing or fails
 * on a running host they are unknown, never "none".
 *
 * CIS writes the rules for user actions with `-F auid>=UID_MIN`, UID_MIN being the
 * scanned root's /etc/login.defs value (1000 when unset, said in the evidence). A field
 * `auid>=N` with N that value reads `auid>=UID_MIN`, so one expectation serves every site;
 * another number stays as written (and fails). Where login.defs cannot be read and a rule
 * has an `auid>=` field, the rules are unknown.
 *
 * With `sudoLogfile: true` it also names sudo's log file — the global `Defaults logfile=` of
 * /etc/sudoers and the files it includes, as the sudoers probe reads them — and the watches
 * on it (CIS x.3.3: the benchmark's audit takes the path from sudoers, not a fixed
 * /var/log/sudo.log). No logfile set: `sudoLogfile` is null (CIS: "SUDO_LOG_FILE is unset",
 * a failure) and the watches do not apply; sudoers unreadable: all are unknown. A scoped
 * `Defaults:alice logfile=…` is a file sudo logs to as well (the benchmark's audit takes any
 * line naming logfile): `sudoScopedLogfiles` lists each with whether a `-p wa`-style watch
 * (perms w and a) is on disk, and loaded (null where the loaded rules do not apply).
 */
import path from "node:path";
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { pushAll } from "../util/array.js";
import { runningSystem } from "./kit/shared.js";
import { parseAuditRules, type AuditRule } from "./parse/audit-rules.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { findExecutable, unavailable } from "./kit/executable.js";
import { cannotRead, MAX_DROPIN_FILES } from "./kit/read.js";
import { uidMinOf } from "./kit/uid-min.js";
import { SUDOERS, sudoersPolicy, type SudoersFact } from "./kit/sudoers-policy.js";

export { parseAuditRules } from "./parse/audit-rules.js";

export const RULES_D = "/etc/audit/rules.d";
export const AUDIT_RULES = "/etc/audit/audit.rules";

export interface AuditRulesFact {
  /** The files boot loads. */
  files: string[];
  /** Rules on disk (watches, syscall rules, control lines), with their file. */
  rules: (AuditRule & { file: string })[];
  /** The last `-e` on disk is 2: the configuration is locked until reboot. */
  immutable: boolean;
  /** Rules loaded in the kernel now (`auditctl -l`). */
  loaded?: AuditRule[];
  /** UID_MIN of /etc/login.defs (1000 when unset): `auid>=` that number reads `auid>=UID_MIN` in `fields`. */
  uidMin?: number;
  /** (`sudoLogfile: true`) sudo's log file (global `Defaults logfile=`), null when sudo sets none. */
  sudoLogfile?: string | null;
  /** (`sudoLogfile: true`) the watches on disk on that file. */
  sudoLogWatches?: (AuditRule & { file: string })[];
  /** (`sudoLogfile: true`) the loaded watches on that file (`auditctl -l`, live host). */
  sudoLogWatchesLoaded?: AuditRule[];
  /** (`sudoLogfile: true`) every scoped `Defaults…logfile=`: watched (w and a) on disk, and loaded (null offline). */
  sudoScopedLogfiles?: { key: string; path: string; file: string; line: number; watched: boolean; loaded: boolean | null }[];
}

const SUDO_LOG_FIELDS = ["sudoLogfile", "sudoLogWatches", "sudoLogWatchesLoaded", "sudoScopedLogfiles"] as const;

/** sudo's log file and where it is set, or why there is none, or why it is not known. */
type SudoScoped = SudoersFact["scopedLogfiles"];

async function sudoLog(ctx: ProbeContext): Promise<({ path: string; evidence: Evidence } | { unset: Evidence }) & { scoped: SudoScoped } | { unknown: string }> {
  const policy = await sudoersPolicy(ctx);
  if (policy.unreadable.length > 0) return { unknown: `${cannotRead(policy.unreadable)}, so sudo's log file is not known` };
  const scoped = policy.fact.scopedLogfiles;
  const set = policy.fact.logfile;
  if (set === undefined) {
    const where = policy.fact.exists ? `no Defaults logfile= in ${SUDOERS} or the files it includes` : `${SUDOERS} does not exist`;
    return { unset: { file: SUDOERS, detail: `${where}: sudo keeps no log file of its own, so there is none to watch (see 5.2.3)` }, scoped };
  }
  const line = policy.fact.defaults.filter((d) => d.scope === "" && d.name === "logfile").at(-1);
  return { path: set, evidence: line ? { file: line.file, line: line.line, key: "Defaults logfile", detail: set } : { file: SUDOERS, key: "Defaults logfile", detail: set }, scoped };
}

/** A watch on `p` whose perms hold w and a (what x.3.3 asks of the sudo log). */
const watchesWa = (rules: readonly AuditRule[], p: string) => rules.some((r) => r.kind === "watch" && samePath(r.path, p) && (r.perms ?? "").includes("w") && (r.perms ?? "").includes("a"));

const samePath = (a: string | undefined, b: string) => a !== undefined && path.posix.normalize(a) === path.posix.normalize(b);

/** `auid>=<UID_MIN>` → `auid>=UID_MIN`. */
function symbolicUidMin<R extends AuditRule>(rules: R[], uidMin: number): R[] {
  const exact = `auid>=${uidMin}`;
  return rules.map((r) => (r.fields.includes(exact) ? { ...r, fields: r.fields.map((f) => (f === exact ? "auid>=UID_MIN" : f)) } : r));
}

const hasAuidMin = (rules: readonly AuditRule[]) => rules.some((r) => r.fields.some((f) => f.startsWith("auid>=")));

interface Disk {
  files: string[];
  rules: (AuditRule & { file: string })[];
  problems: Evidence[];
  unreadable: string[];
}

async function diskRules(ctx: ProbeContext): Promise<Disk> {
  const out: Disk = { files: [], rules: [], problems: [], unreadable: [] };
  let names: string[] | null = null;
  try {
    names = await ctx.host.readdir(RULES_D);
  } catch (e) {
    if (!isMissing(e)) out.unreadable.push(`${RULES_D}: ${describeError(e)}`);
  }
  const files = names === null ? [AUDIT_RULES] : names.filter((n) => n.endsWith(".rules")).sort().map((n) => `${RULES_D}/${n}`);
  if (files.length > MAX_DROPIN_FILES) {
    out.unreadable.push(`${RULES_D}: ${files.length} rules files, over the ${MAX_DROPIN_FILES}-file cap, none read`);
    return out;
  }
  for (const file of files) {
    try {
      const st = await ctx.host.stat(file);
      // A directory is skipped; a FIFO, device or socket is read (and refused), so it is an error naming it, not absent.
      if (st === null || st.isDirectory()) continue;
      const parsed = parseAuditRules(await ctx.host.readFile(file));
      out.files.push(file);
      for (const r of parsed.rules) out.rules.push({ ...r, file });
      pushAll(out.problems, parsed.problems.slice(0, 5).map((p) => ({ file, line: p.line, detail: `unparsed line: ${p.message}` })));
    } catch (e) {
      out.unreadable.push(`${file}: ${describeError(e)}`);
    }
  }
  return out;
}

type Loaded = { rules: AuditRule[] } | { notApplicable: string } | { unknown: string };

async function loadedRules(ctx: ProbeContext): Promise<Loaded> {
  const running = await runningSystem(ctx);
  if (!running.running) return { notApplicable: `no running kernel to ask (${running.reason})` };
  if (!ctx.host.isLive) return { unknown: "the loaded rules of a mounted host cannot be asked from here (auditctl runs on this machine's kernel)" };
  // Looked up by a stat per PATH directory (a bare name costs one execve per directory when
  // auditctl is absent); a directory that could not be searched is named, never "not installed".
  const exe = await findExecutable(ctx, "auditctl");
  if ("missing" in exe) return { unknown: `${unavailable("auditctl", exe)}: the loaded rules cannot be read` };
  const r = await ctx.run([exe.path, "-l"], { timeoutMs: ctx.commandTimeoutMs });
  if (r.notFound) return { unknown: `auditctl could not be started (${r.reason ?? "not found"}): the loaded rules cannot be read` };
  if (r.timedOut) return { unknown: "auditctl -l timed out: the loaded rules were not read" };
  if (r.failed) {
    const why = r.reason ?? r.stderr.trim().slice(0, 200);
    // Listing the kernel's rules takes CAP_AUDIT_CONTROL (auditctl refuses without it, the
    // kernel answers EPERM): the non-root agent cannot see them, which is not "no rules".
    if (/must be root|Operation not permitted/i.test(r.stderr)) return { unknown: `auditctl -l needs CAP_AUDIT_CONTROL, which this agent lacks (it does not run as root): ${why}` };
    return { unknown: `auditctl -l failed: ${why}` };
  }
  if (r.truncated) return { unknown: "auditctl -l: output over the cap, the loaded rules were not read whole" };
  return { rules: parseAuditRules(r.stdout).rules };
}

export default defineProbe({
  id: "audit-rules",
  summary: "Audit rules boot loads (/etc/audit/rules.d) and, on the live host, the loaded ones (auditctl -l)",
  params: lazySchema((z) =>
    z.strictObject({
      /** Also name sudo's log file (sudoers' `Defaults logfile=`) and the watches on it. */
      sudoLogfile: z.literal(true).optional(),
    }),
  ),
  fields: ["files", "rules", "immutable", "loaded", "uidMin", ...SUDO_LOG_FIELDS],
  /** The rules files by their directory; the loaded rules (auditctl -l) only by the safety net. */
  watch(_p, seen) {
    return readsAnd(seen.reads, { unwatched: seen.reads.commands.length > 0 ? ["the loaded rules (auditctl -l): a command tells nothing until it is run again"] : [] });
  },
  async collect(ctx, p): Promise<Fact<AuditRulesFact>> {
    const [disk, loaded, uidMin] = await Promise.all([
      ctx.once("audit-rules:disk", () => diskRules(ctx)),
      ctx.once("audit-rules:loaded", () => loadedRules(ctx)),
      ctx.once("audit-rules:uid-min", () => uidMinOf(ctx.host)),
    ]);
    const lastE = disk.rules.filter((r) => r.kind === "control" && r.control?.flag === "e").at(-1);
    const known = "value" in uidMin ? uidMin.value : undefined;
    const value: AuditRulesFact = { files: disk.files, rules: known === undefined ? disk.rules : symbolicUidMin(disk.rules, known), immutable: lastE?.control?.value === "2" };
    const evidence: Evidence[] = [...(disk.files.length > 0 ? disk.files.map((file) => ({ file })) : [{ file: RULES_D, detail: "no rules files" }]), ...disk.problems];
    const unknown: Record<string, string> = {};
    const notApplicable: Record<string, string> = {};
    const noUidMin = "unknown" in uidMin ? `${uidMin.unknown}, so the auid>= rules cannot be compared with it` : undefined;
    if ("value" in uidMin) {
      value.uidMin = uidMin.value;
      if (hasAuidMin(disk.rules) || ("rules" in loaded && hasAuidMin(loaded.rules))) evidence.push(uidMin.evidence);
    } else unknown.uidMin = uidMin.unknown;
    if ("rules" in loaded) {
      value.loaded = known === undefined ? loaded.rules : symbolicUidMin(loaded.rules, known);
      evidence.push({ command: "auditctl -l", detail: `${loaded.rules.length} rules loaded` });
      if (noUidMin !== undefined && hasAuidMin(loaded.rules)) unknown.loaded = noUidMin;
    } else if ("unknown" in loaded) unknown.loaded = loaded.unknown;
    else notApplicable.loaded = loaded.notApplicable;
    if (noUidMin !== undefined && hasAuidMin(disk.rules)) unknown.rules = noUidMin;
    if (disk.unreadable.length > 0) {
      const why = cannotRead(disk.unreadable);
      unknown.rules = why;
      unknown.immutable = why;
      unknown.files = why;
    }
    if (p.sudoLogfile) {
      const log = await sudoLog(ctx);
      if ("unknown" in log) for (const f of SUDO_LOG_FIELDS) unknown[f] = log.unknown;
      else if ("unset" in log) {
        value.sudoLogfile = null;
        evidence.push(log.unset);
        notApplicable.sudoLogWatches = "sudo has no log file";
        notApplicable.sudoLogWatchesLoaded = "sudo has no log file";
      } else {
        value.sudoLogfile = log.path;
        evidence.push(log.evidence);
        value.sudoLogWatches = value.rules.filter((r) => r.kind === "watch" && samePath(r.path, log.path));
        if (unknown.rules !== undefined) unknown.sudoLogWatches = unknown.rules;
        if (value.loaded !== undefined) value.sudoLogWatchesLoaded = value.loaded.filter((r) => r.kind === "watch" && samePath(r.path, log.path));
        if (unknown.loaded !== undefined) unknown.sudoLogWatchesLoaded = unknown.loaded;
        if (notApplicable.loaded !== undefined) notApplicable.sudoLogWatchesLoaded = notApplicable.loaded;
      }
      if (!("unknown" in log)) {
        value.sudoScopedLogfiles = log.scoped.map((sc) => ({
          key: sc.key, path: sc.path, file: sc.file, line: sc.line,
          watched: watchesWa(value.rules, sc.path),
          loaded: value.loaded === undefined ? null : watchesWa(value.loaded, sc.path),
        }));
        for (const sc of log.scoped) evidence.push({ file: sc.file, line: sc.line, key: `Defaults${sc.scope} logfile`, detail: sc.path });
        const why = unknown.rules ?? (log.scoped.length > 0 ? unknown.loaded : undefined);
        if (why !== undefined) {
          unknown.sudoScopedLogfiles = why;
          delete value.sudoScopedLogfiles;
        }
      }
    }
    return {
      value,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});

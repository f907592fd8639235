/**
 * apparmor: the running kernel's AppArmor state, as `aa-status` reports it — whether the
 * module is enabled (/sys/module/apparmor/parameters/enabled), the loaded profiles with
 * their mode (securityfs: /sys/kernel/security/apparmor/profiles, one `name (mode)` a
 * line), and the processes that run unconfined although a profile for their executable is
 * loaded (each process's label in procfs `attr/apparmor/current`, or `attr/current` on older
 * kernels, and its `exe` link).
 *
 * All of it is runtime state: on an offline root (no procfs) every field is not applicable.
 * On a running system, what cannot be read is unknown, never "none": securityfs not mounted,
 * the profiles file refused (it is root-only), a process table hidden by hidepid, or
 * processes whose label or executable could not be read.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { runningSystem } from "./kit/shared.js";
import { readText } from "./kit/read.js";
import { readsAnd } from "./kit/watch.js";
import { unquoted } from "./parse/problem.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";

export const APPARMOR_ENABLED = "/sys/module/apparmor/parameters/enabled";
export const APPARMOR_PROFILES = "/sys/kernel/security/apparmor/profiles";
const SYS_MODULE = "/sys/module";
const SECURITYFS = "/sys/kernel/security";

export interface AppArmorProfile {
  name: string;
  /** enforce, complain, kill, unconfined, prompt, … as the kernel prints it. */
  mode: string;
}

export interface AppArmorFact {
  /** The kernel has AppArmor and it is enabled. */
  enabled: boolean;
  /** The loaded profiles (none where AppArmor is not enabled). */
  profiles: AppArmorProfile[];
  profileCount: number;
  /** Processes labelled `unconfined` whose executable has a loaded profile of that name. */
  unconfinedProcesses: { pid: number; path: string }[];
}

const FIELDS = ["enabled", "profiles", "profileCount", "unconfinedProcesses"] as const;

/** One `name (mode)` line of the securityfs profiles file; names may hold spaces. */
export function parseAppArmorProfiles(text: string): { profiles: (AppArmorProfile & { line: number })[]; problems: { line: number; text: string }[] } {
  const profiles: (AppArmorProfile & { line: number })[] = [];
  const problems: { line: number; text: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === "") return;
    const m = /^(.+) \(([^()\s]+)\)$/.exec(line);
    if (m) profiles.push({ name: m[1] as string, mode: m[2] as string, line: i + 1 });
    else problems.push({ line: i + 1, text: line });
  });
  return { profiles, problems };
}

/** A process's AppArmor label: `unconfined`, or `name (mode)`. */
async function label(ctx: ProbeContext, pid: number): Promise<string | null> {
  const modern = await ctx.host.procReadIfExists(`${pid}/attr/apparmor/current`);
  if (modern !== null) return modern.replace(/\0/g, "").trim();
  const old = await ctx.host.procReadIfExists(`${pid}/attr/current`);
  return old === null ? null : old.replace(/\0/g, "").trim();
}

export default defineProbe({
  id: "apparmor",
  summary: "AppArmor on the running kernel: enabled, the loaded profiles and their modes (securityfs), processes unconfined although their executable has a profile",
  params: lazySchema((z) => z.strictObject({})),
  fields: FIELDS,
  /** sysfs and securityfs raise no events: their paths are polled; the processes' labels are the safety net's. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {
      poll: [{ kind: "content", paths: [APPARMOR_ENABLED, APPARMOR_PROFILES] }],
      unwatched: ["the AppArmor labels of running processes (procfs): a process started unconfined is found at the next full scan"],
    });
  },
  async collect(ctx): Promise<Fact<AppArmorFact>> {
    const value: AppArmorFact = { enabled: false, profiles: [], profileCount: 0, unconfinedProcesses: [] };
    const all = (why: string) => Object.fromEntries(FIELDS.map((f) => [f, why]));
    const sys = await runningSystem(ctx);
    if (!sys.running) {
      return { value, evidence: [{ file: APPARMOR_PROFILES, detail: `not a running system (${sys.reason}): AppArmor's state exists only at runtime` }], notApplicable: all(`not a running system: ${sys.reason}`) };
    }
    // A running system always has /sys/module; without it sysfs is not mounted under this root.
    let sysfs: boolean;
    try {
      sysfs = (await ctx.host.stat(SYS_MODULE)) !== null;
    } catch (e) {
      return { value, evidence: [{ file: SYS_MODULE }], unknown: all(`${SYS_MODULE}: ${describeError(e)}`) };
    }
    if (!sysfs) return { value, evidence: [{ file: SYS_MODULE, detail: "does not exist" }], unknown: all(`sysfs is not mounted at /sys under this root (no ${SYS_MODULE})`) };

    const enabled = await readText(ctx, APPARMOR_ENABLED);
    if ("unobserved" in enabled) return { value, evidence: [{ file: APPARMOR_ENABLED }], unknown: all(enabled.unobserved) };
    if ("missing" in enabled) {
      return { value, evidence: [{ file: APPARMOR_ENABLED, detail: "does not exist: the kernel has no AppArmor (built without it, or another LSM took its place)" }] };
    }
    value.enabled = /^Y/.test(enabled.text.trim());
    const evidence: Evidence[] = [{ file: APPARMOR_ENABLED, detail: /^[A-Za-z]{1,8}$/.test(enabled.text.trim()) ? enabled.text.trim() : unquoted(enabled.text) }];
    if (!value.enabled) return { value, evidence };

    const listed = await readText(ctx, APPARMOR_PROFILES);
    if (!("text" in listed)) {
      const why = "missing" in listed ? `${APPARMOR_PROFILES} does not exist: securityfs is not mounted at ${SECURITYFS}` : listed.unobserved;
      evidence.push({ file: APPARMOR_PROFILES });
      return { value, evidence, unknown: { profiles: why, profileCount: why, unconfinedProcesses: why } };
    }
    const parsed = parseAppArmorProfiles(listed.text);
    value.profiles = parsed.profiles.map((p) => ({ name: p.name, mode: p.mode }));
    value.profileCount = value.profiles.length;
    const modes = new Map<string, number>();
    for (const p of value.profiles) modes.set(p.mode, (modes.get(p.mode) ?? 0) + 1);
    evidence.push({ file: APPARMOR_PROFILES, detail: `${value.profileCount} profiles loaded${modes.size > 0 ? `: ${[...modes].map(([m, n]) => `${n} ${m}`).join(", ")}` : ""}` });
    for (const p of parsed.profiles.filter((x) => x.mode !== "enforce" && x.mode !== "complain").slice(0, 10)) {
      evidence.push({ file: APPARMOR_PROFILES, line: p.line, key: p.name, detail: `mode ${p.mode}` });
    }
    for (const p of parsed.problems.slice(0, 5)) evidence.push({ file: APPARMOR_PROFILES, line: p.line, detail: `unparsed line: ${unquoted(p.text)}` });
    if (parsed.problems.length > 0) {
      const why = `${APPARMOR_PROFILES}: ${parsed.problems.length} lines are not \`name (mode)\``;
      return { value, evidence, unknown: { profiles: why, profileCount: why } };
    }

    const unknown: Record<string, string> = {};
    const names = new Set(value.profiles.map((p) => p.name));
    if (names.size > 0) {
      const found = await unconfinedWithProfile(ctx, names);
      value.unconfinedProcesses = found.processes;
      for (const p of found.processes.slice(0, 10)) evidence.push({ file: `/proc/${p.pid}/exe`, key: p.path, detail: "unconfined, but a profile of this name is loaded" });
      if (found.problem) unknown.unconfinedProcesses = found.problem;
    }
    return Object.keys(unknown).length > 0 ? { value, evidence, unknown } : { value, evidence };
  },
});

/** aa-status's "processes are unconfined but have a profile defined". */
async function unconfinedWithProfile(ctx: ProbeContext, names: Set<string>): Promise<{ processes: { pid: number; path: string }[]; problem?: string }> {
  let entries: string[] | null;
  try {
    entries = await ctx.host.procReaddir("");
  } catch (e) {
    return { processes: [], problem: `/proc: ${describeError(e)}` };
  }
  const pids = (entries ?? []).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const processes: { pid: number; path: string }[] = [];
  const unreadable: string[] = [];
  for (const pid of pids) {
    ctx.signal?.throwIfAborted();
    try {
      if ((await label(ctx, pid)) !== "unconfined") continue;
      // Kernel threads have no executable (the link does not exist).
      const exe = await ctx.host.procReadlink(`${pid}/exe`);
      if (exe !== null && names.has(exe)) processes.push({ pid, path: exe });
    } catch (e) {
      // Gone meanwhile is no fact; anything else hides the process.
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") unreadable.push(`${pid}: ${describeError(e)}`);
    }
  }
  const hidden = await ctx.host.hiddenProcesses();
  const problems = [...(hidden === null ? [] : [hidden]), ...(unreadable.length > 0 ? [`cannot read the label or executable of ${unreadable.length} processes (${unreadable.slice(0, 3).join("; ")})`] : [])];
  return problems.length > 0 ? { processes, problem: problems.join("; ") } : { processes };
}

/**
 * Reads that several probes share, each memoised once per scan under one named key
 * (`ctx.once`), so a scan reads and parses each at most once whichever probes ask.
 * A probe that needs one of these calls the function here — never `ctx.once` with a
 * key of its own for the same data.
 */
import { runningSystem as hostRunningSystem, type RunningSystem } from "../../host/running-system.js";
import { parseGroup, parsePasswd } from "../parse/passwd.js";
import type { ProbeContext } from "../types.js";

/** Every shared key, in one place: a key names one piece of data for the whole scan. */
export const SHARED_KEYS = {
  runningSystem: "kit:running-system",
  idNames: "kit:id-names",
} as const;

/** Is there a running system behind the scanned root (see src/host/running-system.ts)? */
export function runningSystem(ctx: ProbeContext): Promise<RunningSystem> {
  return ctx.once(SHARED_KEYS.runningSystem, () => hostRunningSystem(ctx.host));
}

export interface IdNames {
  /** uid → user name, from the root's /etc/passwd. */
  users: Map<number, string>;
  /** gid → group name, from the root's /etc/group. */
  groups: Map<number, string>;
  /** Why user names could not be read (a missing /etc/passwd just means numeric names). */
  usersUnknown?: string;
  /** Why group names could not be read. */
  groupsUnknown?: string;
}

/**
 * The root's own account names (not this machine's NSS). A missing file means numeric
 * names; one that cannot be read is recorded: a uid shown as "0" must not be judged as if
 * the root had no name for it, nor every file as unowned.
 */
export function idNames(ctx: ProbeContext): Promise<IdNames> {
  return ctx.once(SHARED_KEYS.idNames, async () => {
    const read = async (p: string): Promise<{ text: string } | { error: string }> => {
      try {
        return { text: (await ctx.host.readFileIfExists(p)) ?? "" };
      } catch (e) {
        return { error: `${p}: ${e instanceof Error ? e.message : String(e)}` };
      }
    };
    const [passwd, group] = await Promise.all([read("/etc/passwd"), read("/etc/group")]);
    return {
      users: parsePasswd("text" in passwd ? passwd.text : ""),
      groups: parseGroup("text" in group ? group.text : ""),
      ...("error" in passwd ? { usersUnknown: `owner names cannot be read: ${passwd.error}` } : {}),
      ...("error" in group ? { groupsUnknown: `group names cannot be read: ${group.error}` } : {}),
    };
  });
}

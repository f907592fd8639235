/**
 * UID_MIN of the scanned root's /etc/login.defs: where regular users' uids start. CIS's
 * audit rules for user actions (`-F auid>=UID_MIN`) use it, as its audit script reads it
 * from login.defs; a site that moved it (500 on an old RHEL, 2000 at a directory site)
 * writes its own number. When login.defs leaves it unset (or the file is absent) shadow's
 * tools use 1000, which is said in the evidence; an unreadable login.defs is unknown.
 */
import { describeError } from "../../errors.js";
import type { HostRoot } from "../../host/host-root.js";
import type { Evidence } from "../types.js";
import { parseSpaceKeyValue } from "../parse/key-value.js";

export const LOGIN_DEFS = "/etc/login.defs";
/** login.defs(5): UID_MIN when the file does not set it. */
export const DEFAULT_UID_MIN = 1000;

export type UidMin = { value: number; evidence: Evidence } | { unknown: string };

export async function uidMinOf(host: Pick<HostRoot, "readFileIfExists">): Promise<UidMin> {
  let text: string | null;
  try {
    text = await host.readFileIfExists(LOGIN_DEFS);
  } catch (e) {
    return { unknown: `${LOGIN_DEFS}: ${describeError(e)}: UID_MIN cannot be read` };
  }
  const fallback = (why: string): UidMin => ({ value: DEFAULT_UID_MIN, evidence: { file: LOGIN_DEFS, detail: `${why}: UID_MIN ${DEFAULT_UID_MIN} (the login.defs(5) default)` } });
  if (text === null) return fallback("absent");
  // shadow's getdef keeps the last value of a key.
  const hit = parseSpaceKeyValue(text).entries.filter((e) => e.key === "UID_MIN").at(-1);
  if (hit === undefined) return fallback("UID_MIN not set");
  if (!/^\d{1,10}$/.test(hit.value)) return fallback(`UID_MIN ${JSON.stringify(hit.value.slice(0, 40))} is not a number`);
  return { value: Number(hit.value), evidence: { file: LOGIN_DEFS, line: hit.line, key: "UID_MIN", detail: `UID_MIN ${hit.value}` } };
}

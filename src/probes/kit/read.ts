/**
 * A host text file read three ways, as every probe needs it: its text, missing (the path
 * does not exist), or not observed with the reason (EACCES, an LSM, a link out of the
 * root, over the read limit) — never "missing" because a read failed.
 */
import { describeError } from "../../errors.js";
import type { ReadOptions } from "../../host/host-root.js";
import type { ProbeContext } from "../types.js";

export type TextRead = { text: string } | { missing: true } | { unobserved: string };

export async function readText(ctx: ProbeContext, hostPath: string, options: ReadOptions = {}): Promise<TextRead> {
  try {
    const text = await ctx.host.readFileIfExists(hostPath, options);
    return text === null ? { missing: true } : { text };
  } catch (e) {
    return { unobserved: `${hostPath}: ${describeError(e)}` };
  }
}

/** Unreadable paths shown in one reason: past this, they are counted. */
const SHOWN_UNREADABLE = 5;

/**
 * `cannot read A; B; …` for a fact's unknown reason: the first five, then how many more. A
 * reason is copied into every check that needs the fact, so 100,000 unreadable drop-ins
 * must not make it megabytes long.
 */
export function cannotRead(unreadable: readonly string[]): string {
  const more = unreadable.length - SHOWN_UNREADABLE;
  return `cannot read ${unreadable.slice(0, SHOWN_UNREADABLE).join("; ")}${more > 0 ? `; and ${more} more` : ""}`;
}

/**
 * Files read from one drop-in directory set (audit rules.d, limits.d, a systemd daemon's
 * *.conf.d): past it none is read and the fact is unknown naming the cap. A node has dozens.
 */
export const MAX_DROPIN_FILES = 1000;

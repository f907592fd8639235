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

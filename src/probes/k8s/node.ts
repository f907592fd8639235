/**
 * What the Kubernetes resolvers (kubelet, distributions, control-plane components) read
 * about a node, read once per scan and always three-valued: a path exists, does not
 * exist (its parent could be read), or could not be observed (EACCES, an LSM denial, a
 * link out of the root) — never "absent" because a read failed.
 */
import { describeError } from "../../errors.js";
import { processTable, type ProcessEntry } from "../process-table.js";
import { readText as readHostText, type TextRead } from "../kit/read.js";
import type { Evidence, ProbeContext } from "../types.js";

export type Presence = { exists: true; isDir: boolean } | { exists: false } | { unobserved: string };
export type { TextRead };

/** Does a host path exist? Once per scan per path. */
export function presence(ctx: ProbeContext, hostPath: string): Promise<Presence> {
  return ctx.once(`k8s:presence:${hostPath}`, async (): Promise<Presence> => {
    try {
      const st = await ctx.host.stat(hostPath);
      return st ? { exists: true, isDir: st.isDirectory() } : { exists: false };
    } catch (e) {
      // A link out of the root included: the host follows it somewhere we do not look.
      return { unobserved: `${hostPath}: ${describeError(e)}` };
    }
  });
}

/** Read a host text file (up to 4 MiB). Once per scan per path. */
export function readText(ctx: ProbeContext, hostPath: string): Promise<TextRead> {
  return ctx.once(`k8s:text:${hostPath}`, () => readHostText(ctx, hostPath, { maxBytes: 4 * 1024 * 1024 }));
}

/** A directory's entries: sorted names, null when it does not exist, or why it cannot be listed. */
export function listDir(ctx: ProbeContext, hostPath: string): Promise<{ names: string[] | null } | { unobserved: string }> {
  return ctx.once(`k8s:dir:${hostPath}`, async () => {
    try {
      return { names: await ctx.host.readdir(hostPath) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return { names: null };
      return { unobserved: `${hostPath}: cannot list: ${describeError(e)}` };
    }
  });
}

/** readlink of a host path, null when it is not a link or does not exist. */
export async function linkTarget(ctx: ProbeContext, hostPath: string): Promise<string | null> {
  try {
    const st = await ctx.host.lstat(hostPath);
    if (!st?.isSymbolicLink()) return null;
    return await ctx.host.readlink(hostPath);
  } catch {
    return null;
  }
}

export interface ProcessView {
  processes: ProcessEntry[];
  /**
   * The process table exists (a live system or a procfs given) but some of it could not
   * be read, so a daemon missing from it is not proven absent: why.
   */
  unobserved?: string;
}

/** The process table with what it could not show. */
export async function processView(ctx: ProbeContext): Promise<ProcessView> {
  const t = await processTable(ctx);
  const why = [...t.problems, ...(t.unreadable.length > 0 ? [`cannot read the command line of ${t.unreadable.length} process(es) (pids ${t.unreadable.slice(0, 5).map((u) => u.pid).join(", ")}${t.unreadable.length > 5 ? ", …" : ""}): ${t.unreadable[0]?.reason ?? ""}`] : [])];
  return { processes: t.processes, ...(why.length > 0 ? { unobserved: why.join("; ") } : {}) };
}

export function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i === -1 ? p : p.slice(i + 1);
}

/** Evidence that a path exists. */
export function fileEvidence(file: string, detail: string): Evidence {
  return { file, detail };
}

/**
 * Every process's argv from <proc>/<pid>/cmdline, read once per scan and shared by the
 * probes that look for a daemon by its command line (kubelet, k8s-component).
 */
import { parseCmdline } from "./parse/kubelet-flags.js";
import type { ProbeContext } from "./types.js";

export interface ProcessEntry {
  pid: number;
  argv: string[];
}

export interface ProcessTable {
  processes: ProcessEntry[];
  /** Why the table is empty or partial (procfs unreadable). */
  problems: string[];
  /** Processes listed whose command line could not be read (EACCES, an LSM denial): not proven to be anything. */
  unreadable: { pid: number; reason: string }[];
}

const BATCH = 64;

export function processTable(ctx: ProbeContext): Promise<ProcessTable> {
  return ctx.once("process-table", async () => {
    let entries: string[] | null;
    try {
      entries = await ctx.host.procReaddir("");
    } catch (e) {
      return { processes: [], problems: [`/proc: ${e instanceof Error ? e.message : String(e)}`], unreadable: [] };
    }
    const pids = (entries ?? []).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const processes: ProcessEntry[] = [];
    const unreadable: { pid: number; reason: string }[] = [];
    // Batches bound the open files; sorted pids make "the lowest pid" deterministic.
    for (let i = 0; i < pids.length; i += BATCH) {
      const batch = pids.slice(i, i + BATCH);
      const reads = await Promise.all(
        batch.map(async (pid) => {
          try {
            return await ctx.host.procReadIfExists(`${pid}/cmdline`, { maxBytes: 1024 * 1024 });
          } catch (e) {
            // Gone meanwhile (ESRCH) is no fact; anything else hides the process.
            const code = (e as NodeJS.ErrnoException).code;
            if (code !== "ESRCH") unreadable.push({ pid, reason: e instanceof Error ? e.message : String(e) });
            return null;
          }
        }),
      );
      reads.forEach((raw, j) => {
        if (raw) processes.push({ pid: batch[j] as number, argv: parseCmdline(raw) });
      });
    }
    // A hidepid=invisible procfs leaves out what this reader may not ptrace, silently.
    const hidden = await ctx.host.hiddenProcesses();
    return { processes, problems: hidden === null ? [] : [hidden], unreadable };
  });
}

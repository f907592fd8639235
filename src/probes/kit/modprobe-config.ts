/**
 * modprobe.d as kmod reads it, shared by the probes that judge whether a kernel module may be
 * loaded (kernel-module, wireless): memoised once per scan.
 */
import { describeError } from "../../errors.js";
import { pushAll } from "../../util/array.js";
import { parseModprobeConf, type ModprobeDirective } from "../parse/modprobe.js";
import type { ProbeContext } from "../types.js";

/** kmod's configuration directories, highest precedence first. */
export const MODPROBE_DIRS = [
  "/etc/modprobe.d",
  "/run/modprobe.d",
  "/usr/local/lib/modprobe.d",
  "/usr/lib/modprobe.d",
  "/lib/modprobe.d",
] as const;

export interface ModprobeConfig {
  /** Files read, in the order kmod applies them. */
  files: string[];
  directives: ModprobeDirective[];
  /** Lines kmod would skip (not directives): shown as evidence. */
  problems: string[];
  /** Directories or files that exist but could not be read: what they say is unknown. */
  unreadable: string[];
}

/**
 * Read modprobe.d the way kmod does: `*.conf` from each directory; a basename in an
 * earlier directory hides the same basename in later ones; the survivors are applied in
 * basename order. Memoised per scan.
 */
export async function modprobeConfig(ctx: ProbeContext): Promise<ModprobeConfig> {
  return ctx.once("modprobe.d", async () => {
    const chosen = new Map<string, string>();
    const problems: string[] = [];
    const unreadable: string[] = [];
    for (const dir of MODPROBE_DIRS) {
      let names: string[] | null = null;
      try {
        names = await ctx.host.readdir(dir);
      } catch (e) {
        unreadable.push(`${dir}: ${describeError(e)}`);
      }
      for (const n of names ?? []) {
        if (!n.endsWith(".conf") || chosen.has(n)) continue;
        chosen.set(n, `${dir}/${n}`);
      }
    }
    const files = [...chosen.keys()].sort().map((n) => chosen.get(n) as string);
    const directives: ModprobeDirective[] = [];
    const read: string[] = [];
    for (const f of files) {
      let text: string | null;
      try {
        text = await ctx.host.readFileIfExists(f);
      } catch (e) {
        unreadable.push(`${f}: ${describeError(e)}`);
        continue;
      }
      if (text === null) continue; // dangling symlink
      read.push(f);
      const parsed = parseModprobeConf(text, f);
      pushAll(directives, parsed.directives);
      pushAll(problems, parsed.problems.map((p) => p.message));
    }
    return { files: read, directives, problems, unreadable };
  });
}


/**
 * The sysctl settings boot applies (sysctl.d files and /etc/sysctl.conf, in systemd-sysctl's
 * precedence), read once per scan: the sysctl probe judges a key by them, and the firewall
 * probe asks whether IPv6 is disabled there.
 */
import { describeError } from "../../errors.js";
import { isMissing } from "../../host/host-root.js";
import { pushAll } from "../../util/array.js";
import { orderSysctlFiles, parseSysctlConf, type SysctlEntry } from "../parse/sysctl.js";
import type { ProbeContext } from "../types.js";

/** In precedence order: a basename in an earlier directory hides the same basename later. */
export const SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"] as const;
export const SYSCTL_CONF = "/etc/sysctl.conf";

export interface Persisted {
  entries: SysctlEntry[];
  /** Files that exist but could not be read: the persisted value is then unknown. */
  unreadable: string[];
}

/**
 * sysctl.d files read at most (all directories together). Past it the persisted values
 * are unknown, naming the cap: 100k files took minutes of reads. A node has dozens.
 */
export const MAX_SYSCTL_FILES = 10_000;

/** Every persisted entry in file order (a later one wins: parse/sysctl.ts persistedFor); memoised per scan. */
export function persistedSysctl(ctx: ProbeContext): Promise<Persisted> {
  return ctx.once("sysctl-persisted", () => loadPersisted(ctx));
}

async function loadPersisted(ctx: ProbeContext): Promise<Persisted> {
  const byDir: { dir: string; names: string[] }[] = [];
  const unreadable: string[] = [];
  for (const dir of SYSCTL_DIRS) {
    try {
      byDir.push({ dir, names: (await ctx.host.readdir(dir)) ?? [] });
    } catch (e) {
      if (!isMissing(e)) unreadable.push(`${dir}: ${describeError(e)}`);
    }
  }
  // procps `sysctl --system` reads /etc/sysctl.conf after every sysctl.d file; systemd reaches
  // it through Debian's 99-sysctl.conf symlink. Applying it last matches both on typical hosts.
  const files = [...orderSysctlFiles(byDir), SYSCTL_CONF];
  const entries: SysctlEntry[] = [];
  if (files.length > MAX_SYSCTL_FILES) {
    unreadable.push(`${files.length} sysctl configuration files in ${SYSCTL_DIRS.join(", ")}: over the ${MAX_SYSCTL_FILES}-file cap, none read`);
    return { entries, unreadable };
  }
  for (const file of files) {
    ctx.signal?.throwIfAborted();
    try {
      // A sysctl.d file linked to /dev/null masks the vendor file of the same name.
      const lst = await ctx.host.lstat(file);
      if (lst?.isSymbolicLink() && (await ctx.host.readlink(file)) === "/dev/null") continue;
      // Like systemd's conf_files_list, only regular files count (a `foo.conf/` dir is skipped).
      const st = await ctx.host.stat(file);
      if (!st?.isFile()) continue;
      const text = await ctx.host.readFileIfExists(file);
      if (text === null) continue;
      pushAll(entries, parseSysctlConf(text, file).entries);
    } catch (e) {
      unreadable.push(`${file}: ${describeError(e)}`);
    }
  }
  return { entries, unreadable };
}


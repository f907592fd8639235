/**
 * Where an executable is on the live host, looked up once per scan.
 *
 * Spawning a bare name makes the C library try execve() in every PATH directory until one
 * works: a utility that is not installed costs one failed execve per PATH entry (10 on a
 * root login's PATH), and it is paid again by every probe that asks. A stat per directory,
 * memoised for the scan, says the same thing at a fraction of that cost, and the command
 * is then started by its absolute path (a single execve). Relative PATH entries ("", ".")
 * are ignored: a scan never runs a binary from its working directory.
 *
 * "Not found" is a verdict only when every PATH directory was searched. A directory the
 * agent may not search (EACCES: a sandbox, an LSM, a non-root agent), a path nodeward's
 * mount namespace masks (systemd's InaccessiblePaths=), or a candidate that is there but
 * not executable (systemd masks a file with a mode-0000 one) leaves the question open:
 * execvp would answer EACCES there, not ENOENT. Those are returned in `hidden`, and the
 * caller reports them (unknown, with the reason) instead of "not installed".
 *
 * Only for the live host: on a mounted root the binaries are the root's, not ones this
 * process may run against its own kernel.
 */
import path from "node:path";
import { NodewardError } from "../../errors.js";
import type { ProbeContext } from "../types.js";

export type Executable = { path: string } | { missing: string; hidden: string[] };

/** The search path: the process's PATH, as execvp would use it. */
function searchPath(): string[] {
  const dirs = (process.env["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  return [...new Set(dirs.filter((d) => path.posix.isAbsolute(d)))];
}

/** Why a PATH directory could not be searched for `candidate`. */
function unsearchable(dir: string, e: unknown): string {
  // A masked path: HostRoot names the mount that hides it.
  if (e instanceof NodewardError) return e.message;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return `${dir} (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/**
 * The absolute path of `name` in PATH (a regular file with an execute bit), or why it is
 * missing. A directory that does not exist (ENOENT, ENOTDIR) is skipped, as execvp skips
 * it; any other stat error, and a candidate that is not an executable file, is `hidden`.
 * With nothing hidden the message is "not found in PATH": it must read the same under any
 * PATH (a root shell and a systemd unit list different directories, and their reports are
 * compared). With something hidden it names what could not be searched.
 */
export function findExecutable(ctx: ProbeContext, name: string): Promise<Executable> {
  return ctx.once(`kit:executable:${name}`, async () => {
    const hidden: string[] = [];
    for (const dir of searchPath()) {
      const candidate = path.posix.join(dir, name);
      let st;
      try {
        st = await ctx.host.stat(candidate);
      } catch (e) {
        hidden.push(unsearchable(dir, e));
        continue;
      }
      if (st === null) continue;
      if (st.isFile() && (st.mode & 0o111) !== 0) return { path: candidate };
      hidden.push(st.isFile() ? `${candidate} (not executable: mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")})` : `${candidate} (not a regular file)`);
    }
    return hidden.length === 0 ? { missing: "not found in PATH", hidden } : { missing: `not found in PATH; could not search: ${hidden.join(", ")}`, hidden };
  });
}

/**
 * The reason an executable is unavailable, as a probe reports it: "<name> is not installed
 * (not found in PATH)" only when every PATH directory was searched; otherwise "<name> was not
 * found in PATH; could not search: …", which is no proof of absence.
 */
export function unavailable(name: string, exe: { missing: string; hidden: string[] }): string {
  return exe.hidden.length === 0 ? `${name} is not installed (${exe.missing})` : `${name} was ${exe.missing}`;
}

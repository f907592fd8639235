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
 * Only for the live host: on a mounted root the binaries are the root's, not ones this
 * process may run against its own kernel.
 */
import path from "node:path";
import type { ProbeContext } from "../types.js";

export type Executable = { path: string } | { missing: string };

/** The search path: the process's PATH, as execvp would use it. */
function searchPath(): string[] {
  const dirs = (process.env["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  return [...new Set(dirs.filter((d) => path.posix.isAbsolute(d)))];
}

/**
 * The absolute path of `name` in PATH (a regular file with an execute bit), or why it is
 * missing ("not found in PATH"). Stat errors other than "missing"
 * count as not found in that directory, as execvp skips them.
 */
export function findExecutable(ctx: ProbeContext, name: string): Promise<Executable> {
  return ctx.once(`kit:executable:${name}`, async () => {
    const dirs = searchPath();
    for (const dir of dirs) {
      const candidate = path.posix.join(dir, name);
      try {
        const st = await ctx.host.stat(candidate);
        if (st?.isFile() && (st.mode & 0o111) !== 0) return { path: candidate };
      } catch {
        // EACCES on a directory of PATH: execvp would skip it too.
      }
    }
    // The directories are not named: the message must read the same under any PATH (a root
    // shell and a systemd unit list different ones, and their reports are compared).
    return { missing: "not found in PATH" };
  });
}

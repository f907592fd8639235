/**
 * rpm backend. The rpm database is a BerkeleyDB/sqlite/ndb blob that only rpm reads
 * reliably, so this is one of the few facts that needs a command: one `rpm -qa` per scan.
 */
import type { ParseProblem } from "./parse/problem.js";
import type { ProbeContext } from "./types.js";

export const RPM_DB_DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"] as const;

export interface RpmPackage {
  name: string;
  /** VERSION-RELEASE of each installed copy (kernels are installed side by side). */
  versions: string[];
  /** Output line of the first copy. */
  line: number;
}

export interface RpmQuery {
  packages: Map<string, RpmPackage>;
  problems: ParseProblem[];
}

/** Parse `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n'` output. */
export function parseRpmQa(text: string): RpmQuery {
  const packages = new Map<string, RpmPackage>();
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    const tab = line.indexOf("\t");
    const name = tab === -1 ? "" : line.slice(0, tab).trim();
    const version = tab === -1 ? "" : line.slice(tab + 1).trim();
    if (name === "" || version === "") {
      problems.push({ line: i + 1, message: `not "name<TAB>version": ${JSON.stringify(line.slice(0, 80))}` });
      return;
    }
    const prev = packages.get(name);
    if (prev) prev.versions.push(version);
    else packages.set(name, { name, versions: [version], line: i + 1 });
  });
  return { packages, problems };
}

export type RpmDb = { ok: true; query: RpmQuery; command: string } | { ok: false; reason: string };

/** Whether the root holds an rpm database, and where. */
export async function rpmDbDir(ctx: ProbeContext): Promise<string | null> {
  for (const dir of RPM_DB_DIRS) {
    const st = await ctx.host.stat(dir);
    if (st?.isDirectory()) return dir;
  }
  return null;
}

/** All installed rpm packages, once per scan. Failures are returned as a reason, not thrown. */
export function rpmPackages(ctx: ProbeContext): Promise<RpmDb> {
  return ctx.once("rpm-qa", async () => {
    const argv = ["rpm", "--root", ctx.host.root, "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"];
    const r = await ctx.run(argv, { timeoutMs: ctx.commandTimeoutMs, maxOutputBytes: 16 * 1024 * 1024 });
    if (r.notFound) return { ok: false, reason: "rpm database present but the rpm command is not installed" };
    if (r.failed || r.truncated) return { ok: false, reason: `rpm -qa failed: ${r.reason ?? "unknown error"}` };
    return { ok: true, query: parseRpmQa(r.stdout), command: argv.join(" ") };
  });
}

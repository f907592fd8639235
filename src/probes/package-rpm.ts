/**
 * rpm backend. RHEL 9 and its rebuilds, Fedora and Amazon Linux 2023 keep the rpm database
 * in SQLite (rpmdb.sqlite): read here directly, page by page, with its write-ahead log, so
 * no rpm binary is needed (the DaemonSet image has none). Other backends (BerkeleyDB
 * `Packages` of RHEL 8 / Amazon Linux 2, ndb `Packages.db` of SUSE) are read through
 * `rpm --root … -qa` when an rpm command is there; without one they are unknown, never absent.
 */
import { NodewardError, describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import type { ParseProblem } from "./parse/problem.js";
import { parseRpmHeaderBlob } from "./parse/rpm-header.js";
import { SqliteDatabase, type PageSource } from "./parse/sqlite.js";
import type { ProbeContext } from "./types.js";

export const RPM_DB_DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"] as const;
/** A -wal file is read whole; past this it is refused (a checkpoint keeps it far smaller). */
const MAX_WAL_BYTES = 256 * 1024 * 1024;

export interface RpmPackage {
  name: string;
  /** VERSION-RELEASE of each installed copy (kernels are installed side by side). */
  versions: string[];
  /** Output line (rpm -qa) or database row (rpmdb.sqlite) of the first copy. */
  line: number;
}

export interface RpmQuery {
  packages: Map<string, RpmPackage>;
  problems: ParseProblem[];
}

function addPackage(packages: Map<string, RpmPackage>, name: string, version: string, line: number): void {
  const prev = packages.get(name);
  if (prev) prev.versions.push(version);
  else packages.set(name, { name, versions: [version], line });
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
    addPackage(packages, name, version, i + 1);
  });
  return { packages, problems };
}

export type RpmDb =
  | { ok: true; query: RpmQuery; /** Host path read (the sqlite file, or the database directory for rpm -qa). */ file: string; command?: string }
  | { ok: false; reason: string };

/** Whether the root holds an rpm database, and where. */
export async function rpmDbDir(ctx: ProbeContext): Promise<string | null> {
  for (const dir of RPM_DB_DIRS) {
    const st = await ctx.host.stat(dir);
    if (st?.isDirectory()) return dir;
  }
  return null;
}

/** All installed rpm packages of an rpmdb.sqlite, with its -wal file applied. */
export async function readRpmSqlite(ctx: ProbeContext, file: string): Promise<RpmQuery> {
  let wal: Buffer | null = null;
  try {
    const wh = await ctx.host.openRead(`${file}-wal`);
    try {
      const size = (await wh.stat()).size;
      if (size > MAX_WAL_BYTES) throw new NodewardError("OVER_READ_LIMIT", { path: `${file}-wal`, size, limit: MAX_WAL_BYTES });
      wal = Buffer.alloc(size);
      const { bytesRead } = await wh.read(wal, 0, size, 0);
      wal = wal.subarray(0, bytesRead);
    } finally {
      await wh.close();
    }
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const fh = await ctx.host.openRead(file);
  try {
    const size = (await fh.stat()).size;
    const source: PageSource = {
      size,
      read: async (offset, length) => {
        const b = Buffer.alloc(length);
        const { bytesRead } = await fh.read(b, 0, length, offset);
        return b.subarray(0, bytesRead);
      },
    };
    const db = await SqliteDatabase.open(source, wal);
    const packages = new Map<string, RpmPackage>();
    const problems: ParseProblem[] = [];
    // CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)
    for await (const row of db.rows("Packages")) {
      const line = Number(row.rowid);
      const blob = row.values[1];
      if (!(blob instanceof Uint8Array)) {
        problems.push({ line, message: "Packages row without a header blob" });
        continue;
      }
      try {
        const h = parseRpmHeaderBlob(blob);
        addPackage(packages, h.name, `${h.version}-${h.release}`, line);
      } catch (e) {
        problems.push({ line, message: describeError(e) });
      }
    }
    return { packages, problems };
  } finally {
    await fh.close();
  }
}

/**
 * A database read whole, or why not: rpm is always in its own database (an empty answer is
 * not the database's, e.g. `rpm -qa` printing nothing), and a row or line that could not be
 * read may be any package — "not installed" is then unseen.
 */
function whole(db: RpmDb): RpmDb {
  if (!db.ok) return db;
  const where = db.command ?? db.file;
  if (db.query.packages.size === 0) return { ok: false, reason: `${where} lists no package, not even rpm: not the rpm database's answer` };
  const first = db.query.problems[0];
  if (first === undefined) return db;
  const more = db.query.problems.length > 1 ? ` (and ${db.query.problems.length - 1} more)` : "";
  return { ok: false, reason: `${where}: ${db.command ? "line" : "row"} ${first.line}${more} could not be read (${first.message}): a package there is unseen` };
}

/** All installed rpm packages, once per scan. Failures are returned as a reason, not thrown. */
export function rpmPackages(ctx: ProbeContext): Promise<RpmDb> {
  return ctx.once("rpm-db", async (): Promise<RpmDb> => whole(await readRpmDb(ctx)));
}

async function readRpmDb(ctx: ProbeContext): Promise<RpmDb> {
  for (const dir of RPM_DB_DIRS) {
    const file = `${dir}/rpmdb.sqlite`;
    let st;
    try {
      st = await ctx.host.stat(file);
    } catch (e) {
      return { ok: false, reason: `${file}: ${describeError(e)}` };
    }
    if (!st) continue;
    try {
      return { ok: true, query: await readRpmSqlite(ctx, file), file };
    } catch (e) {
      return { ok: false, reason: `cannot read the rpm database ${file}: ${describeError(e)}` };
    }
  }
  // BerkeleyDB or ndb: only rpm itself reads those reliably.
  const dir = (await rpmDbDir(ctx)) ?? RPM_DB_DIRS[0];
  const argv = ["rpm", "--root", ctx.host.root, "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"];
  const r = await ctx.run(argv, { timeoutMs: ctx.commandTimeoutMs, maxOutputBytes: 16 * 1024 * 1024 });
  if (r.notFound) {
    return { ok: false, reason: `rpm database in ${dir} is not SQLite (no rpmdb.sqlite), and the rpm command that reads other formats is not installed` };
  }
  if (r.failed || r.truncated) return { ok: false, reason: `rpm -qa failed: ${r.reason ?? "unknown error"}` };
  return { ok: true, query: parseRpmQa(r.stdout), file: dir, command: argv.join(" ") };
}

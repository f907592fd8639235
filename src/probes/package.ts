/**
 * package: is a package installed, and which version. The backend is picked from what
 * the root holds (as goss's detectPackage does): dpkg's status file first, else an rpm
 * database, else no package manager at all.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { DPKG_INSTALLED_STATES, DPKG_STATUS, dpkgStatus } from "./package-dpkg.js";
import { RPM_DB_DIRS, rpmDbDir, rpmPackages } from "./package-rpm.js";
import { defineProbe, type Fact } from "./types.js";
import { readsAnd } from "./kit/watch.js";

export { parseRpmQa } from "./package-rpm.js";

export interface PackageFactValue {
  name: string;
  /** dpkg's state word (installed, config-files, half-installed, …), "installed" for rpm, or "absent". */
  state?: string;
  installed?: boolean;
  version?: string;
  manager: "dpkg" | "rpm" | "none";
}

const params = lazySchema((z) => z.strictObject({
  name: z.string().min(1).regex(/^[^\s/]+$/, "a package name has no spaces or slashes"),
}));

export default defineProbe({
  id: "package",
  summary: "Whether a package is installed (dpkg status file or rpm database) and its version",
  params,
  fields: ["name", "state", "installed", "version", "manager"],
  /** dpkg's status file, or the rpm database (its directory, when `rpm -qa` read it). */
  watch(_p, seen) {
    const rpmQa = seen.reads.commands.some((c) => c[0] === "rpm");
    const spec = readsAnd(seen.reads, {});
    if (!rpmQa) return spec;
    const dbDirs = seen.reads.files.filter((f) => (RPM_DB_DIRS as readonly string[]).includes(f));
    return { ...spec, dirs: [...new Set([...(spec.dirs ?? []), ...dbDirs])].sort() };
  },
  async collect(ctx, { name }): Promise<Fact<PackageFactValue>> {
    const dpkg = await dpkgStatus(ctx);
    if (dpkg) {
      const open = dpkg.unseen ?? dpkg.unsure.get(name);
      if (open !== undefined) {
        const why = `${DPKG_STATUS}: ${open}`;
        return { value: { name, manager: "dpkg" }, evidence: [{ file: DPKG_STATUS, package: name }], unknown: { state: why, installed: why, version: why } };
      }
      const pkg = dpkg.packages.get(name);
      if (!pkg) {
        return { value: { name, state: "absent", installed: false, manager: "dpkg" }, evidence: [{ file: DPKG_STATUS, package: name }] };
      }
      const value: PackageFactValue = { name, state: pkg.state, installed: DPKG_INSTALLED_STATES.has(pkg.state), manager: "dpkg" };
      if (pkg.version !== undefined) value.version = pkg.version;
      return { value, evidence: [{ file: DPKG_STATUS, line: pkg.line, package: name, detail: `Status: ${pkg.status}` }] };
    }

    const dbDir = await rpmDbDir(ctx);
    if (dbDir) {
      const db = await rpmPackages(ctx);
      if (!db.ok) {
        return {
          value: { name, manager: "rpm" },
          evidence: [{ file: dbDir, package: name }],
          unknown: { state: db.reason, installed: db.reason, version: db.reason },
        };
      }
      const pkg = db.query.packages.get(name);
      if (!pkg) {
        return { value: { name, state: "absent", installed: false, manager: "rpm" }, evidence: [{ file: db.file, ...(db.command ? { command: db.command } : {}), package: name }] };
      }
      const evidence = [{ file: db.file, ...(db.command ? { command: db.command } : {}), package: name, ...(pkg.versions.length > 1 ? { detail: `installed versions: ${pkg.versions.join(", ")}` } : {}) }];
      return { value: { name, state: "installed", installed: true, version: pkg.versions[0] as string, manager: "rpm" }, evidence };
    }

    const reason = `no dpkg or rpm database under ${ctx.host.root}`;
    return { value: { name, manager: "none" }, evidence: [], unknown: { installed: reason, state: reason, version: reason } };
  },
});

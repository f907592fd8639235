/**
 * mounts: is a directory a mount point of its own (a separate partition, CIS 1.1.2), and
 * with which options (nodev, nosuid, noexec)? On a running system the kernel's mount table
 * of PID 1 (/proc/1/mountinfo: the host's, also from a DaemonSet with the host's procfs) —
 * what CIS's `findmnt -kn` reads. On an offline root, what boot would mount: /etc/fstab,
 * an enabled systemd mount unit (tmp.mount) for a path fstab lacks, and systemd's own API
 * mount of /dev/shm (tmpfs, nosuid,nodev) unless fstab overrides it.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { mountUnitName, normaliseMountPoint, parseFstab, parseMountinfo, type FstabEntry, type MountinfoEntry } from "./parse/mounts.js";
import { lastDirective, parseUnitFile } from "./parse/unit-file.js";
import { runningSystem } from "./kit/shared.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { procReadsMatching, readsAnd } from "./kit/watch.js";

export { mountUnitName, parseFstab, parseMountinfo } from "./parse/mounts.js";

export const FSTAB = "/etc/fstab";
const MOUNTINFO = "1/mountinfo";

const params = lazySchema((z) => z.strictObject({
  path: z.string().min(1).refine((p) => p.startsWith("/") && !p.includes("\0") && !/(^|\/)\.\.?(\/|$)/.test(p), "an absolute path without . or .. components"),
}));

export interface MountsFact {
  path: string;
  /** The path is a mount point of its own. */
  mounted: boolean;
  /** `running`: the kernel's table of PID 1; `boot`: what fstab / mount units / systemd mount at boot (offline root). */
  view: "running" | "boot";
  fstype?: string;
  device?: string;
  /** Mount options (per-mount and, on a running system, per-superblock). */
  options?: string[];
}

type Table =
  /** `unparsed`: lines of the table not in mountinfo's shape (a mount on one is unseen). */
  | { view: "running"; entries: MountinfoEntry[]; unparsed: number[] }
  | { view: "boot"; fstab: FstabEntry[] }
  | { error: string };

function loadTable(ctx: ProbeContext): Promise<Table> {
  return ctx.once("mounts:table", async () => {
    // PID 1's table even on the live host: nodeward's own namespace may differ (its unit's PrivateTmp).
    if ((await runningSystem(ctx)).running) {
      try {
        const text = await ctx.host.procReadIfExists(MOUNTINFO);
        if (text !== null) {
          const parsed = parseMountinfo(text);
          // A running kernel always mounts something (its root): an empty table is not the
          // kernel's answer (an empty read, a file put in its place), and says nothing.
          if (parsed.entries.length === 0) {
            return { error: `/proc/${MOUNTINFO} lists no mount (${parsed.problems.length > 0 ? `${parsed.problems.length} line(s) not in mountinfo's shape` : "empty"}): not the kernel's mount table` };
          }
          return { view: "running", entries: parsed.entries, unparsed: parsed.problems.map((p) => p.line) };
        }
        return { error: `/proc/${MOUNTINFO} does not exist on this running system` };
      } catch (e) {
        return { error: `cannot read /proc/${MOUNTINFO}: ${describeError(e)}` };
      }
    }
    try {
      const text = await ctx.host.readFileIfExists(FSTAB);
      return { view: "boot", fstab: text === null ? [] : parseFstab(text).entries };
    } catch (e) {
      return { error: `cannot read ${FSTAB}: ${describeError(e)}` };
    }
  });
}

const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/** An enabled mount unit for the path (a `.wants`/`.requires` link under /etc/systemd/system). */
async function mountUnit(ctx: ProbeContext, path: string): Promise<{ fact: Omit<MountsFact, "path" | "view">; evidence: Evidence } | null> {
  const name = mountUnitName(path);
  const wants = await ctx.host.glob(`/etc/systemd/system/*.target.wants/${name}`);
  const requires = await ctx.host.glob(`/etc/systemd/system/*.target.requires/${name}`);
  const link = [...wants, ...requires][0];
  if (!link) return null;
  // The unit file the link names, else the first in the unit search path.
  let file: string | undefined;
  if (await ctx.host.stat(link)) file = link;
  for (const d of UNIT_DIRS) if (!file && (await ctx.host.stat(`${d}/${name}`))) file = `${d}/${name}`;
  if (!file) return null;
  const unit = parseUnitFile(await ctx.host.readFile(file), file);
  const opts = lastDirective(unit.sections, "Mount", "Options")?.value ?? "";
  const fstype = lastDirective(unit.sections, "Mount", "Type")?.value;
  const what = lastDirective(unit.sections, "Mount", "What")?.value;
  return {
    fact: { mounted: true, ...(fstype ? { fstype } : {}), ...(what ? { device: what } : {}), options: opts.split(",").filter((o) => o !== "") },
    evidence: { file, unit: name, detail: `enabled by ${link}` },
  };
}

export default defineProbe({
  id: "mounts",
  summary: "Whether a directory is a separate mount and its options: /proc/1/mountinfo on a running system, /etc/fstab and mount units offline",
  params,
  fields: ["path", "mounted", "view", "fstype", "device", "options"],
  /** fstab and the mount units it read offline; PID 1's mount table polled on a running system (procfs raises no events). */
  watch(_p, seen) {
    const table = procReadsMatching(seen.reads, /^1\/mountinfo$/);
    return readsAnd(seen.reads, { poll: table.length > 0 ? [{ kind: "proc", paths: table }] : [] });
  },
  async collect(ctx, p): Promise<Fact<MountsFact>> {
    const path = normaliseMountPoint(p.path);
    const table = await loadTable(ctx);
    if ("error" in table) {
      return { value: { path, mounted: false, view: "running" }, evidence: [], unknown: { mounted: table.error, fstype: table.error, device: table.error, options: table.error, view: table.error } };
    }
    if (table.view === "running") {
      const hit = table.entries.filter((e) => e.mountPoint === path).at(-1);
      // A line that could not be parsed may mount this path (or over it, after the hit): unseen.
      const after = table.unparsed.filter((line) => !hit || line > hit.line);
      if (after.length > 0) {
        const why = `/proc/${MOUNTINFO} line ${after[0]}${after.length > 1 ? ` (and ${after.length - 1} more)` : ""} is not in mountinfo's shape: a mount of ${path} there would be unseen`;
        return { value: { path, mounted: false, view: "running" }, evidence: [], unknown: { mounted: why, fstype: why, device: why, options: why } };
      }
      if (!hit) return { value: { path, mounted: false, view: "running" }, evidence: [{ file: `/proc/${MOUNTINFO}`, detail: `${path} is not a mount point (no line for it)` }] };
      const options = [...hit.options, ...hit.superOptions.filter((o) => !hit.options.includes(o))];
      return {
        value: { path, mounted: true, view: "running", fstype: hit.fstype, device: hit.source, options },
        evidence: [{ file: `/proc/${MOUNTINFO}`, line: hit.line, detail: `${hit.source} on ${path} type ${hit.fstype} (${options.join(",")})` }],
      };
    }
    const hit = table.fstab.filter((e) => e.mountPoint === path).at(-1);
    if (hit && !hit.options.includes("noauto")) {
      return {
        value: { path, mounted: true, view: "boot", fstype: hit.fstype, device: hit.spec, options: hit.options },
        evidence: [{ file: FSTAB, line: hit.line, detail: `${hit.spec} on ${path} type ${hit.fstype} (${hit.options.join(",")})` }],
      };
    }
    try {
      const unit = await mountUnit(ctx, path);
      if (unit) return { value: { path, view: "boot", ...unit.fact }, evidence: [unit.evidence] };
    } catch (e) {
      if (!isMissing(e)) {
        const why = `cannot read the mount unit for ${path}: ${describeError(e)}`;
        return { value: { path, mounted: false, view: "boot" }, evidence: [], unknown: { mounted: why, fstype: why, device: why, options: why } };
      }
    }
    if (path === "/dev/shm") {
      // systemd mounts /dev/shm itself (mount-setup.c: tmpfs, MS_NOSUID|MS_NODEV) when fstab does not.
      return {
        value: { path, mounted: true, view: "boot", fstype: "tmpfs", device: "tmpfs", options: ["rw", "nosuid", "nodev"] },
        evidence: [{ file: FSTAB, detail: "no /dev/shm line: systemd mounts it at boot as tmpfs with nosuid,nodev" }],
      };
    }
    return {
      value: { path, mounted: false, view: "boot" },
      evidence: [{ file: FSTAB, detail: hit ? `${path} is noauto in ${FSTAB} (line ${hit.line}): not mounted at boot` : `no ${path} line in ${FSTAB} and no enabled ${mountUnitName(path)}` }],
    };
  },
});

/**
 * Unit files on disk, read the way systemd's lookup does (src/basic/path-lookup.c,
 * src/shared/install.c, src/shared/dropin.c) — no running systemd needed, so it works
 * on a mounted root and a fixture tree. The one unit resolver: the systemd-unit probe and
 * the kubelet / Kubernetes-distribution resolvers all read units through it.
 *
 *   const u = await loadUnit(ctx, "kubelet.service");
 *   u?.sections.Service  // merged fragment + drop-ins, each directive with its file
 *   const c = await unitCommand(ctx, "kubelet.service");
 *   c?.argv               // the ExecStart systemd would run, $VARs expanded
 */
import path from "node:path";
import { isMissing } from "../host/host-root.js";
import { NodewardError, describeError } from "../errors.js";
import type { ProbeContext } from "./types.js";
import {
  mergeUnitSections,
  parseUnitFile,
  type MergedDirective,
  type ParsedUnitFile,
} from "./parse/unit-file.js";
import {
  expandExecStart,
  parseEnvironmentFile,
  parseEnvironmentValue,
  type EnvValue,
  type Origin,
} from "./parse/unit-exec.js";

export { directiveValues, lastDirective, parseUnitFile } from "./parse/unit-file.js";
export type { MergedDirective, ParsedUnitFile, UnitDirective } from "./parse/unit-file.js";

export type UnitDirKind = "control" | "transient" | "generator" | "config" | "runtime" | "vendor";

export interface UnitDir {
  path: string;
  kind: UnitDirKind;
}

/**
 * The system unit search path, highest priority first (systemd 252 `systemd-analyze
 * unit-paths`, plus /lib/systemd/system for hosts without merged /usr).
 */
export const UNIT_SEARCH_PATH: readonly UnitDir[] = [
  { path: "/etc/systemd/system.control", kind: "control" },
  { path: "/run/systemd/system.control", kind: "control" },
  { path: "/run/systemd/transient", kind: "transient" },
  { path: "/run/systemd/generator.early", kind: "generator" },
  { path: "/etc/systemd/system", kind: "config" },
  { path: "/etc/systemd/system.attached", kind: "config" },
  { path: "/run/systemd/system", kind: "runtime" },
  { path: "/run/systemd/system.attached", kind: "runtime" },
  { path: "/run/systemd/generator", kind: "generator" },
  { path: "/usr/local/lib/systemd/system", kind: "vendor" },
  { path: "/usr/lib/systemd/system", kind: "vendor" },
  { path: "/lib/systemd/system", kind: "vendor" },
  { path: "/run/systemd/generator.late", kind: "generator" },
];

export const UNIT_TYPES = [
  "service", "socket", "target", "timer", "path", "mount", "automount", "swap", "slice", "scope", "device",
] as const;

/** Names systemd would accept: no slash, no whitespace or NUL, not an option. */
export const UNIT_NAME_RE = /^[^/\s\0-][^/\s\0]*$/;

/** `avahi-daemon` → `avahi-daemon.service`; names with a unit-type suffix are kept. */
export function normaliseUnitName(name: string): string {
  if (!UNIT_NAME_RE.test(name) || name.length > 256) {
    throw new NodewardError("UNIT_NAME_INVALID", { name: JSON.stringify(name) });
  }
  const dot = name.lastIndexOf(".");
  const suffix = dot === -1 ? "" : name.slice(dot + 1);
  return (UNIT_TYPES as readonly string[]).includes(suffix) ? name : `${name}.service`;
}

/** `foo@bar.service` → `foo@.service`; null for names that are not instances. */
export function templateOf(name: string): string | null {
  const at = name.indexOf("@");
  const dot = name.lastIndexOf(".");
  if (at <= 0 || dot < at || dot === at + 1) return null;
  return name.slice(0, at + 1) + name.slice(dot);
}

/**
 * The search path with directories that do not exist dropped and aliases of the same
 * directory (merged /usr: /lib → usr/lib) kept once, so nothing is counted twice.
 */
export async function unitSearchPath(ctx: ProbeContext): Promise<UnitDir[]> {
  return (await searchPathState(ctx)).dirs;
}

/** The search path, and the directories whose existence could not be told (EACCES on a parent). */
export function searchPathState(ctx: ProbeContext): Promise<{ dirs: UnitDir[]; unobserved: UnitProblem[] }> {
  return ctx.once("systemd:search-path", async () => {
    const seen = new Set<string>();
    const dirs: UnitDir[] = [];
    const unobserved: UnitProblem[] = [];
    for (const d of UNIT_SEARCH_PATH) {
      let id: string;
      try {
        const st = await ctx.host.stat(d.path);
        if (!st?.isDirectory()) continue;
        // The same directory twice (/lib -> usr/lib on merged-/usr) counts once, as in
        // systemd's lookup_paths_reduce(): compared by inode, so the live root (where
        // resolve() leaves links to the kernel) and a mounted one (/host) agree.
        id = `${st.dev}:${st.ino}`;
      } catch (e) {
        // A link out of the root (which the host's systemd follows somewhere) hides one as
        // much as EACCES does.
        unobserved.push({ file: d.path, message: `cannot tell whether it holds units: ${describeError(e)}` });
        continue;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      dirs.push(d);
    }
    return { dirs, unobserved };
  });
}

export interface UnitProblem {
  file: string;
  line?: number;
  message: string;
}

export interface LoadedUnit {
  /** Normalised name asked for (`kubelet.service`). */
  name: string;
  /** Host path of the unit file that won (the path in its search dir, even if a symlink). */
  file: string;
  /** The search directory it was found in, and that directory's kind. */
  dir: UnitDir;
  /** readlink of `file` when it is a symlink (`/dev/null` when masked). */
  linkTarget?: string;
  /** The template file served an instance name (`getty@tty1.service` → `getty@.service`). */
  viaTemplate: boolean;
  masked: boolean;
  /** Host paths of the drop-ins, in the order systemd applies them. Empty when masked. */
  dropIns: string[];
  /** The fragment alone (its [Install] section decides enablement). Empty when masked. */
  fragment: ParsedUnitFile;
  /** Fragment + drop-ins, merged; empty assignments reset earlier values. */
  sections: Record<string, MergedDirective[]>;
  /** Unparsable lines, and (also listed in `unobserved`) what could not be read. */
  problems: UnitProblem[];
  /**
   * What could not be observed: a search directory, a drop-in directory that cannot be
   * listed, a drop-in that cannot be read. The merged unit may then differ from what
   * systemd runs; a fact built on it must say so rather than be trusted.
   */
  unobserved: UnitProblem[];
}

interface FoundFile {
  file: string;
  dir: UnitDir;
  linkTarget?: string;
  masked: boolean;
  viaTemplate: boolean;
}


async function findInDirs(
  ctx: ProbeContext,
  dirs: readonly UnitDir[],
  name: string,
  viaTemplate: boolean,
  skipMasks: boolean,
  unobserved: UnitProblem[],
): Promise<FoundFile | null> {
  for (const dir of dirs) {
    const file = `${dir.path}/${name}`;
    let lst;
    try {
      lst = await ctx.host.lstat(file);
    } catch (e) {
      unobserved.push({ file, message: `cannot tell whether the unit file is there: ${describeError(e)}` });
      continue;
    }
    if (!lst) continue;
    if (lst.isSymbolicLink()) {
      let linkTarget: string;
      try {
        linkTarget = await ctx.host.readlink(file);
      } catch (e) {
        unobserved.push({ file, message: `cannot read the link: ${describeError(e)}` });
        continue;
      }
      if (linkTarget === "/dev/null") {
        if (skipMasks) continue;
        return { file, dir, linkTarget, masked: true, viaTemplate };
      }
      // A dangling link is no unit file; systemd goes on looking too. One that cannot be
      // followed here (out of the root, EACCES on the way) may lead to the unit file.
      let st;
      try {
        st = await ctx.host.stat(file);
      } catch (e) {
        unobserved.push({ file, message: `cannot follow the link to ${linkTarget}: ${describeError(e)}` });
        continue;
      }
      if (st && !st.isFile() && !st.isDirectory()) {
        unobserved.push({ file, message: `the link leads to ${linkTarget}, which is not a regular file (a FIFO, a socket or a device): its unit is not known` });
        continue;
      }
      if (!st?.isFile()) continue;
      return { file, dir, linkTarget, masked: false, viaTemplate };
    }
    // A FIFO, a socket or a device where a unit file would be is no unit nodeward can read,
    // and not proof that there is none.
    if (!lst.isFile() && !lst.isDirectory()) {
      unobserved.push({ file, message: "not a regular file (a FIFO, a socket or a device): its unit is not known" });
      continue;
    }
    if (!lst.isFile()) continue;
    return { file, dir, masked: false, viaTemplate };
  }
  return null;
}

/**
 * Where the unit file is, without reading it: the exact name in every directory first,
 * then (for an instance) its template. With `skipMasks`, /dev/null links are passed over
 * (to learn whether a real unit file sits under a mask).
 */
export async function findUnitFile(ctx: ProbeContext, name: string, skipMasks = false): Promise<FoundFile | null> {
  return (await locateUnitFile(ctx, name, skipMasks)).found;
}

async function locateUnitFile(
  ctx: ProbeContext,
  name: string,
  skipMasks: boolean,
): Promise<{ found: FoundFile | null; unobserved: UnitProblem[] }> {
  const unit = normaliseUnitName(name);
  const { dirs, unobserved: dirProblems } = await searchPathState(ctx);
  const unobserved: UnitProblem[] = [...dirProblems];
  const direct = await findInDirs(ctx, dirs, unit, false, skipMasks, unobserved);
  if (direct) return { found: direct, unobserved };
  const template = templateOf(unit);
  return { found: template ? await findInDirs(ctx, dirs, template, true, skipMasks, unobserved) : null, unobserved };
}

/** Drop-in directory names for a unit, most specific first. */
function dropInDirNames(unit: string): string[] {
  const names = [`${unit}.d`];
  const template = templateOf(unit);
  if (template) names.push(`${template}.d`);
  // Type-wide drop-ins (`service.d/`), systemd ≥ 244.
  names.push(`${unit.slice(unit.lastIndexOf(".") + 1)}.d`);
  return names;
}

/** What looking a unit up found: the unit (null when no unit file exists) and what could not be seen. */
export interface UnitLookup {
  unit: LoadedUnit | null;
  /**
   * Without a unit: places that could not be looked at, so "no such unit" is not proven.
   * With a unit: the same as `unit.unobserved`.
   */
  unobserved: UnitProblem[];
}

/**
 * Load a unit: find its file, read and parse it, and merge its drop-ins
 * (`<unit>.d/*.conf` in every search directory; the same basename in an earlier
 * directory wins; applied in basename order). Null when no unit file exists.
 * Once per scan per unit.
 */
export async function loadUnit(ctx: ProbeContext, name: string): Promise<LoadedUnit | null> {
  return (await lookupUnit(ctx, name)).unit;
}

/** loadUnit, telling also what could not be observed when no unit was found. */
export function lookupUnit(ctx: ProbeContext, name: string): Promise<UnitLookup> {
  const unit = normaliseUnitName(name);
  return ctx.once(`systemd:unit:${unit}`, async (): Promise<UnitLookup> => {
    const { found, unobserved } = await locateUnitFile(ctx, unit, false);
    if (!found) return { unit: null, unobserved };
    const problems: UnitProblem[] = [...unobserved];
    const base = {
      name: unit,
      file: found.file,
      dir: found.dir,
      viaTemplate: found.viaTemplate,
      ...(found.linkTarget !== undefined ? { linkTarget: found.linkTarget } : {}),
    };
    const empty = (): Pick<LoadedUnit, "dropIns" | "fragment" | "sections"> => ({
      dropIns: [],
      fragment: { file: found.file, sections: mergeUnitSections([]), problems: [] },
      sections: mergeUnitSections([]),
    });
    if (found.masked) {
      return { unit: { ...base, masked: true, ...empty(), problems, unobserved }, unobserved };
    }

    let fragmentText: string;
    try {
      fragmentText = await ctx.host.readFile(found.file);
    } catch (e) {
      const p = { file: found.file, message: `cannot read the unit file: ${describeError(e)}` };
      unobserved.push(p);
      problems.push(p);
      return { unit: { ...base, masked: false, ...empty(), problems, unobserved }, unobserved };
    }
    const fragment = parseUnitFile(fragmentText, found.file);
    for (const p of fragment.problems) problems.push({ file: found.file, ...p });

    // basename → host path (null when masked by a /dev/null link); first directory wins.
    const byBase = new Map<string, string | null>();
    for (const dir of await unitSearchPath(ctx)) {
      for (const dn of dropInDirNames(unit)) {
        const dropDir = `${dir.path}/${dn}`;
        let entries: string[] | null;
        try {
          entries = await ctx.host.readdir(dropDir);
        } catch (e) {
          const p = { file: dropDir, message: `cannot list drop-ins: ${describeError(e)}` };
          unobserved.push(p);
          problems.push(p);
          continue;
        }
        for (const entry of entries ?? []) {
          if (!entry.endsWith(".conf") || byBase.has(entry)) continue;
          const p = `${dropDir}/${entry}`;
          const lst = await ctx.host.lstat(p).catch(() => null);
          if (lst?.isSymbolicLink() && (await ctx.host.readlink(p).catch(() => "")) === "/dev/null") {
            byBase.set(entry, null);
            continue;
          }
          // A dangling link is no drop-in: systemd's conf_files_list skips what it cannot stat
          // (ENOENT), and a same-named one further down the path then applies. A link that
          // cannot be followed for another reason is read below, and says why.
          if (lst?.isSymbolicLink() && (await ctx.host.stat(p).catch(() => undefined)) === null) continue;
          byBase.set(entry, p);
        }
      }
    }

    const dropIns: string[] = [];
    const parsed: ParsedUnitFile[] = [fragment];
    for (const b of [...byBase.keys()].sort()) {
      const p = byBase.get(b);
      if (!p) continue;
      let text: string;
      try {
        text = await ctx.host.readFile(p);
      } catch (e) {
        const pr = { file: p, message: `cannot read drop-in: ${describeError(e)}` };
        unobserved.push(pr);
        problems.push(pr);
        continue;
      }
      const d = parseUnitFile(text, p);
      for (const pr of d.problems) problems.push({ file: p, ...pr });
      dropIns.push(p);
      parsed.push(d);
    }

    const loaded: LoadedUnit = { ...base, masked: false, dropIns, fragment, sections: mergeUnitSections(parsed), problems, unobserved };
    return { unit: loaded, unobserved };
  });
}

// ---------------------------------------------------------------------------------------
// What a service executes: ExecStart= with its environment, as systemd builds it.
// ---------------------------------------------------------------------------------------

export interface UnitCommand {
  unit: LoadedUnit;
  /** The winning ExecStart= expanded into argv (empty when the unit has none or is masked). */
  argv: string[];
  /** For each argv word: the file and line its text came from (EnvironmentFile, Environment=, ExecStart=). */
  origins: (Origin | undefined)[];
  /** Where the winning ExecStart= is written. */
  execStart?: Origin;
  /** WorkingDirectory= when absolute (relative paths in argv resolve against it). */
  workingDirectory?: string;
  /** Semantic problems: several ExecStart= lines, a missing required EnvironmentFile, bad quoting. */
  problems: UnitProblem[];
  /** The unit's own unobserved parts plus EnvironmentFiles that could not be read. */
  unobserved: UnitProblem[];
}

async function readEnvironmentFiles(
  ctx: ProbeContext,
  spec: { path: string; optional: boolean; origin: Origin },
  env: Map<string, EnvValue>,
  out: Pick<UnitCommand, "problems" | "unobserved">,
): Promise<void> {
  if (!path.posix.isAbsolute(spec.path)) {
    out.problems.push({ ...spec.origin, message: `EnvironmentFile=${spec.path} is not absolute, ignored` });
    return;
  }
  let files: string[] = [spec.path];
  if (/[*?[]/.test(spec.path)) {
    try {
      files = await ctx.host.glob(spec.path);
    } catch (e) {
      out.unobserved.push({ file: spec.path, message: `cannot expand: ${describeError(e)}` });
      files = [];
    }
  }
  if (files.length === 0 && !spec.optional) out.problems.push({ ...spec.origin, message: `EnvironmentFile ${spec.path} matches no file` });
  for (const f of files) {
    let text: string | null;
    try {
      text = await ctx.host.readFileIfExists(f);
    } catch (e) {
      out.unobserved.push({ file: f, message: `cannot read EnvironmentFile: ${describeError(e)}` });
      continue;
    }
    if (text === null) {
      if (!spec.optional) out.problems.push({ ...spec.origin, message: `EnvironmentFile ${f} does not exist (systemd would refuse to start the unit)` });
      continue;
    }
    const parsed = parseEnvironmentFile(text, f);
    for (const p of parsed.problems) out.problems.push({ file: f, line: p.line, message: p.message });
    for (const v of parsed.vars) env.set(v.name, { value: v.value, origin: { file: f, line: v.line } });
  }
}

/**
 * The unit-name specifiers of systemd.unit(5) "Specifiers" that a path can use without a
 * running manager: %n (full name), %N (name without the type suffix), %p (prefix before
 * `@`), %i (instance), %%. Others are left as written.
 */
export function expandSpecifiers(value: string, unitName: string): string {
  const dot = unitName.lastIndexOf(".");
  const noSuffix = dot === -1 ? unitName : unitName.slice(0, dot);
  const at = noSuffix.indexOf("@");
  const prefix = at === -1 ? noSuffix : noSuffix.slice(0, at);
  const instance = at === -1 ? "" : noSuffix.slice(at + 1);
  return value.replace(/%[%nNpi]/g, (m) => (m === "%%" ? "%" : m === "%n" ? unitName : m === "%N" ? noSuffix : m === "%p" ? prefix : instance));
}

/**
 * The command a service runs: its merged [Service] section's ExecStart= (the last one after
 * resets), with Environment= and EnvironmentFile= applied as systemd.exec(5) says
 * (EnvironmentFile settings override Environment=; later files override earlier ones) and
 * `$VAR`/`${VAR}` expanded as systemd.service(5) "Command lines" says. Null when no unit
 * file exists. Once per scan per unit.
 */
export async function unitCommand(ctx: ProbeContext, name: string): Promise<UnitCommand | null> {
  const unitName = normaliseUnitName(name);
  return ctx.once(`systemd:command:${unitName}`, async () => {
    const { unit } = await lookupUnit(ctx, unitName);
    if (!unit) return null;
    const out: UnitCommand = { unit, argv: [], origins: [], problems: [], unobserved: [...unit.unobserved] };
    if (unit.masked) return out;
    const service = Object.hasOwn(unit.sections, "Service") ? (unit.sections.Service as MergedDirective[]) : [];
    const envAssigns: { name: string; value: string; origin: Origin }[] = [];
    const envFiles: { path: string; optional: boolean; origin: Origin }[] = [];
    const execStarts: { value: string; origin: Origin }[] = [];
    for (const d of service) {
      const origin = { file: d.file, line: d.line };
      if (d.key === "Environment") {
        const pe = parseEnvironmentValue(d.value);
        for (const p of pe.problems) out.problems.push({ ...origin, message: p });
        for (const v of pe.vars) envAssigns.push({ ...v, origin });
      } else if (d.key === "EnvironmentFile") {
        const optional = d.value.startsWith("-");
        envFiles.push({ path: expandSpecifiers(optional ? d.value.slice(1).trim() : d.value, unit.name), optional, origin });
      } else if (d.key === "ExecStart") {
        execStarts.push({ value: d.value, origin });
      } else if (d.key === "WorkingDirectory") {
        const wd = d.value.replace(/^-/, "");
        if (path.posix.isAbsolute(wd)) out.workingDirectory = wd;
        else delete out.workingDirectory;
      }
    }
    const env = new Map<string, EnvValue>();
    for (const a of envAssigns) env.set(a.name, { value: a.value, origin: a.origin });
    for (const f of envFiles) await readEnvironmentFiles(ctx, f, env, out);
    const win = execStarts[execStarts.length - 1];
    if (!win) {
      out.problems.push({ file: unit.file, message: `${unit.name} has no ExecStart=` });
      return out;
    }
    if (execStarts.length > 1) {
      out.problems.push({
        ...win.origin,
        message: `${execStarts.length} ExecStart= lines in effect (systemd allows one for a non-oneshot service); using ${win.origin.file}:${win.origin.line}`,
      });
    }
    const ex = expandExecStart(win.value, env, win.origin);
    for (const p of ex.problems) out.problems.push({ ...win.origin, message: p });
    out.argv = ex.argv;
    out.origins = ex.origins;
    out.execStart = win.origin;
    return out;
  });
}

export interface EnablementLink {
  /** Host path of the symlink (…/multi-user.target.wants/foo.service, or an alias). */
  path: string;
  /** The link's own name. */
  name: string;
  /** readlink text ("" when unreadable). */
  target: string;
  /** `wants`, `requires`, `upholds`, or `alias` (a top-level link with another name). */
  via: "wants" | "requires" | "upholds" | "alias";
  dir: UnitDir;
}

/**
 * Every enablement symlink under the search path, once per scan: `*.wants/`,
 * `*.requires/`, `*.upholds/` entries and top-level alias links.
 */
export function enablementLinks(ctx: ProbeContext): Promise<EnablementLink[]> {
  return ctx.once("systemd:enablement-links", async () => {
    const links: EnablementLink[] = [];
    // A directory or link that cannot be read could be the one that enables the unit: the
    // error propagates (the probe fails with it) instead of reading as "not enabled".
    // Only what vanished meanwhile (ENOENT) is skipped.
    const gone = (e: unknown) => (isMissing(e) ? null : Promise.reject(e));
    for (const dir of await unitSearchPath(ctx)) {
      const entries = (await ctx.host.readdir(dir.path)) ?? [];
      for (const entry of entries) {
        const p = `${dir.path}/${entry}`;
        const m = /\.(wants|requires|upholds)$/.exec(entry);
        if (m) {
          const lstDir = await ctx.host.lstat(p).catch(gone);
          if (!lstDir?.isDirectory() && !lstDir?.isSymbolicLink()) continue;
          const subs = (await ctx.host.readdir(p).catch((e: unknown) => (isMissing(e) || (e as NodeJS.ErrnoException).code === "ENOTDIR" ? null : Promise.reject(e)))) ?? [];
          for (const s of subs) {
            const target = (await ctx.host.readlink(`${p}/${s}`).catch((e: unknown) => ((e as NodeJS.ErrnoException).code === "EINVAL" ? "" : gone(e)))) ?? "";
            links.push({ path: `${p}/${s}`, name: s, target, via: m[1] as "wants" | "requires" | "upholds", dir });
          }
          continue;
        }
        const lst = await ctx.host.lstat(p).catch(gone);
        if (!lst?.isSymbolicLink()) continue;
        const target = (await ctx.host.readlink(p).catch(gone)) ?? "";
        if (target && target !== "/dev/null" && path.posix.basename(target) !== entry) {
          links.push({ path: p, name: entry, target, via: "alias", dir });
        }
      }
    }
    return links;
  });
}

/** Links that enable `unit` (by link name, or by what the link points at). */
export async function linksFor(ctx: ProbeContext, unit: string): Promise<EnablementLink[]> {
  const all = await enablementLinks(ctx);
  return all.filter((l) => {
    const targetBase = l.target ? path.posix.basename(l.target) : "";
    if (l.via === "alias") return targetBase === unit;
    return l.name === unit || targetBase === unit;
  });
}

/**
 * Unit files on disk, read the way systemd's lookup does (src/basic/path-lookup.c,
 * src/shared/install.c, src/shared/dropin.c) — no running systemd needed, so it works
 * on a mounted root and a fixture tree. Shared by the systemd-unit and kubelet probes:
 *
 *   const u = await loadUnit(ctx, "kubelet.service");
 *   u?.sections.Service  // merged fragment + drop-ins, each directive with its file
 */
import path from "node:path";
import { ErrorCodes, NodewardError } from "../errors.js";
import type { ProbeContext } from "./types.js";
import {
  mergeUnitSections,
  parseUnitFile,
  type MergedDirective,
  type ParsedUnitFile,
} from "./parse/unit-file.js";

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
export function normalizeUnitName(name: string): string {
  if (!UNIT_NAME_RE.test(name) || name.length > 256) {
    throw new NodewardError(ErrorCodes.PROBE_FAILED, `not a valid unit name: ${JSON.stringify(name)}`);
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
export function unitSearchPath(ctx: ProbeContext): Promise<UnitDir[]> {
  return ctx.once("systemd:search-path", async () => {
    const seen = new Set<string>();
    const dirs: UnitDir[] = [];
    for (const d of UNIT_SEARCH_PATH) {
      let real: string;
      try {
        const st = await ctx.host.stat(d.path);
        if (!st?.isDirectory()) continue;
        real = await ctx.host.resolve(d.path);
      } catch {
        continue; // unreadable or a link out of the root: not a unit directory we can use
      }
      if (seen.has(real)) continue;
      seen.add(real);
      dirs.push(d);
    }
    return dirs;
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
  /** Unparsable lines and unreadable drop-ins. */
  problems: UnitProblem[];
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
): Promise<FoundFile | null> {
  for (const dir of dirs) {
    const file = `${dir.path}/${name}`;
    const lst = await ctx.host.lstat(file);
    if (!lst) continue;
    if (lst.isSymbolicLink()) {
      const linkTarget = await ctx.host.readlink(file);
      if (linkTarget === "/dev/null") {
        if (skipMasks) continue;
        return { file, dir, linkTarget, masked: true, viaTemplate };
      }
      // A dangling link is no unit file; systemd goes on looking too.
      const st = await ctx.host.stat(file).catch(() => null);
      if (!st?.isFile()) continue;
      return { file, dir, linkTarget, masked: false, viaTemplate };
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
  const unit = normalizeUnitName(name);
  const dirs = await unitSearchPath(ctx);
  const direct = await findInDirs(ctx, dirs, unit, false, skipMasks);
  if (direct) return direct;
  const template = templateOf(unit);
  return template ? findInDirs(ctx, dirs, template, true, skipMasks) : null;
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

/**
 * Load a unit: find its file, read and parse it, and merge its drop-ins
 * (`<unit>.d/*.conf` in every search directory; the same basename in an earlier
 * directory wins; applied in basename order). Null when no unit file exists.
 * Once per scan per unit.
 */
export async function loadUnit(ctx: ProbeContext, name: string): Promise<LoadedUnit | null> {
  const unit = normalizeUnitName(name);
  return ctx.once(`systemd:unit:${unit}`, async () => {
    const found = await findUnitFile(ctx, unit);
    if (!found) return null;
    const problems: UnitProblem[] = [];
    const base = {
      name: unit,
      file: found.file,
      dir: found.dir,
      viaTemplate: found.viaTemplate,
      ...(found.linkTarget !== undefined ? { linkTarget: found.linkTarget } : {}),
    };
    if (found.masked) {
      return {
        ...base,
        masked: true,
        dropIns: [],
        fragment: { file: found.file, sections: mergeUnitSections([]), problems: [] },
        sections: mergeUnitSections([]),
        problems,
      };
    }

    const fragment = parseUnitFile(await ctx.host.readFile(found.file), found.file);
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
          problems.push({ file: dropDir, message: `cannot list drop-ins: ${(e as Error).message}` });
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
        problems.push({ file: p, message: `cannot read drop-in: ${(e as Error).message}` });
        continue;
      }
      const d = parseUnitFile(text, p);
      for (const pr of d.problems) problems.push({ file: p, ...pr });
      dropIns.push(p);
      parsed.push(d);
    }

    return { ...base, masked: false, dropIns, fragment, sections: mergeUnitSections(parsed), problems };
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
    for (const dir of await unitSearchPath(ctx)) {
      const entries = (await ctx.host.readdir(dir.path).catch(() => null)) ?? [];
      for (const entry of entries) {
        const p = `${dir.path}/${entry}`;
        const m = /\.(wants|requires|upholds)$/.exec(entry);
        if (m) {
          const subs = (await ctx.host.readdir(p).catch(() => null)) ?? [];
          for (const s of subs) {
            const target = await ctx.host.readlink(`${p}/${s}`).catch(() => "");
            links.push({ path: `${p}/${s}`, name: s, target, via: m[1] as "wants" | "requires" | "upholds", dir });
          }
          continue;
        }
        const lst = await ctx.host.lstat(p).catch(() => null);
        if (!lst?.isSymbolicLink()) continue;
        const target = await ctx.host.readlink(p).catch(() => "");
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

/**
 * systemd-unit: is a unit installed, enabled, masked — read from unit files and
 * enablement symlinks under the root, the way `systemctl is-enabled` decides
 * (src/shared/install.c `unit_file_lookup_state`) — and whether it is active, asked of
 * the scanned system's own systemd (systemd-manager.ts).
 */
import path from "node:path";
import { lazySchema } from "../util/lazy-zod.js";
import { unitActiveState } from "./systemd-manager.js";
import { defineProbe, type Evidence } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import {
  UNIT_NAME_RE,
  UNIT_SEARCH_PATH,
  findUnitFile,
  linksFor,
  lookupUnit,
  normaliseUnitName,
  templateOf,
  unitSearchPath,
  type EnablementLink,
} from "./systemd-unit-files.js";

export type UnitState =
  | "enabled"
  | "disabled"
  | "static"
  | "masked"
  | "absent"
  | "indirect"
  | "generated"
  | "transient"
  | "linked"
  | "alias";

export interface SystemdUnitFact {
  unit: string;
  state: UnitState;
  /** Enablement symlinks in /etc or /run pull the unit in (state `enabled`). */
  enabled: boolean;
  /** A unit file or a mask exists for this name; false only for `absent` (as systemctl). */
  exists: boolean;
  masked: boolean;
  /** When the name is an alias (a link to a unit of another name): that unit. */
  aliasOf?: string;
  /** ActiveState from the scanned system's systemd (`systemctl is-active`); `inactive` on a running system systemd does not run. */
  active?: string;
  /** Host path of the unit file that won (the /dev/null link when masked). */
  file?: string;
}

const params = lazySchema((z) => z.strictObject({
  unit: z
    .string()
    .min(1)
    .max(256)
    .regex(UNIT_NAME_RE, "a unit name: no '/', whitespace or leading '-'")
    .describe("Unit name with its suffix (`rpcbind.socket`); a bare name means `.service`."),
}));

const INSTALL_RULES = new Set(["WantedBy", "RequiredBy", "UpheldBy", "Alias"]);

/** Does a link in `dir` point into a unit directory (compared by path, as systemd does)? */
function isInSearchPath(dir: string, target: string): boolean {
  const targetDir = path.posix.dirname(path.posix.resolve(dir, target));
  return UNIT_SEARCH_PATH.some((d) => d.path === targetDir);
}

function describeLink(l: EnablementLink): string {
  const where = l.dir.kind === "config" ? "" : " (runtime)";
  return `enabled${where} by ${l.path} -> ${l.target || "?"}`;
}

export default defineProbe({
  id: "systemd-unit",
  summary: "A systemd unit's state from unit files and enablement symlinks (enabled, masked, static, absent) and, on a live systemd host, whether it is active",
  params,
  fields: ["unit", "state", "enabled", "exists", "masked", "aliasOf", "active", "file"],
  /** Unit files, drop-ins and enablement links by their directories (a new `*.wants` too); the active state polled. */
  watch(p, seen) {
    const offline = seen.fact?.notApplicable?.["active"] !== undefined;
    return readsAnd(seen.reads, { poll: offline ? [] : [{ kind: "unit-active", units: [normaliseUnitName(p.unit)] }] });
  },
  async collect(ctx, p) {
    const unit = normaliseUnitName(p.unit);
    const evidence: Evidence[] = [];
    const unknown: Record<string, string> = {};
    const value: SystemdUnitFact = { unit, state: "absent", enabled: false, exists: false, masked: false };

    const lookup = await lookupUnit(ctx, unit);
    const loaded = lookup.unit;
    // A unit directory, unit file or link that could not be read may hold this unit, its
    // mask or an override: what the files say about it is then not known.
    if (lookup.unobserved.length > 0) {
      const first = lookup.unobserved[0] as { file: string; message: string };
      const why = `${first.file}: ${first.message}${lookup.unobserved.length > 1 ? ` (+${lookup.unobserved.length - 1} more)` : ""}`;
      for (const f of ["state", "enabled", "exists", "masked", "aliasOf", "file"]) unknown[f] = why;
    }
    if (!loaded) {
      const dirs = (await unitSearchPath(ctx)).map((d) => d.path);
      const t = templateOf(unit);
      evidence.push({
        unit,
        detail: `no unit file ${unit}${t ? ` or ${t}` : ""} in ${dirs.length > 0 ? dirs.join(", ") : "any unit directory (none exist)"}`,
      });
    } else {
      value.file = loaded.file;
      const e: Evidence = { unit, file: loaded.file };
      if (loaded.masked) {
        value.state = "masked";
        value.masked = true;
        // systemctl knows a masked name whether or not a package file sits under the mask.
        value.exists = true;
        const real = await findUnitFile(ctx, unit, true);
        e.detail = `masked: ${loaded.file} -> /dev/null${real ? "" : " (no unit file under the mask)"}`;
      } else {
        value.exists = true;
        // Asked by an alias name (Debian's sshd.service -> ssh.service): judge the real unit.
        const aliasOf =
          loaded.linkTarget !== undefined && path.posix.basename(loaded.linkTarget) !== path.posix.basename(loaded.file)
            ? path.posix.basename(loaded.linkTarget)
            : undefined;
        const links = [...(await linksFor(ctx, unit)), ...(aliasOf ? await linksFor(ctx, aliasOf) : [])];
        const enabling = links.find((l) => l.dir.kind === "config" || l.dir.kind === "runtime" || l.dir.kind === "transient" || l.dir.kind === "generator");
        const install = loaded.fragment.sections["Install"] ?? [];
        if (loaded.dir.kind === "generator") {
          value.state = "generated";
        } else if (loaded.dir.kind === "transient") {
          value.state = "transient";
        } else if (enabling) {
          value.state = "enabled";
          value.enabled = true;
          e.detail = describeLink(enabling);
        } else if (templateOf(unit) && links.some((l) => l.dir.kind === "vendor")) {
          // An instance pulled in by the vendor's own wants links is statically enabled.
          value.state = "static";
        } else if (
          loaded.linkTarget !== undefined &&
          (loaded.dir.kind === "config" || loaded.dir.kind === "runtime") &&
          path.posix.basename(loaded.linkTarget) === path.posix.basename(loaded.file) &&
          !isInSearchPath(loaded.dir.path, loaded.linkTarget)
        ) {
          // `systemctl link /opt/x/foo.service`: a same-name link to outside the search path.
          value.state = "linked";
          e.detail = `linked: ${loaded.file} -> ${loaded.linkTarget}`;
        } else if (install.some((d) => INSTALL_RULES.has(d.key))) {
          value.state = "disabled";
        } else if (install.some((d) => d.key === "Also")) {
          value.state = "indirect";
        } else {
          value.state = "static";
        }
        if (loaded.viaTemplate && !e.detail) e.detail = `instance of template ${path.posix.basename(loaded.file)}`;
        if (aliasOf) {
          // `systemctl is-enabled sshd.service` says "alias"; `enabled` still tells whether the real unit is.
          value.state = "alias";
          value.aliasOf = aliasOf;
          e.detail = `alias of ${aliasOf}${e.detail ? `; ${e.detail}` : ""}`;
        }
      }
      evidence.push(e);
      for (const pr of loaded.problems.slice(0, 10)) {
        evidence.push({ unit, file: pr.file, ...(pr.line !== undefined ? { line: pr.line } : {}), detail: pr.message });
      }
    }

    // Running state: asked of the scanned system's own systemd (see systemd-manager.ts).
    const a = await unitActiveState(ctx, unit);
    const notApplicable: Record<string, string> = {};
    if ("active" in a) {
      value.active = a.active;
      evidence.push(a.evidence);
    } else if ("unknown" in a) unknown["active"] = a.unknown;
    else notApplicable["active"] = a.notApplicable;

    return {
      value,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});

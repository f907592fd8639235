/** The fix-action registry: one line per action. Packs name them in `fix: { action }`. */
import type { FixDef } from "../packs/schema.js";
import auditRulesAdd from "./audit-rules-add.js";
import configLine from "./config-line.js";
import fileMode from "./file-mode.js";
import fileOwner from "./file-owner.js";
import grubCmdlineAdd from "./grub-cmdline-add.js";
import grubbyArgs from "./grubby-args.js";
import kernelModuleDisable from "./kernel-module-disable.js";
import packagePurge from "./package-purge.js";
import portServiceStop from "./port-service-stop.js";
import serviceDisable from "./service-disable.js";
import sysctlSet from "./sysctl-set.js";
import type { FixAction } from "./types.js";

export const fixes = {
  "file-mode": fileMode,
  "file-owner": fileOwner,
  "config-line": configLine,
  "kernel-module-disable": kernelModuleDisable,
  "sysctl-set": sysctlSet,
  "service-disable": serviceDisable,
  "package-purge": packagePurge,
  "port-service-stop": portServiceStop,
  "audit-rules-add": auditRulesAdd,
  "grub-cmdline-add": grubCmdlineAdd,
  "grubby-args": grubbyArgs,
} satisfies Record<string, FixAction>;

export function getFix(id: string): FixAction | undefined {
  return Object.hasOwn(fixes, id) ? (fixes[id as keyof typeof fixes] as FixAction) : undefined;
}

/** LoadOptions.validateFix: the action exists and its params are valid. */
export function validateFix(fix: FixDef): string | undefined {
  const action = getFix(fix.action);
  if (!action) return `unknown fix action "${fix.action}" (known: ${Object.keys(fixes).join(", ")})`;
  const r = action.params.safeParse(fix.params ?? {});
  if (r.success) return undefined;
  return `fix ${fix.action}: ${r.error.issues.map((i) => `${i.message}${i.path.length ? ` at ${i.path.join(".")}` : ""}`).join("; ")}`;
}

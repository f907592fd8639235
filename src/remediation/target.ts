/**
 * Where a fix acts: a fixed host path, or a kubelet file found the way the file probe
 * finds it (`pathOf: kubelet-config` → the real --config of this node), so a fix never
 * guesses /var/lib/kubelet/config.yaml. Also account names → ids from the root's own
 * /etc/passwd and /etc/group (never this machine's).
 */
import { z } from "zod";
import { kubeletInfo } from "../probes/kubelet.js";
import { parseGroup, parsePasswd } from "../probes/parse/passwd.js";
import { FixRefused, type FixContext } from "./types.js";

export const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith("/") && !p.includes("\0") && !p.split("/").includes(".."), "must be an absolute path without '..'");

export const PATH_OF = ["kubelet-unit", "kubelet-config", "kubelet-kubeconfig", "kubelet-client-ca"] as const;
export type PathOf = (typeof PATH_OF)[number];

export const targetShape = {
  path: absolutePath.optional(),
  pathOf: z.enum(PATH_OF).optional(),
};

export const exactlyOneTarget = (p: { path?: string | undefined; pathOf?: string | undefined }): boolean =>
  (p.path === undefined) !== (p.pathOf === undefined);

export async function resolveTarget(ctx: FixContext, p: { path?: string | undefined; pathOf?: PathOf | undefined }): Promise<string> {
  if (p.path !== undefined) return p.path;
  const info = await kubeletInfo(ctx.probe);
  if (!info.present) throw new FixRefused("no kubelet found (no kubelet process and no kubelet systemd unit)");
  const found =
    p.pathOf === "kubelet-unit" ? (info.serviceFile ?? info.unitFile)
    : p.pathOf === "kubelet-config" ? info.configFile
    : p.pathOf === "kubelet-kubeconfig" ? info.kubeconfig
    : info.clientCAFile;
  if (!found) throw new FixRefused(`the kubelet has no ${p.pathOf} file to fix`);
  return found;
}

/** A user or group name (or number) → id, from the root's own account files. */
export async function accountId(ctx: FixContext, kind: "user" | "group", name: string | number): Promise<number> {
  if (typeof name === "number") return name;
  if (/^\d+$/.test(name)) return Number(name);
  const file = kind === "user" ? "/etc/passwd" : "/etc/group";
  const text = (await ctx.host.readFileIfExists(file)) ?? "";
  const byId = kind === "user" ? parsePasswd(text) : parseGroup(text);
  for (const [id, n] of byId) if (n === name) return id;
  throw new FixRefused(`no ${kind} "${name}" in the root's ${file}`);
}

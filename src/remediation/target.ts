/**
 * Where a fix acts: a fixed host path, or a kubelet file found the way the file probe
 * finds it (`pathOf: kubelet-config` → the real --config of this node), so a fix never
 * guesses /var/lib/kubelet/config.yaml. Also account names → ids from the root's own
 * /etc/passwd and /etc/group (never this machine's).
 */
import { z } from "zod";
import { KUBELET_FILES, kubeletFile, kubeletInfo } from "../probes/k8s/kubelet-info.js";
import { parseGroup, parsePasswd } from "../probes/parse/passwd.js";
import { FixRefused, type FixContext } from "./types.js";

export const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith("/") && !p.includes("\0") && !p.split("/").includes(".."), "must be an absolute path without '..'");

export const PATH_OF = KUBELET_FILES;
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
  if (!info.present && !info.unobserved?.present) throw new FixRefused("FIX_NO_KUBELET");
  const r = kubeletFile(info, p.pathOf as NonNullable<typeof p.pathOf>);
  if ("unobserved" in r) throw new FixRefused("FIX_KUBELET_FILE_UNKNOWN", { file: p.pathOf ?? "", reason: r.unobserved });
  if ("note" in r) throw new FixRefused("FIX_KUBELET_NO_FILE", { file: p.pathOf ?? "", note: r.note });
  return r.path;
}

/** A user or group name (or number) → id, from the root's own account files. */
export async function accountId(ctx: FixContext, kind: "user" | "group", name: string | number): Promise<number> {
  if (typeof name === "number") return name;
  if (/^\d+$/.test(name)) return Number(name);
  const file = kind === "user" ? "/etc/passwd" : "/etc/group";
  const text = (await ctx.host.readFileIfExists(file)) ?? "";
  const byId = kind === "user" ? parsePasswd(text) : parseGroup(text);
  for (const [id, n] of byId) if (n === name) return id;
  throw new FixRefused("FIX_NO_OWNER", { kind, name, file });
}

/**
 * The scanned system's identity from os-release(5): used for applicability
 * (a RHEL-only audit skips on Debian) and for the report's inventory of a --root scan.
 */
import { z } from "zod";
import { defineProbe } from "./types.js";

export interface OsReleaseFact {
  exists: boolean;
  id?: string;
  idLike: string[];
  /** "debian" for Debian/Ubuntu and derivatives, "rhel" for RHEL/Fedora/CentOS/Rocky/Alma, else the id. */
  family?: string;
  versionId?: string;
  name?: string;
  prettyName?: string;
}

/** Parse os-release's `KEY=value` lines (shell-style quotes; odd lines ignored). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] as string).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) {
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, "$1");
    }
    out[m[1] as string] = v;
  }
  return out;
}

export function osFamily(id: string | undefined, idLike: readonly string[]): string | undefined {
  const all = [id, ...idLike].filter((x): x is string => !!x);
  if (all.some((x) => x === "debian" || x === "ubuntu")) return "debian";
  if (all.some((x) => ["rhel", "fedora", "centos", "rocky", "almalinux"].includes(x))) return "rhel";
  if (all.some((x) => x === "suse" || x.startsWith("opensuse") || x === "sles")) return "suse";
  return id;
}

export default defineProbe({
  id: "os-release",
  summary: "The OS of the scanned root, from /etc/os-release",
  params: z.strictObject({}),
  fields: ["exists", "id", "idLike", "family", "versionId", "name", "prettyName"],
  async collect(ctx) {
    return ctx.once("os-release", async () => {
      let file = "/etc/os-release";
      let text = await ctx.host.readFileIfExists(file);
      if (text === null) {
        file = "/usr/lib/os-release";
        text = await ctx.host.readFileIfExists(file);
      }
      if (text === null) {
        return { value: { exists: false, idLike: [] } as OsReleaseFact, evidence: [{ file: "/etc/os-release", detail: "missing" }] };
      }
      const kv = parseOsRelease(text);
      const idLike = (kv.ID_LIKE ?? "").split(/\s+/).filter(Boolean);
      const family = osFamily(kv.ID, idLike);
      const value: OsReleaseFact = {
        exists: true,
        idLike,
        ...(kv.ID ? { id: kv.ID } : {}),
        ...(family ? { family } : {}),
        ...(kv.VERSION_ID ? { versionId: kv.VERSION_ID } : {}),
        ...(kv.NAME ? { name: kv.NAME } : {}),
        ...(kv.PRETTY_NAME ? { prettyName: kv.PRETTY_NAME } : {}),
      };
      return { value, evidence: [{ file }] };
    });
  },
});

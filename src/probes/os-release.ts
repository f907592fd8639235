/**
 * The scanned system's identity from os-release(5): used for applicability
 * (a RHEL-only audit skips on Debian) and for the report's inventory of a --root scan.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { osFamily, parseOsRelease } from "./parse/os-release.js";
import { defineProbe } from "./types.js";
import { readsAnd } from "./kit/watch.js";

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

export default defineProbe({
  id: "os-release",
  summary: "The OS of the scanned root, from /etc/os-release",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["exists", "id", "idLike", "family", "versionId", "name", "prettyName"],
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
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

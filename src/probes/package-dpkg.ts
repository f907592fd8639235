/**
 * dpkg backend: parse `<root>/var/lib/dpkg/status` directly (no dpkg-query), so an
 * offline root and a mounted host answer the same way.
 */
import { parseDpkgStatus, type DpkgStatus } from "./parse/dpkg-status.js";
import type { ProbeContext } from "./types.js";

export const DPKG_STATUS = "/var/lib/dpkg/status";

export { DPKG_INSTALLED_STATES, type DpkgPackage, type DpkgStatus } from "./parse/dpkg-status.js";

/** The parsed dpkg database, once per scan; null when the root has none. */
export function dpkgStatus(ctx: ProbeContext): Promise<DpkgStatus | null> {
  return ctx.once("dpkg-status", async () => {
    const text = await ctx.host.readFileIfExists(DPKG_STATUS);
    return text === null ? null : parseDpkgStatus(text);
  });
}

/**
 * package-purge: `apt-get purge -y` (dpkg) or `dnf remove -y` (rpm), on the live host
 * only. Not reversible by nodeward: rollback prints the exact reinstall command, with the
 * version the package probe saw (and runs it with `rollback --reinstall`). A dpkg
 * package's conffiles are backed up first so the operator can put them back.
 */
import { z } from "zod";
import pkgProbe, { type PackageFactValue } from "../probes/package.js";
import { defineFix, FixRefused, type Change } from "./types.js";

export default defineFix({
  id: "package-purge",
  summary: "Purge a package (apt-get purge / dnf remove) on the live host; rollback prints the exact reinstall command",
  liveOnly: true,
  params: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+.:_-]*$/, "a package name") }),
  async plan(ctx, p) {
    const fact = (await pkgProbe.collect(ctx.probe, { name: p.name })).value as PackageFactValue;
    if (fact.installed !== true) return [];
    if (fact.manager === "dpkg") {
      const version = fact.version ? `=${fact.version}` : "";
      const conffiles: string[] = [];
      for (const f of [`/var/lib/dpkg/info/${p.name}.conffiles`, ...((await ctx.host.glob(`/var/lib/dpkg/info/${p.name}:*.conffiles`)) ?? [])]) {
        const text = await ctx.host.readFileIfExists(f).catch(() => null);
        for (const line of (text ?? "").split("\n")) {
          const path = line.trim().split(/\s+/)[0];
          if (path?.startsWith("/") && (await ctx.host.lstat(path).catch(() => null))?.isFile()) conffiles.push(path);
        }
      }
      const reinstall = ["apt-get", "install", "-y", `${p.name}${version}`];
      const change: Change = {
        kind: "command",
        argv: ["apt-get", "purge", "-y", p.name],
        env: { DEBIAN_FRONTEND: "noninteractive" },
        undo: reinstall,
        manualUndo: `reinstall ${p.name}: DEBIAN_FRONTEND=noninteractive ${reinstall.join(" ")}`,
        liveOnly: true,
        why: `${p.name} ${fact.version ?? ""} is installed`.trim(),
        timeoutMs: 300_000,
        ...(conffiles.length ? { backupFiles: conffiles } : {}),
      };
      return [change];
    }
    if (fact.manager === "rpm") {
      const reinstall = ["dnf", "install", "-y", fact.version ? `${p.name}-${fact.version}` : p.name];
      return [{
        kind: "command",
        argv: ["dnf", "remove", "-y", p.name],
        undo: reinstall,
        manualUndo: `reinstall ${p.name}: ${reinstall.join(" ")}`,
        liveOnly: true,
        why: `${p.name} ${fact.version ?? ""} is installed`.trim(),
        timeoutMs: 300_000,
      }];
    }
    throw new FixRefused("FIX_NO_PACKAGE_MANAGER", { package: p.name });
  },
});

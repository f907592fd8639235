/**
 * kernel-module-disable: `/etc/modprobe.d/nodeward-<m>.conf` with `install <m> /bin/false`
 * (modprobe cannot load it) and `blacklist <m>` (no alias autoload), and on the live host
 * `modprobe -r <m>` when it is loaded. Takes effect at once; the module stays unloadable
 * across reboots.
 */
import { z } from "zod";
import { normaliseModuleName, parseProcModules } from "../probes/parse/modprobe.js";
import { missingDirs } from "./atomic.js";
import { defineFix, type Change } from "./types.js";

export function modprobeFile(name: string): { path: string; content: string } {
  return {
    path: `/etc/modprobe.d/nodeward-${name}.conf`,
    content: `# Written by nodeward: kernel module ${name} is disabled (CIS "module not available").\ninstall ${name} /bin/false\nblacklist ${name}\n`,
  };
}

export default defineFix({
  id: "kernel-module-disable",
  summary: "Disable a kernel module: modprobe.d install /bin/false + blacklist, and unload it on the live host",
  params: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]+$/, "a module name is letters, digits, '_' and '-'") }),
  async plan(ctx, p) {
    const name = normaliseModuleName(p.name);
    const want = modprobeFile(name);
    const changes: Change[] = [];
    const cur = await ctx.readFile(want.path);
    if (cur?.content !== want.content) {
      const mkdirs = cur ? [] : await missingDirs(ctx.host, want.path);
      changes.push({
        kind: "write-file",
        path: want.path,
        before: cur,
        after: { content: want.content, mode: cur?.mode ?? 0o644, uid: cur?.uid ?? 0, gid: cur?.gid ?? 0 },
        ...(mkdirs.length ? { mkdirs } : {}),
      });
    }
    const procModules = await ctx.host.procReadIfExists("modules").catch(() => null);
    if (procModules && parseProcModules(procModules).some((m) => m.name === name)) {
      changes.push({ kind: "command", argv: ["modprobe", "-r", name], undo: ["modprobe", name], liveOnly: true, why: `unload ${name}: it is loaded now` });
    }
    return changes;
  },
});

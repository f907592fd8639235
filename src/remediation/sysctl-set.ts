/**
 * sysctl-set: persist `key = value` in /etc/sysctl.d/60-nodeward.conf, comment out
 * assignments with another value in /etc files applied after it (they would win), and on
 * the live host `sysctl -w key=value` (undo: the old runtime value).
 */
import { z } from "zod";
import { isMissing } from "../host/host-root.js";
import { orderSysctlFiles, parseSysctlConf, sysctlKeyToPath, sysctlPathToKey } from "../probes/parse/sysctl.js";
import { SYSCTL_CONF, SYSCTL_DIRS } from "../probes/sysctl.js";
import { missingDirs } from "./atomic.js";
import { setLastWins } from "./config-line.js";
import { defineFix, FixRefused, type Change, type FixContext } from "./types.js";

export const NODEWARD_SYSCTL_FILE = "/etc/sysctl.d/60-nodeward.conf";

async function sysctlFiles(ctx: FixContext): Promise<string[]> {
  const byDir: { dir: string; names: string[] }[] = [];
  for (const dir of SYSCTL_DIRS) {
    try {
      byDir.push({ dir, names: (await ctx.host.readdir(dir)) ?? [] });
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }
  const names = byDir.map((d) => (d.dir === "/etc/sysctl.d" && !d.names.includes("60-nodeward.conf") ? { ...d, names: [...d.names, "60-nodeward.conf"] } : d));
  if (!names.some((d) => d.dir === "/etc/sysctl.d")) names.unshift({ dir: "/etc/sysctl.d", names: ["60-nodeward.conf"] });
  return [...orderSysctlFiles(names), SYSCTL_CONF];
}

export default defineFix({
  id: "sysctl-set",
  summary: "Set a kernel parameter: persist it in /etc/sysctl.d/60-nodeward.conf and apply it with sysctl -w on the live host",
  params: z.strictObject({
    key: z.string().regex(/^[A-Za-z0-9_.:@+/-]+$/, "a sysctl key"),
    value: z.union([z.string().min(1), z.number()]).transform(String),
  }),
  async plan(ctx, p) {
    const keyPath = sysctlKeyToPath(p.key);
    const key = sysctlPathToKey(keyPath);
    const same = (a: string, b: string) => sysctlKeyToPath(a.replace(/^-/, "")) === sysctlKeyToPath(b);
    const changes: Change[] = [];

    const cur = await ctx.readFile(NODEWARD_SYSCTL_FILE);
    const next = setLastWins(cur?.content ?? "# Written by nodeward: kernel parameters set by remediation.\n", key, p.value, "equals", same);
    if (!cur || next !== cur.content) {
      const mkdirs = cur ? [] : await missingDirs(ctx.host, NODEWARD_SYSCTL_FILE);
      changes.push({
        kind: "write-file",
        path: NODEWARD_SYSCTL_FILE,
        before: cur,
        after: { content: next, mode: cur?.mode ?? 0o644, uid: cur?.uid ?? 0, gid: cur?.gid ?? 0 },
        ...(mkdirs.length ? { mkdirs } : {}),
      });
    }

    // Files applied after ours that set another value would win at boot.
    const files = await sysctlFiles(ctx);
    for (const file of files.slice(files.indexOf(NODEWARD_SYSCTL_FILE) + 1)) {
      const st = await ctx.readFile(file).catch(() => null);
      if (!st) continue;
      const conflicts = parseSysctlConf(st.content, file).entries.filter((e) => !e.glob && !e.exclude && sysctlKeyToPath(e.key) === keyPath && e.value !== p.value);
      if (conflicts.length === 0) continue;
      if (!file.startsWith("/etc/")) {
        throw new FixRefused("FIX_SYSCTL_OVERRIDDEN", { file, line: String(conflicts[0]?.line), key, value: String(conflicts[0]?.value), ours: NODEWARD_SYSCTL_FILE, name: String(file.split("/").pop()) });
      }
      const lines = st.content.split("\n");
      for (const c of conflicts) lines[c.line - 1] = `# ${lines[c.line - 1]}  # nodeward: set in ${NODEWARD_SYSCTL_FILE}`;
      changes.push({ kind: "write-file", path: file, before: st, after: { ...st, content: lines.join("\n") } });
    }

    if (ctx.host.isLive) {
      const runtime = await ctx.host.procReadIfExists(`sys/${keyPath}`).catch(() => null);
      const now = runtime?.trim().split(/\s+/).join(" ");
      if (now !== undefined && now !== p.value) {
        changes.push({ kind: "command", argv: ["sysctl", "-w", `${key}=${p.value}`], undo: ["sysctl", "-w", `${key}=${now}`], liveOnly: true, why: `runtime value is ${now}` });
      }
    }
    return changes;
  },
});

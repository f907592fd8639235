/**
 * port-service-stop: for each listener not on the allow-list, find the systemd unit that
 * owns its process (from /proc/<pid>/cgroup) and stop + disable that unit. It never kills
 * a pid: a listener outside any service unit (a login session, a container) is refused
 * with its pid and executable, for a person to decide.
 */
import { z } from "zod";
import listeningPorts, { type ListeningPortsFact } from "../probes/listening-ports.js";
import { defineFix, FixRefused, type Change } from "./types.js";

/** The unit a process belongs to, from /proc/<pid>/cgroup (v2 `0::` or v1 `name=systemd`). */
export function unitFromCgroup(text: string): { unit?: string; scope?: string } {
  const lines = text.split("\n").filter((l) => l !== "");
  const line = lines.find((l) => l.startsWith("0::")) ?? lines.find((l) => /^\d+:name=systemd:/.test(l));
  if (!line) return {};
  const parts = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1).split("/").filter((x) => x !== "");
  for (let i = parts.length - 1; i >= 0; i--) {
    const c = parts[i] as string;
    if (/\.(service|socket)$/.test(c)) return { unit: c };
    if (c.endsWith(".scope")) return { scope: c };
  }
  return {};
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export default defineFix({
  id: "port-service-stop",
  summary: "Stop and disable the systemd unit behind an unexpected listening port (never kills an arbitrary pid)",
  liveOnly: true,
  params: z.strictObject({
    /** Ports that may listen on a network interface. */
    allowPorts: z.array(z.number().int().min(0).max(65535)).default([22]),
    /** Loopback listeners are not on a network interface. */
    allowLoopback: z.boolean().default(true),
    /** Act only on this port (the operator names one). */
    port: z.number().int().min(1).max(65535).optional(),
  }),
  async plan(ctx, p) {
    const fact = (await listeningPorts.collect(ctx.probe, { protocols: ["tcp", "udp"] })).value as ListeningPortsFact;
    const units = new Map<string, string>();
    const refused: string[] = [];
    for (const l of fact.listeners) {
      if (p.port !== undefined ? l.port !== p.port : p.allowPorts.includes(l.port) || (p.allowLoopback && LOOPBACK.test(l.address))) continue;
      const who = `${l.protocol} ${l.address}:${l.port}`;
      if (l.pid === undefined) {
        refused.push(`${who}: no owning process found`);
        continue;
      }
      const cg = await ctx.host.procReadIfExists(`${l.pid}/cgroup`).catch(() => null);
      const found = cg ? unitFromCgroup(cg) : {};
      if (found.unit) units.set(found.unit, `${who} (pid ${l.pid} ${l.process ?? ""})`);
      else refused.push(`${who}: pid ${l.pid} (${l.exe ?? l.process ?? "?"}) is ${found.scope ? `in ${found.scope}` : "not in a systemd service"}; stop it by hand`);
    }
    if (refused.length > 0 && units.size === 0) throw new FixRefused("FIX_PORT_OWNERS", { listeners: refused.join("; ") });
    const changes: Change[] = [...units.keys()].map((unit) => ({ kind: "unit" as const, unit, ops: ["stop", "disable"] as ("stop" | "disable")[] }));
    return changes;
  },
});

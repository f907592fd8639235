/**
 * Is IPv6 enabled on the scanned system? CIS applies its IPv6 firewall items (ip6tables, the
 * ::1 anti-spoofing rules) only where it is, and calls it disabled when the kernel command
 * line has ipv6.disable=1 or both net.ipv6.conf.all.disable_ipv6 and
 * net.ipv6.conf.default.disable_ipv6 are 1.
 *
 * A running system is asked directly: /proc/cmdline, then the two sysctls under /proc/sys
 * (no /proc/sys/net/ipv6 at all: the kernel has no IPv6). A mounted host's /proc/sys/net is
 * this process's network namespace, not the host's, so there only the command line can say
 * "disabled"; otherwise the status is unknown. An offline root is judged by what boot applies:
 * GRUB_CMDLINE_LINUX(_DEFAULT) in /etc/default/grub and the BLS entries' options
 * (/boot/loader/entries/*.conf), and the persisted sysctls. What cannot be read is unknown,
 * never "enabled".
 */
import { describeError } from "../../errors.js";
import { lastValue, parseBlsEntry, parseDefaultGrub, splitArgs } from "../parse/grub.js";
import { persistedFor } from "../parse/sysctl.js";
import type { Evidence, ProbeContext } from "../types.js";
import { runningSystem } from "./shared.js";
import { persistedSysctl } from "./sysctl-persisted.js";

export type Ipv6Status = { enabled: boolean; why: string; evidence: Evidence[] } | { unknown: string };

const DISABLE_ARG = "ipv6.disable=1";
/** ipv6.disable=1 as the kernel reads it: the last ipv6.disable= wins (ipv6.disable=1 … ipv6.disable=0 leaves IPv6 on). */
const disables = (args: readonly string[]): boolean => lastValue(args, "ipv6.disable") === "1";
const KEYS = ["net/ipv6/conf/all/disable_ipv6", "net/ipv6/conf/default/disable_ipv6"] as const;

export function ipv6Status(ctx: ProbeContext): Promise<Ipv6Status> {
  return ctx.once("kit:ipv6-status", async () => {
    try {
      return (await runningSystem(ctx)).running ? await running(ctx) : await offline(ctx);
    } catch (e) {
      return { unknown: `whether IPv6 is enabled cannot be observed: ${describeError(e)}` };
    }
  });
}

async function running(ctx: ProbeContext): Promise<Ipv6Status> {
  const cmdline = await ctx.host.procReadIfExists("cmdline");
  if (cmdline === null) return { unknown: `whether IPv6 is enabled cannot be observed: no ${ctx.host.proc}/cmdline` };
  if (disables(splitArgs(cmdline.replace(/\0/g, " ").trim()))) {
    return { enabled: false, why: `IPv6 is disabled (${DISABLE_ARG} on the kernel command line)`, evidence: [{ file: "/proc/cmdline", detail: DISABLE_ARG }] };
  }
  if (!ctx.host.isLive) {
    return { unknown: `whether IPv6 is enabled cannot be observed: the kernel command line does not disable it, and a mounted host's /proc/sys/net (${ctx.host.root}) is this process's network namespace, not the host's` };
  }
  const values: string[] = [];
  for (const key of KEYS) {
    const v = await ctx.host.procReadIfExists(`sys/${key}`);
    if (v === null) {
      if (await ctx.host.procExists("sys/net/ipv6")) return { unknown: `whether IPv6 is enabled cannot be observed: no /proc/sys/${key}` };
      return { enabled: false, why: "IPv6 is disabled (the running kernel has no /proc/sys/net/ipv6)", evidence: [{ file: "/proc/sys/net/ipv6", detail: "does not exist" }] };
    }
    values.push(v.trim());
  }
  const evidence: Evidence[] = KEYS.map((k, i) => ({ file: `/proc/sys/${k}`, key: k.replace(/\//g, "."), detail: values[i] as string }));
  if (values.every((v) => v === "1")) return { enabled: false, why: "IPv6 is disabled (net.ipv6.conf.all and .default disable_ipv6 = 1)", evidence };
  return { enabled: true, why: "IPv6 is enabled", evidence };
}

async function offline(ctx: ProbeContext): Promise<Ipv6Status> {
  const evidence: Evidence[] = [];
  const grub = await ctx.host.readFileIfExists("/etc/default/grub");
  if (grub !== null) {
    const g = parseDefaultGrub(grub);
    if (disables(g.args)) {
      return { enabled: false, why: `IPv6 is disabled (${DISABLE_ARG} in GRUB_CMDLINE_LINUX)`, evidence: [{ file: "/etc/default/grub", ...(g.lines[0] !== undefined ? { line: g.lines[0] } : {}), detail: DISABLE_ARG }] };
    }
  }
  const entries = (await ctx.host.glob("/boot/loader/entries/*.conf")).sort();
  for (const file of entries) {
    const text = await ctx.host.readFileIfExists(file);
    if (text === null) continue;
    const e = parseBlsEntry(text);
    if (disables(e.options)) return { enabled: false, why: `IPv6 is disabled (${DISABLE_ARG} in the boot entry's options)`, evidence: [{ file, line: e.line, detail: DISABLE_ARG }] };
  }
  const persisted = await persistedSysctl(ctx);
  if (persisted.unreadable.length > 0) return { unknown: `whether IPv6 is enabled cannot be observed: cannot read sysctl configuration: ${persisted.unreadable.join("; ")}` };
  const wins = KEYS.map((k) => persistedFor(persisted.entries, k));
  for (const w of wins) if (w) evidence.push({ file: w.file, line: w.line, key: w.key, detail: w.value });
  if (wins.every((w) => w?.value === "1")) return { enabled: false, why: "IPv6 is disabled (net.ipv6.conf.all and .default disable_ipv6 = 1 persisted)", evidence };
  return { enabled: true, why: "IPv6 is enabled (neither the boot command line nor the persisted sysctls disable it)", evidence };
}

/**
 * The running state of systemd units, asked of the scanned system's own systemd over
 * D-Bus — the same question `systemctl is-active` asks, but through the sockets under the
 * scanned root, so it works for the live host, for a host mounted at /host (a DaemonSet:
 * /host/run/systemd/private) and without a `systemctl` binary in the image.
 *
 *   - an offline root (no procfs at --proc, kit/shared.ts runningSystem): nothing runs there → not applicable;
 *   - a running system whose PID 1 is not systemd (no /run/systemd/system, PID 1 named
 *     otherwise): no unit is active → `inactive`, with PID 1 as the evidence;
 *   - systemd runs it: ActiveState from systemd, via /run/systemd/private (root only, what
 *     systemctl uses as root) or the system bus /run/dbus/system_bus_socket;
 *   - anything that cannot be read or reached → unknown, with the reason. Never guessed.
 */
import { describeError } from "../errors.js";
import { DbusConnection, systemdUnitPath } from "../host/dbus.js";
import { runningSystem } from "./kit/shared.js";
import type { Evidence, ProbeContext } from "./types.js";

export type UnitActiveState =
  | { active: string; evidence: Evidence }
  | { unknown: string }
  | { notApplicable: string };

export const SYSTEMD_PRIVATE_SOCKET = "/run/systemd/private";
export const SYSTEM_BUS_SOCKET = "/run/dbus/system_bus_socket";
const SYSTEMD = "org.freedesktop.systemd1";
/** Close an idle connection after this long (a scan asks about its units within milliseconds). */
const IDLE_CLOSE_MS = 500;

type Booted = { systemd: true } | { systemd: false; init: string } | { unknown: string };

/** sd_booted() of the scanned system: /run/systemd/system is a directory; PID 1 confirms. */
function bootedBySystemd(ctx: ProbeContext): Promise<Booted> {
  return ctx.once("systemd-manager:booted", async (): Promise<Booted> => {
    let marker: boolean;
    try {
      marker = (await ctx.host.stat("/run/systemd/system"))?.isDirectory() ?? false;
    } catch (e) {
      return { unknown: `cannot tell whether systemd runs this host: /run/systemd/system: ${describeError(e)}` };
    }
    let init: string | undefined;
    try {
      init = (await ctx.host.procReadIfExists("1/comm"))?.trim();
    } catch (e) {
      if (!marker) return { unknown: `no /run/systemd/system, and PID 1 cannot be read (${describeError(e)}) to confirm that systemd does not run this host` };
    }
    if (marker) return { systemd: true };
    if (init === undefined) return { unknown: "no /run/systemd/system, and /proc/1/comm is missing: cannot confirm that systemd does not run this host" };
    // The kernel always names a task: an empty comm is not its answer (an emptied file).
    if (init === "") return { unknown: "no /run/systemd/system, and /proc/1/comm is empty (the kernel always names PID 1): cannot confirm that systemd does not run this host" };
    if (init === "systemd") {
      return {
        unknown: `PID 1 is systemd but ${ctx.host.isLive ? "" : ctx.host.root}/run/systemd/system is missing: its state is hidden from nodeward${ctx.host.isLive ? "" : " (is the host's /run mounted?)"}`,
      };
    }
    return { systemd: false, init };
  });
}

/** One D-Bus connection per scan, reopened if it was closed for idleness; errors kept as reasons. */
class SystemdBus {
  private conn: Promise<{ conn: DbusConnection; socket: string } | { error: string }> | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ProbeContext) {}

  private async open(): Promise<{ conn: DbusConnection; socket: string } | { error: string }> {
    const root = process.getuid?.() === 0;
    // As root, systemctl talks to systemd's private socket (no bus daemon needed); others,
    // and root where that socket refuses, go through the system bus.
    const candidates = root ? [SYSTEMD_PRIVATE_SOCKET, SYSTEM_BUS_SOCKET] : [SYSTEM_BUS_SOCKET];
    const errors: string[] = [];
    for (const socket of candidates) {
      let real: string;
      try {
        real = await this.ctx.host.resolve(socket);
      } catch (e) {
        errors.push(`${socket}: ${describeError(e)}`);
        continue;
      }
      try {
        const conn = await DbusConnection.connect(real, { bus: socket === SYSTEM_BUS_SOCKET, timeoutMs: this.ctx.commandTimeoutMs });
        return { conn, socket };
      } catch (e) {
        errors.push(`${socket}: ${describeError(e)}`);
      }
    }
    return { error: `cannot reach systemd over D-Bus (${errors.join("; ")})` };
  }

  async activeState(unit: string): Promise<UnitActiveState> {
    if (this.idle) clearTimeout(this.idle);
    this.conn ??= this.open();
    const c = await this.conn;
    if ("error" in c) return { unknown: c.error };
    try {
      const v = await c.conn.getProperty(c.socket === SYSTEM_BUS_SOCKET ? SYSTEMD : undefined, systemdUnitPath(unit), `${SYSTEMD}.Unit`, "ActiveState");
      if (typeof v !== "string" || v === "") return { unknown: `systemd answered ActiveState=${String(v)} for ${unit}` };
      // Which socket carried the question is transport, not evidence: the agent (a user,
      // over the system bus) and root (over the private socket) report the same fact.
      return { active: v, evidence: { unit, detail: `ActiveState=${v} (from systemd over D-Bus)` } };
    } catch (e) {
      // A broken connection is not reused; the next unit tries again.
      this.conn = undefined;
      c.conn.close();
      return { unknown: `systemd did not answer ActiveState of ${unit}: ${describeError(e)}` };
    } finally {
      this.scheduleClose();
    }
  }

  private scheduleClose(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      const p = this.conn;
      this.conn = undefined;
      void p?.then((c) => {
        if ("conn" in c) c.conn.close();
      });
    }, IDLE_CLOSE_MS);
    this.idle.unref();
  }
}

/** Whether `unit` is active on the scanned system, as systemd itself says (see the file comment). */
export async function unitActiveState(ctx: ProbeContext, unit: string): Promise<UnitActiveState> {
  // One line for every probe between a running system and an offline root (kit/shared.ts).
  if (!(await runningSystem(ctx)).running) return { notApplicable: `not the live host (--root ${ctx.host.root}): nothing runs in an offline root` };
  const booted = await bootedBySystemd(ctx);
  if ("unknown" in booted) return booted;
  if (!booted.systemd) {
    return {
      active: "inactive",
      evidence: { unit, file: "/proc/1/comm", detail: `systemd does not run this host (PID 1 is ${JSON.stringify(booted.init)}, no /run/systemd/system): no unit is active` },
    };
  }
  const bus = await ctx.once("systemd-manager:bus", () => Promise.resolve(new SystemdBus(ctx)));
  return bus.activeState(unit);
}

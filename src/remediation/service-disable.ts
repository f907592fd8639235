/**
 * service-disable: stop, disable and mask a systemd unit (and its companions, e.g.
 * avahi-daemon.socket). Live host: `systemctl stop/disable/mask`. Offline root:
 * `systemctl --root=ROOT disable/mask` (works without a running systemd);
 * there is nothing to stop. Rollback restores the enablement links exactly.
 */
import { z } from "zod";
import systemdUnit, { type SystemdUnitFact } from "../probes/systemd-unit.js";
import { UNIT_NAME_RE } from "../probes/systemd-unit-files.js";
import { defineFix, type Change } from "./types.js";

const unitName = z.string().min(1).max(256).regex(UNIT_NAME_RE, "a unit name");

export default defineFix({
  id: "service-disable",
  summary: "Stop, disable and mask a systemd unit (live: systemctl; offline root: systemctl --root)",
  params: z.strictObject({
    unit: unitName,
    /** Companion units handled the same way (a service's .socket that would start it again). */
    also: z.array(unitName).default([]),
    mask: z.boolean().default(true),
  }),
  async plan(ctx, p) {
    const changes: Change[] = [];
    for (const unit of [...p.also, p.unit]) {
      const fact = (await systemdUnit.collect(ctx.probe, { unit })).value as SystemdUnitFact;
      if (fact.state === "absent") continue;
      const ops: ("stop" | "disable" | "mask")[] = [];
      if (ctx.host.isLive && fact.active !== undefined && fact.active !== "inactive" && fact.active !== "failed") ops.push("stop");
      if (fact.enabled) ops.push("disable");
      if (p.mask && !fact.masked) ops.push("mask");
      if (ops.length > 0) changes.push({ kind: "unit", unit: fact.unit, ops });
    }
    return changes;
  },
});

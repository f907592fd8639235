/**
 * file-mode: remove permission bits so the mode is at most `max` (new = old & max).
 * It only ever tightens: bits are cleared, never set, so it cannot loosen a file that is
 * already stricter. Optional `owner` / `group` chain a file-owner change (CIS items such
 * as 7.1.5 check both, and a check has one fix).
 */
import { z } from "zod";
import { planOwner, who } from "./file-owner.js";
import { exactlyOneTarget, resolveTarget, targetShape } from "./target.js";
import { defineFix, FixRefused, type Change } from "./types.js";
import { pushAll } from "../util/array.js";

const octal = z
  .union([z.string().regex(/^0?[0-7]{3,4}$/, 'an octal mode such as "0640"'), z.number().int().min(0).max(0o7777)])
  .transform((v) => (typeof v === "number" ? v : parseInt(v, 8)));

export default defineFix({
  id: "file-mode",
  summary: "Clear permission bits so a file's mode is at most MAX (only ever tightens); optionally set owner/group",
  params: z
    .strictObject({ ...targetShape, max: octal, owner: who.optional(), group: who.optional() })
    .refine(exactlyOneTarget, "give exactly one of path, pathOf"),
  async plan(ctx, p) {
    const path = await resolveTarget(ctx, p);
    const cur = await ctx.readFile(path);
    if (!cur) throw new FixRefused("FIX_NO_TARGET_FILE", { path });
    const changes: Change[] = [];
    if (p.owner !== undefined || p.group !== undefined) pushAll(changes, await planOwner(ctx, path, cur, p.owner, p.group));
    const to = cur.mode & p.max;
    if (to !== cur.mode) changes.push({ kind: "chmod", path, from: cur.mode, to });
    return changes;
  },
});

/** file-owner: set a file's owner and/or group (names resolved in the root's own passwd/group). */
import { z } from "zod";
import { accountId, exactlyOneTarget, resolveTarget, targetShape } from "./target.js";
import { defineFix, FixRefused, type Change, type FileState, type FixContext } from "./types.js";

const one = z.union([z.string().min(1), z.number().int().min(0)]);
/** A name, or a list of acceptable names: kept when the file already has one of them, else the FIRST is set. */
export const who = z.union([one, z.array(one).min(1)]);
type Who = z.output<typeof who>;

async function pick(ctx: FixContext, kind: "user" | "group", want: Who | undefined, current: number): Promise<number> {
  if (want === undefined) return current;
  const list = Array.isArray(want) ? want : [want];
  const ids: number[] = [];
  for (const w of list) {
    try {
      ids.push(await accountId(ctx, kind, w));
    } catch (e) {
      // A later alternative may exist where an earlier one does not (shadow group on RHEL).
      if (list.length === 1) throw e;
    }
  }
  if (ids.includes(current)) return current;
  if (ids.length === 0) throw new FixRefused("FIX_NO_OWNER_IDS", { kind, names: list.join(", ") });
  return ids[0] as number;
}

export async function planOwner(ctx: FixContext, path: string, cur: FileState, owner: Who | undefined, group: Who | undefined): Promise<Change[]> {
  const uid = await pick(ctx, "user", owner, cur.uid);
  const gid = await pick(ctx, "group", group, cur.gid);
  if (uid === cur.uid && gid === cur.gid) return [];
  return [{ kind: "chown", path, from: { uid: cur.uid, gid: cur.gid }, to: { uid, gid } }];
}

export default defineFix({
  id: "file-owner",
  summary: "Set a file's owner and/or group",
  params: z
    .strictObject({ ...targetShape, owner: who.optional(), group: who.optional() })
    .refine(exactlyOneTarget, "give exactly one of path, pathOf")
    .refine((p) => p.owner !== undefined || p.group !== undefined, "give owner, group or both"),
  async plan(ctx, p) {
    const path = await resolveTarget(ctx, p);
    const cur = await ctx.readFile(path);
    if (!cur) throw new FixRefused("FIX_NO_TARGET_FILE", { path });
    return planOwner(ctx, path, cur, p.owner, p.group);
  },
});

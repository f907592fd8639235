/**
 * groups: the local group database (/etc/group) joined with the accounts' primary groups
 * (/etc/passwd): duplicate gids and names, the gid-0 groups, primary gids no group has, and
 * each group's members — listed in /etc/group or by primary gid.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { pushAll } from "../util/array.js";
import { parseGroupEntries, parsePasswdEntries, unseenEntries } from "./parse/accounts.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { readText } from "./kit/read.js";

const PASSWD = "/etc/passwd";
const GROUP = "/etc/group";

export interface GroupRecord {
  name: string;
  gid: number;
  /** Supplementary members listed in /etc/group. */
  members: string[];
  /** Accounts whose primary gid is this group's. */
  primaryOf: string[];
  line: number;
}

export interface GroupsFact {
  groups: GroupRecord[];
  duplicateGids: { gid: number; names: string[] }[];
  duplicateNames: string[];
  /** Names of the groups with gid 0. */
  gid0: string[];
  /** Accounts whose primary gid no group has. */
  missingPrimary: { user: string; gid: number }[];
}


const FIELDS = ["groups", "duplicateGids", "duplicateNames", "gid0", "missingPrimary"] as const;

export default defineProbe({
  id: "groups",
  summary: "Local groups from /etc/group with their members and the accounts' primary groups: duplicates, gid 0, missing primary groups",
  params: lazySchema((z) => z.strictObject({})),
  fields: FIELDS,
  /** /etc/group, /etc/gshadow and /etc/passwd as it read them. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<GroupsFact>> {
    const [group, passwd] = await Promise.all([readText(ctx, GROUP), readText(ctx, PASSWD)]);
    const value: GroupsFact = { groups: [], duplicateGids: [], duplicateNames: [], gid0: [], missingPrimary: [] };
    const evidence: Evidence[] = [{ file: GROUP }];
    if (!("text" in group)) {
      const why = "missing" in group ? `${GROUP} does not exist` : group.unobserved;
      return { value, evidence, unknown: Object.fromEntries(FIELDS.map((f) => [f, why])) };
    }
    const gr = parseGroupEntries(group.text);
    pushAll(evidence, gr.problems.slice(0, 5).map((p) => ({ file: GROUP, line: p.line, detail: `unparsed line: ${p.message}` })));
    const unknown: Record<string, string> = {};
    // A line the C library reads as a group (or an account) that this parser does not: open.
    const unseenGroup = unseenEntries(GROUP, gr.unseen, "a group");
    if (unseenGroup !== undefined) for (const f of FIELDS) unknown[f] = unseenGroup;
    let users: { name: string; gid: number }[] = [];
    if ("text" in passwd) {
      const pw = parsePasswdEntries(passwd.text);
      users = pw.entries.map((u) => ({ name: u.name, gid: u.gid }));
      evidence.push({ file: PASSWD });
      const unseenAccount = unseenEntries(PASSWD, pw.unseen, "an account");
      if (unseenAccount !== undefined) {
        unknown.missingPrimary ??= unseenAccount;
        unknown.groups ??= unseenAccount;
      }
    } else {
      const why = "missing" in passwd ? `${PASSWD} does not exist` : passwd.unobserved;
      unknown.missingPrimary = why;
      unknown.groups = why;
    }
    const byGid = new Map<number, string[]>();
    const nameCount = new Map<string, number>();
    for (const g of gr.entries) {
      byGid.set(g.gid, [...(byGid.get(g.gid) ?? []), g.name]);
      nameCount.set(g.name, (nameCount.get(g.name) ?? 0) + 1);
      value.groups.push({ name: g.name, gid: g.gid, members: g.members, primaryOf: users.filter((u) => u.gid === g.gid).map((u) => u.name), line: g.line });
    }
    value.duplicateGids = [...byGid].filter(([, names]) => names.length > 1).map(([gid, names]) => ({ gid, names }));
    value.duplicateNames = [...nameCount].filter(([, n]) => n > 1).map(([name]) => name);
    value.gid0 = byGid.get(0) ?? [];
    value.missingPrimary = users.filter((u) => !byGid.has(u.gid)).map((u) => ({ user: u.name, gid: u.gid }));
    return Object.keys(unknown).length > 0 ? { value, evidence, unknown } : { value, evidence };
  },
});

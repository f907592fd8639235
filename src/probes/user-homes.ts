/**
 * user-homes: the home directory of each interactive account (a valid login shell: listed
 * in /etc/shells and not nologin) — exists, owner, mode (CIS 7.2.9) — and the dot files at
 * its top with type, mode and whether the account owns them and their group is its primary
 * group (CIS 7.2.10, KISA U-14).
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { parsePasswdEntries, unseenEntries } from "./parse/accounts.js";
import { isValidLoginShell, parseShells } from "./parse/shells.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { trimTrailingSlashes } from "../util/trim.js";

const PASSWD = "/etc/passwd";
const SHELLS = "/etc/shells";
/** Dot files examined per home; past this the home is reported, not guessed. */
const MAX_PER_HOME = 2000;

export interface DotFile {
  user: string;
  path: string;
  /** Base name, e.g. ".bashrc". */
  name: string;
  type: "file" | "directory" | "symlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  /** Owned by the account. */
  ownedByUser: boolean;
  /** Group is the account's primary group. */
  groupIsPrimary: boolean;
}

export interface HomeRecord {
  name: string;
  uid: number;
  gid: number;
  shell: string;
  home: string;
  exists: boolean;
  type?: "directory" | "file" | "other";
  /** Owned by the account. */
  owned?: boolean;
  mode?: number;
}

export interface UserHomesFact {
  /** Interactive accounts (valid login shell) and their homes. */
  users: HomeRecord[];
  /** Dot files at the top of the homes that exist. */
  files: DotFile[];
}

export default defineProbe({
  id: "user-homes",
  summary: "Interactive accounts' home directories (exists, owner, mode) and the dot files at their top (type, mode, owner, group)",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["users", "files"],
  /** Passwd, shells and the home directories it stat'ed. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<UserHomesFact>> {
    let text: string | null;
    let shellsText: string | null;
    try {
      text = await ctx.host.readFileIfExists(PASSWD);
      shellsText = await ctx.host.readFileIfExists(SHELLS);
    } catch (e) {
      const why = describeError(e);
      return { value: { users: [], files: [] }, evidence: [], unknown: { users: why, files: why } };
    }
    if (text === null) return { value: { users: [], files: [] }, evidence: [], unknown: { users: `${PASSWD} does not exist`, files: `${PASSWD} does not exist` } };
    const shells = shellsText === null ? null : parseShells(shellsText);
    const value: UserHomesFact = { users: [], files: [] };
    const evidence: Evidence[] = [{ file: PASSWD }, shells === null ? { file: SHELLS, detail: "missing: any shell but nologin/false counts as a login shell" } : { file: SHELLS }];
    const problems: string[] = [];
    const seenHomes = new Set<string>();
    const pw = parsePasswdEntries(text);
    // An account only the C library reads (a line not in passwd's shape) has a home unseen here.
    const unseenAccount = unseenEntries(PASSWD, pw.unseen, "an account");
    for (const u of pw.entries) {
      if (!isValidLoginShell(u.shell, shells)) continue;
      const rec: HomeRecord = { name: u.name, uid: u.uid, gid: u.gid, shell: u.shell, home: u.home, exists: false };
      value.users.push(rec);
      if (!u.home.startsWith("/")) continue;
      try {
        const st = await ctx.host.stat(u.home);
        if (!st) continue;
        rec.exists = true;
        rec.type = st.isDirectory() ? "directory" : st.isFile() ? "file" : "other";
        rec.owned = st.uid === u.uid;
        rec.mode = st.mode & 0o7777;
        if (!st.isDirectory() || seenHomes.has(u.home)) continue;
        seenHomes.add(u.home);
        const names = ((await ctx.host.readdir(u.home)) ?? []).filter((n) => n.startsWith(".") && n !== "." && n !== "..");
        if (names.length > MAX_PER_HOME) {
          problems.push(`${u.home}: ${names.length} dot files, over the ${MAX_PER_HOME} examined per home`);
          continue;
        }
        for (const name of names) {
          const p = `${trimTrailingSlashes(u.home)}/${name}`;
          const lst = await ctx.host.lstat(p);
          if (!lst) continue;
          const type = lst.isFile() ? "file" : lst.isDirectory() ? "directory" : lst.isSymbolicLink() ? "symlink" : "other";
          value.files.push({ user: u.name, path: p, name, type, mode: lst.mode & 0o7777, uid: lst.uid, gid: lst.gid, ownedByUser: lst.uid === u.uid, groupIsPrimary: lst.gid === u.gid });
        }
      } catch (e) {
        problems.push(`${u.home}: ${describeError(e)}`);
      }
    }
    for (const u of value.users) evidence.push({ file: u.home, detail: u.exists ? `home of ${u.name}: ${u.type ?? ""} mode ${(u.mode ?? 0).toString(8).padStart(4, "0")}${u.owned ? "" : " not owned by the account"}` : `home of ${u.name} does not exist` });
    for (const f of value.files) evidence.push({ file: f.path, detail: `${f.type} mode ${f.mode.toString(8).padStart(4, "0")} uid ${f.uid} gid ${f.gid}` });
    if (problems.length > 0 || unseenAccount !== undefined) {
      const why = [...(unseenAccount !== undefined ? [unseenAccount] : []), ...(problems.length > 0 ? [`cannot examine ${problems.join("; ")}`] : [])].join("; ");
      return { value, evidence, unknown: { users: why, files: why } };
    }
    return { value, evidence };
  },
});

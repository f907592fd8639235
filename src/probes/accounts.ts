/**
 * accounts: the local account database as facts — /etc/passwd records, each password's
 * state from /etc/shadow (never the hash), group members, UID 0 and duplicate-UID
 * accounts, and each account's home directory owner and mode — read through the root,
 * so a mounted host's accounts are the host's, not this machine's NSS view.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import {
  hashAlgorithm,
  parseGroupEntries,
  parsePasswdEntries,
  parseShadowEntries,
  unseenEntries,
  passwordState,
  type PasswdEntry,
  type PasswordState,
} from "./parse/accounts.js";
import { parseSpaceKeyValue } from "./parse/key-value.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { pushAll } from "../util/array.js";

export { hashAlgorithm, parseGroupEntries, parsePasswdEntries, parseShadowEntries, passwordState } from "./parse/accounts.js";

const PASSWD = "/etc/passwd";
const SHADOW = "/etc/shadow";
const GROUP = "/etc/group";
const LOGIN_DEFS = "/etc/login.defs";
/** login.defs(5) default when UID_MIN is not set. */
const DEFAULT_UID_MIN = 1000;
const MAX_PROBLEMS_SHOWN = 5;
/**
 * Lines of /etc/passwd, /etc/shadow or /etc/group past which the file is not judged (a
 * named-cap error): every account is a record with its home's stat, so 500k lines cost
 * gigabytes. A node's local accounts number in the tens; directory users are not here.
 */
export const MAX_ACCOUNT_LINES = 100_000;
/** The same cap in bytes, checked from the file's size before it is read. */
export const MAX_ACCOUNT_FILE_BYTES = 16 * 1024 * 1024;
/** Home directories stat'ed at once. */
const HOME_STAT_CONCURRENCY = 32;

function overCap(file: string, text: string): string | undefined {
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (++lines > MAX_ACCOUNT_LINES) return `${file} has more than ${MAX_ACCOUNT_LINES} lines (the account-file cap); it is not judged`;
  }
  return undefined;
}

export interface AccountUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** The shell is not nologin/false (an empty shell means /bin/sh: a login shell). */
  loginShell: boolean;
  /** uid < UID_MIN of /etc/login.defs (root included). */
  system: boolean;
  /** The passwd password field is "x" (the hash lives in /etc/shadow). */
  shadowed: boolean;
  homeExists?: boolean;
  homeType?: "directory" | "file" | "other";
  homeUid?: number;
  /** Permission bits of the home directory (following links inside the root). */
  homeMode?: number;
  /** The home directory's owner uid is the account's uid. */
  homeOwned?: boolean;
  /** Why the home directory could not be examined. */
  homeNote?: string;
  file: string;
  line: number;
}

export interface AccountPassword {
  name: string;
  /** locked ("!"/"*"), empty (no password needed), hash, or none (no shadow entry for an "x" account). */
  state: PasswordState;
  algorithm?: string;
  file: string;
  line: number;
}

export interface AccountsFact {
  users: AccountUser[];
  passwords: AccountPassword[];
  uid0: string[];
  duplicateUids: { uid: number; names: string[] }[];
  duplicateNames: string[];
  /** Names of accounts with a login shell. */
  loginUsers: string[];
  /** group name → supplementary members listed in /etc/group. */
  groupMembers: Record<string, string[]>;
  /** Groups that no account has as its primary group and that list no members. */
  emptyGroups: string[];
  uidMin: number;
}

const FIELDS = [
  "users", "passwords", "uid0", "duplicateUids", "duplicateNames", "loginUsers", "groupMembers", "emptyGroups", "uidMin",
] as const;

const params = lazySchema((z) => z.strictObject({
  homes: z.boolean().default(true).describe("Stat each account's home directory (owner, mode)."),
}));

const NO_LOGIN_SHELLS = new Set(["nologin", "false"]);

export function isLoginShell(shell: string): boolean {
  if (shell === "") return true;
  const base = shell.slice(shell.lastIndexOf("/") + 1);
  return !NO_LOGIN_SHELLS.has(base);
}

type Read = { text: string } | { missing: true } | { error: string };

async function read(ctx: ProbeContext, p: string): Promise<Read> {
  try {
    const text = await ctx.host.readFileIfExists(p, { maxBytes: MAX_ACCOUNT_FILE_BYTES });
    return text === null ? { missing: true } : { text };
  } catch (e) {
    return { error: `${p}: ${describeError(e)}` };
  }
}

function problemEvidence(file: string, problems: { line: number; message: string }[]): Evidence[] {
  const ev: Evidence[] = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => ({ file, line: p.line, detail: `unparsed line: ${p.message}` }));
  if (problems.length > MAX_PROBLEMS_SHOWN) ev.push({ file, detail: `${problems.length - MAX_PROBLEMS_SHOWN} more unparsed lines` });
  return ev;
}

/** Stat an account's home; returns why it could not be examined (absence is a fact, not a failure). */
async function homeFacts(ctx: ProbeContext, u: PasswdEntry, out: AccountUser): Promise<string | undefined> {
  if (!u.home.startsWith("/")) {
    out.homeExists = false;
    out.homeNote = u.home === "" ? "no home directory set" : `home ${JSON.stringify(u.home)} is not absolute`;
    return undefined;
  }
  try {
    const st = await ctx.host.stat(u.home);
    out.homeExists = st !== null;
    if (!st) return undefined;
    out.homeType = st.isDirectory() ? "directory" : st.isFile() ? "file" : "other";
    out.homeUid = st.uid;
    out.homeMode = st.mode & 0o7777;
    out.homeOwned = st.uid === u.uid;
  } catch (e) {
    // A home that escapes the root, loops or cannot be reached: say so, never guess.
    out.homeNote = describeError(e);
    return `${u.name}: ${u.home}: ${out.homeNote}`;
  }
  return undefined;
}

export default defineProbe({
  id: "accounts",
  summary: "Local accounts from /etc/passwd, /etc/shadow (password state only) and /etc/group: UID 0, duplicates, shells, homes",
  params,
  fields: FIELDS,
  /** passwd, shadow, group, login.defs and the home directories it stat'ed. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<AccountsFact>> {
    const [passwd, shadow, group, defs] = await Promise.all([read(ctx, PASSWD), read(ctx, SHADOW), read(ctx, GROUP), read(ctx, LOGIN_DEFS)]);
    const evidence: Evidence[] = [{ file: PASSWD }];
    const empty: AccountsFact = {
      users: [], passwords: [], uid0: [], duplicateUids: [], duplicateNames: [], loginUsers: [], groupMembers: {}, emptyGroups: [], uidMin: DEFAULT_UID_MIN,
    };
    const passwdCap = "text" in passwd ? overCap(PASSWD, passwd.text) : undefined;
    if (!("text" in passwd) || passwdCap !== undefined) {
      const why = passwdCap ?? ("missing" in passwd ? `${PASSWD} does not exist` : "error" in passwd ? passwd.error : "");
      return { value: empty, evidence, unknown: Object.fromEntries(FIELDS.map((f) => [f, why])) };
    }

    const unknown: Record<string, string> = {};
    let uidMin = DEFAULT_UID_MIN;
    if ("text" in defs) {
      // As shadow-utils' getdef (useradd, the kit's uidMinOf, password-aging): the last
      // UID_MIN wins, matched case-sensitively. The first one judged an account between two
      // values as the wrong kind (a user's home left unjudged as a system account's).
      const hit = parseSpaceKeyValue(defs.text).entries.filter((e) => e.key === "UID_MIN").at(-1);
      if (hit && /^\d{1,10}$/.test(hit.value)) {
        uidMin = Number(hit.value);
        evidence.push({ file: LOGIN_DEFS, line: hit.line, key: "UID_MIN" });
      }
    } else if ("error" in defs) {
      unknown.uidMin = defs.error;
    }

    const pw = parsePasswdEntries(passwd.text);
    pushAll(evidence, problemEvidence(PASSWD, pw.problems));
    // A line the C library reads as an account that this parser does not (`x:x:+0:0::/:/bin/sh`
    // is root to login): every fact over all accounts is open, not passed without it.
    const unseenAccount = unseenEntries(PASSWD, pw.unseen, "an account");
    if (unseenAccount !== undefined) {
      for (const f of ["users", "passwords", "uid0", "duplicateUids", "duplicateNames", "loginUsers", "emptyGroups"] as const) unknown[f] = unseenAccount;
    }

    const users: AccountUser[] = pw.entries.map((u) => ({
      name: u.name, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell,
      loginShell: isLoginShell(u.shell), system: u.uid < uidMin, shadowed: u.password === "x",
      file: PASSWD, line: u.line,
    }));
    if (p.homes) {
      // A few at a time: one promise per account at once is a memory spike, and the probe's signal is checked between batches.
      const failed: string[] = [];
      for (let i = 0; i < pw.entries.length; i += HOME_STAT_CONCURRENCY) {
        ctx.signal?.throwIfAborted();
        const batch = await Promise.all(pw.entries.slice(i, i + HOME_STAT_CONCURRENCY).map((u, j) => homeFacts(ctx, u, users[i + j] as AccountUser)));
        for (const f of batch) if (f !== undefined && failed.length < 4) failed.push(f);
      }
      // A home that could not be stat'ed leaves that account's home facts undetermined, and
      // the fact model says unknown per field: the users list is then not fully known.
      if (failed.length > 0) unknown.users ??= `home directories could not be examined: ${failed.slice(0, 3).join("; ")}${failed.length > 3 ? " (and more)" : ""}`;
    }

    // Passwords: the shadow hash for "x" accounts, else passwd's own field.
    const passwords: AccountPassword[] = [];
    const shadowCap = "text" in shadow ? overCap(SHADOW, shadow.text) : undefined;
    if ((("error" in shadow) || shadowCap !== undefined) && pw.entries.some((u) => u.password === "x")) {
      unknown.passwords = shadowCap ?? ("error" in shadow ? shadow.error : "");
    } else {
      const sh = "text" in shadow ? parseShadowEntries(shadow.text) : { entries: [], problems: [] };
      if ("text" in shadow) pushAll(evidence, [{ file: SHADOW }, ...problemEvidence(SHADOW, sh.problems)]);
      const byName = new Map<string, { hash: string; line: number }>();
      for (const s of sh.entries) if (!byName.has(s.name)) byName.set(s.name, s);
      for (const u of pw.entries) {
        if (u.password !== "x") {
          const alg = hashAlgorithm(u.password);
          passwords.push({ name: u.name, state: passwordState(u.password), ...(alg ? { algorithm: alg } : {}), file: PASSWD, line: u.line });
          continue;
        }
        const s = byName.get(u.name);
        if (!s) {
          passwords.push({ name: u.name, state: "none", file: PASSWD, line: u.line });
          continue;
        }
        const alg = hashAlgorithm(s.hash);
        passwords.push({ name: u.name, state: passwordState(s.hash), ...(alg ? { algorithm: alg } : {}), file: SHADOW, line: s.line });
      }
    }

    const byUid = new Map<number, string[]>();
    const nameCount = new Map<string, number>();
    for (const u of users) {
      byUid.set(u.uid, [...(byUid.get(u.uid) ?? []), u.name]);
      nameCount.set(u.name, (nameCount.get(u.name) ?? 0) + 1);
    }

    const groupMembers: Record<string, string[]> = {};
    const emptyGroups: string[] = [];
    const groupCap = "text" in group ? overCap(GROUP, group.text) : undefined;
    if (groupCap !== undefined) {
      unknown.groupMembers = groupCap;
      unknown.emptyGroups = groupCap;
    } else if ("text" in group) {
      const gr = parseGroupEntries(group.text);
      pushAll(evidence, [{ file: GROUP }, ...problemEvidence(GROUP, gr.problems)]);
      const unseenGroup = unseenEntries(GROUP, gr.unseen, "a group");
      if (unseenGroup !== undefined) {
        unknown.groupMembers = unseenGroup;
        unknown.emptyGroups ??= unseenGroup;
      }
      const primary = new Set(users.map((u) => u.gid));
      for (const g of gr.entries) {
        if (!Object.hasOwn(groupMembers, g.name)) groupMembers[g.name] = g.members;
        if (g.members.length === 0 && !primary.has(g.gid)) emptyGroups.push(g.name);
      }
    } else {
      const why = "missing" in group ? `${GROUP} does not exist` : group.error;
      unknown.groupMembers = why;
      unknown.emptyGroups = why;
    }

    const value: AccountsFact = {
      users,
      passwords,
      uid0: byUid.get(0) ?? [],
      duplicateUids: [...byUid].filter(([, names]) => names.length > 1).map(([uid, names]) => ({ uid, names })),
      duplicateNames: [...nameCount].filter(([, n]) => n > 1).map(([name]) => name),
      loginUsers: users.filter((u) => u.loginShell).map((u) => u.name),
      groupMembers,
      emptyGroups,
      uidMin,
    };
    return Object.keys(unknown).length > 0 ? { value, evidence, unknown } : { value, evidence };
  },
});

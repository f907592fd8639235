/**
 * password-aging: the password ageing policy — the defaults new accounts get (login.defs
 * PASS_MAX_DAYS, PASS_MIN_DAYS, PASS_WARN_AGE, ENCRYPT_METHOD, UMASK; useradd's INACTIVE)
 * and every account's own ageing from /etc/shadow (last change, min, max, warn, inactive),
 * with its password state and hash scheme. The hash itself never leaves the parser.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { hashAlgorithm, parsePasswdEntries, passwordState, unseenEntries } from "./parse/accounts.js";
import { parseEqualsKeyValue, parseSpaceKeyValue } from "./parse/key-value.js";
import { parseShadowAging } from "./parse/shadow-aging.js";
import { isValidLoginShell, parseShells } from "./parse/shells.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { readText } from "./kit/read.js";

export { parseShadowAging } from "./parse/shadow-aging.js";

const PASSWD = "/etc/passwd";
const SHADOW = "/etc/shadow";
const LOGIN_DEFS = "/etc/login.defs";
const USERADD = "/etc/default/useradd";
const SHELLS = "/etc/shells";
const DAY_MS = 86_400_000;

export interface AgingUser {
  name: string;
  uid: number;
  shell: string;
  /** The shell is not nologin/false. */
  loginShell: boolean;
  /** CIS's "valid login shell": listed in /etc/shells and not nologin (without /etc/shells: loginShell). */
  validShell: boolean;
  /** uid < UID_MIN (root included). */
  system: boolean;
  /** locked (! or * prefix), empty, hash, or none (no shadow entry). */
  state: "locked" | "empty" | "hash" | "none";
  algorithm?: string;
  lastChange?: number;
  /** The last change is after the scan's day (CIS 5.4.1.6). */
  lastChangeInFuture?: boolean;
  min?: number;
  max?: number;
  warn?: number;
  inactive?: number;
  expire?: number;
  line?: number;
}

export interface PasswordAgingFact {
  /** Every key of /etc/login.defs (the last value of a key wins). */
  loginDefs: Record<string, string>;
  passMaxDays?: number;
  passMinDays?: number;
  passWarnAge?: number;
  encryptMethod?: string;
  /** `useradd -D`'s INACTIVE (days after expiry until the account is locked; -1 = never). */
  inactive?: number;
  users: AgingUser[];
  /** Days since 1970-01-01 at scan time. */
  today: number;
}


const intOf = (v: string | undefined): number | undefined => (v !== undefined && /^-?\d{1,10}$/.test(v) ? Number(v) : undefined);

export default defineProbe({
  id: "password-aging",
  summary: "Password ageing defaults (login.defs, useradd) and every account's ageing and password state from /etc/shadow (never the hash)",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["loginDefs", "passMaxDays", "passMinDays", "passWarnAge", "encryptMethod", "inactive", "users", "today"],
  /** Login.defs, shadow, passwd, useradd defaults and the files it read. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<PasswordAgingFact>> {
    const [passwd, shadow, defs, useradd, shellsFile] = await Promise.all([readText(ctx, PASSWD), readText(ctx, SHADOW), readText(ctx, LOGIN_DEFS), readText(ctx, USERADD), readText(ctx, SHELLS)]);
    const today = Math.floor(Date.now() / DAY_MS);
    const value: PasswordAgingFact = { loginDefs: {}, users: [], today };
    const evidence: Evidence[] = [];
    const unknown: Record<string, string> = {};

    if ("text" in defs) {
      const entries = parseSpaceKeyValue(defs.text).entries;
      for (const e of entries) value.loginDefs[e.key] = e.value;
      const at = (k: string) => entries.filter((e) => e.key === k).at(-1);
      for (const [k, field] of [["PASS_MAX_DAYS", "passMaxDays"], ["PASS_MIN_DAYS", "passMinDays"], ["PASS_WARN_AGE", "passWarnAge"]] as const) {
        const hit = at(k);
        const n = intOf(hit?.value);
        if (hit && n !== undefined) {
          value[field] = n;
          evidence.push({ file: LOGIN_DEFS, line: hit.line, key: k });
        }
      }
      const enc = at("ENCRYPT_METHOD");
      if (enc) {
        value.encryptMethod = enc.value;
        evidence.push({ file: LOGIN_DEFS, line: enc.line, key: "ENCRYPT_METHOD" });
      }
    } else if ("unobserved" in defs) {
      for (const f of ["loginDefs", "passMaxDays", "passMinDays", "passWarnAge", "encryptMethod"]) unknown[f] = defs.unobserved;
    } else {
      evidence.push({ file: LOGIN_DEFS, detail: "missing: shadow's compiled-in defaults apply" });
    }

    if ("text" in useradd) {
      const hit = parseEqualsKeyValue(useradd.text).entries.filter((e) => e.key === "INACTIVE").at(-1);
      const n = intOf(hit?.value);
      if (hit && n !== undefined) {
        value.inactive = n;
        evidence.push({ file: USERADD, line: hit.line, key: "INACTIVE" });
      }
    } else if ("unobserved" in useradd) unknown.inactive = useradd.unobserved;

    if (!("text" in passwd)) {
      unknown.users = "missing" in passwd ? `${PASSWD} does not exist` : passwd.unobserved;
      return { value, evidence, unknown };
    }
    const uidMin = intOf(value.loginDefs.UID_MIN) ?? 1000;
    if ("unobserved" in shellsFile) unknown.users = shellsFile.unobserved;
    const shells = "text" in shellsFile ? parseShells(shellsFile.text) : null;
    const parsed = parsePasswdEntries(passwd.text);
    const pw = parsed.entries;
    const unseenAccount = unseenEntries(PASSWD, parsed.unseen, "an account");
    if (unseenAccount !== undefined) unknown.users = unseenAccount;
    const sh = "text" in shadow ? parseShadowAging(shadow.text).entries : [];
    if ("unobserved" in shadow && pw.some((u) => u.password === "x")) unknown.users = shadow.unobserved;
    // getspnam returns a name's first line, as accounts.ts reads it: a later line for the same
    // name is not what the system uses.
    const byName = new Map<string, (typeof sh)[number]>();
    for (const s of sh) if (!byName.has(s.name)) byName.set(s.name, s);
    for (const u of pw) {
      const user: AgingUser = { name: u.name, uid: u.uid, shell: u.shell, loginShell: isValidLoginShell(u.shell, null), validShell: isValidLoginShell(u.shell, shells), system: u.uid < uidMin, state: "none" };
      const s = u.password === "x" ? byName.get(u.name) : undefined;
      const field = u.password === "x" ? s?.password : u.password;
      if (field !== undefined) {
        user.state = passwordState(field);
        const alg = hashAlgorithm(field);
        if (alg) user.algorithm = alg;
      }
      if (s) {
        user.line = s.line;
        if (s.lastChange !== null) {
          user.lastChange = s.lastChange;
          user.lastChangeInFuture = s.lastChange > today;
        }
        for (const k of ["min", "max", "warn", "inactive", "expire"] as const) if (s[k] !== null) user[k] = s[k];
      }
      value.users.push(user);
    }
    evidence.push({ file: PASSWD });
    if ("text" in shadow) evidence.push({ file: SHADOW });
    return Object.keys(unknown).length > 0 ? { value, evidence, unknown } : { value, evidence };
  },
});

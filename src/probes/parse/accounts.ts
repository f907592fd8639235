/**
 * Pure parsers for the account databases: passwd(5) and shadow(5) records, the
 * password field's state, and group(5) members. They never throw: a malformed line
 * is skipped and recorded as a problem, so a fuzzed file still parses.
 */
import type { ParseProblem } from "./problem.js";

export interface PasswdEntry {
  name: string;
  /** The passwd password field: "x" when the hash is in /etc/shadow. */
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  /** 1-based line number. */
  line: number;
}

export interface ShadowEntry {
  name: string;
  /** The encrypted-password field, never shown in facts (only its state). */
  hash: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

export interface Parsed<T> {
  entries: T[];
  problems: ParseProblem[];
}

/** passwd and group: also the problem lines the C library still reads as an entry. */
export interface ParsedDatabase<T> extends Parsed<T> {
  /**
   * Lines not in the file's shape that glibc's parser (nss_files) reads as an account or a
   * group anyway: `x:x:+0:0::/r:/bin/sh`, ` 0`, 4 to 6 or 8+ fields — root to login(1) and
   * su(1). What they hold is unseen: facts over every account cannot be told.
   */
  unseen: ParseProblem[];
}

/** A numeric field as strtoul reads it: leading blanks, a sign, digits (glibc INT_FIELD). */
const C_ID_RE = /^[ \t\n\v\f\r]*[+-]?\d+$/;

/**
 * Does glibc read this line as an entry? It parses a C string (a NUL ends the line there),
 * needs the numeric fields (passwd: uid at 2 and gid at 3; group: gid at 2) and takes the
 * rest of the line into the last field.
 */
function cLibraryReads(fields: readonly string[], numericUpTo: 3 | 4): boolean {
  const nul = fields.findIndex((f) => f.includes("\0"));
  const seen = nul === -1 ? fields : [...fields.slice(0, nul), (fields[nul] as string).slice(0, (fields[nul] as string).indexOf("\0"))];
  if (seen.length < numericUpTo) return false;
  for (let i = 2; i < numericUpTo; i++) if (!C_ID_RE.test(seen[i] as string)) return false;
  return true;
}

/** Why the unseen lines of `file` leave its entries undetermined, or undefined when there are none. */
export function unseenEntries(file: string, unseen: readonly ParseProblem[], what: "an account" | "a group"): string | undefined {
  const first = unseen[0];
  if (first === undefined) return undefined;
  const more = unseen.length > 1 ? ` (and ${unseen.length - 1} more such lines)` : "";
  return `${file} line ${first.line} is not in its shape (${first.message}) but the C library reads it as ${what}${more}: what it holds is unseen`;
}
export type PasswordState = "locked" | "empty" | "hash" | "none";

const ID_RE = /^\d{1,10}$/;

function records(text: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    out.push({ fields: line.split(":"), line: i + 1 });
  });
  return out;
}

/** NIS compat lines (`+`, `-name`) carry no local account. */
function isCompat(name: string): boolean {
  return name.startsWith("+") || name.startsWith("-");
}

/** /etc/passwd: name:password:uid:gid:gecos:home:shell (exactly 7 fields). */
export function parsePasswdEntries(text: string): ParsedDatabase<PasswdEntry> {
  const entries: PasswdEntry[] = [];
  const problems: ParseProblem[] = [];
  const unseen: ParseProblem[] = [];
  for (const { fields, line } of records(text)) {
    const [name = "", password = "", uid = "", gid = "", gecos = "", home = "", shell = ""] = fields;
    if (isCompat(name)) continue;
    let problem: ParseProblem | undefined;
    if (fields.length !== 7) problem = { line, message: `expected 7 colon-separated fields, found ${fields.length}` };
    else if (name === "") problem = { line, message: "empty user name" };
    else if (!ID_RE.test(uid) || !ID_RE.test(gid)) problem = { line, message: `user ${JSON.stringify(name.slice(0, 40))}: uid/gid are not numbers` };
    if (problem) {
      problems.push(problem);
      // glibc: name, password, then uid and gid by strtoul; the shell takes the rest of the line.
      if (cLibraryReads(fields, 4)) unseen.push(problem);
      continue;
    }
    entries.push({ name, password, uid: Number(uid), gid: Number(gid), gecos, home, shell, line });
  }
  return { entries, problems, unseen };
}

/** /etc/shadow: name:hash:lastchg:min:max:warn:inactive:expire:reserved (9 fields; 2+ accepted). */
export function parseShadowEntries(text: string): Parsed<ShadowEntry> {
  const entries: ShadowEntry[] = [];
  const problems: ParseProblem[] = [];
  for (const { fields, line } of records(text)) {
    const name = fields[0] ?? "";
    if (isCompat(name)) continue;
    if (name === "" || fields.length < 2) {
      problems.push({ line, message: name === "" ? "empty user name" : "no password field" });
      continue;
    }
    entries.push({ name, hash: fields[1] as string, line });
  }
  return { entries, problems };
}

/** /etc/group: name:password:gid:member,member (4 fields). */
export function parseGroupEntries(text: string): ParsedDatabase<GroupEntry> {
  const entries: GroupEntry[] = [];
  const problems: ParseProblem[] = [];
  const unseen: ParseProblem[] = [];
  for (const { fields, line } of records(text)) {
    const [name = "", , gid = "", members = ""] = fields;
    if (isCompat(name)) continue;
    if (fields.length !== 4 || name === "" || !ID_RE.test(gid)) {
      const problem = { line, message: fields.length !== 4 ? `expected 4 colon-separated fields, found ${fields.length}` : "empty name or non-numeric gid" };
      problems.push(problem);
      // glibc: name, password, gid by strtoul; the member list takes the rest of the line.
      if (cLibraryReads(fields, 3)) unseen.push(problem);
      continue;
    }
    entries.push({ name, gid: Number(gid), members: members.split(",").map((m) => m.trim()).filter((m) => m !== ""), line });
  }
  return { entries, problems, unseen };
}

/**
 * The state of a password field (shadow's, or passwd's when it is not "x"):
 * "" → empty (login without a password), "!"/"*" prefixes → locked, anything else → hash.
 */
export function passwordState(field: string): Exclude<PasswordState, "none"> {
  if (field === "") return "empty";
  if (field.startsWith("!") || field.startsWith("*")) return "locked";
  return "hash";
}

/** crypt(5) scheme of a hash ("sha512", "yescrypt", …); undefined when there is no hash. */
export function hashAlgorithm(field: string): string | undefined {
  const h = field.replace(/^[!*]+/, "");
  if (h === "") return undefined;
  const m = /^\$([^$]+)\$/.exec(h);
  if (!m) return /^[./0-9A-Za-z]{13}$/.test(h) ? "des" : undefined;
  return HASH_IDS.get(m[1] as string) ?? `unknown ($${m[1]}$)`;
}

/** crypt(5) ids. A Map: the id comes from the host file, so `$toString$` must not find Object.prototype.toString. */
const HASH_IDS: ReadonlyMap<string, string> = new Map([
  ["1", "md5"], ["2", "bcrypt"], ["2a", "bcrypt"], ["2b", "bcrypt"], ["2x", "bcrypt"], ["2y", "bcrypt"],
  ["5", "sha256"], ["6", "sha512"], ["7", "scrypt"], ["y", "yescrypt"], ["gy", "gost-yescrypt"], ["sha1", "sha1crypt"], ["md5", "sunmd5"],
]);

/**
 * Pure parsers for line-oriented `key value` and `key = value` config files. They never
 * throw: odd lines are skipped and reported as problems, so a fuzzed file still parses.
 */
import type { ParseProblem } from "./problem.js";

export interface KeyValueEntry {
  key: string;
  value: string;
  /** 1-based line number. */
  line: number;
}

export interface KeyValueParse {
  entries: KeyValueEntry[];
  problems: ParseProblem[];
}

function lines(text: string): string[] {
  return text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** `"a b"` → `a b`: sshd and shell-style files quote values with spaces. */
function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/**
 * `Key value` files (sshd_config, login.defs): full-line `#` comments, the key ends at
 * the first whitespace or `=` (sshd accepts `Key=value`). Keys are returned as written;
 * lookups compare them case-insensitively (see lookupSpace).
 */
export function parseSpaceKeyValue(text: string): KeyValueParse {
  const entries: KeyValueEntry[] = [];
  const problems: ParseProblem[] = [];
  lines(text).forEach((raw, i) => {
    const s = raw.trim();
    if (s === "" || s.startsWith("#")) return;
    const m = /^([^\s=]+)(?:\s*=\s*|\s+)(.*)$/s.exec(s);
    if (!m) {
      problems.push({ line: i + 1, message: `no value for (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    entries.push({ key: m[1] as string, value: unquote((m[2] as string).trim()), line: i + 1 });
  });
  return { entries, problems };
}

/**
 * `key = value` files (sysctl, ini, /etc/default/*): `#` and `;` comment lines. Inside
 * an ini `[section]`, keys are recorded as `section.key` so a dotted key can reach them.
 */
export function parseEqualsKeyValue(text: string): KeyValueParse {
  const entries: KeyValueEntry[] = [];
  const problems: ParseProblem[] = [];
  let section = "";
  lines(text).forEach((raw, i) => {
    const s = raw.trim();
    if (s === "" || s.startsWith("#") || s.startsWith(";")) return;
    const sec = /^\[([^\]]*)\]$/.exec(s);
    if (sec) {
      section = (sec[1] as string).trim();
      return;
    }
    const eq = s.indexOf("=");
    if (eq <= 0) {
      problems.push({ line: i + 1, message: eq === 0 ? "empty key" : `not a key = value line: (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    const key = s.slice(0, eq).trim();
    entries.push({ key: section ? `${section}.${key}` : key, value: unquote(s.slice(eq + 1).trim()), line: i + 1 });
  });
  return { entries, problems };
}

/**
 * First occurrence wins, key case-insensitive (sshd_config(5), login.defs). Directives
 * after a `Match` line are conditional in sshd, so they do not count as the global value.
 */
export function lookupSpace(entries: readonly KeyValueEntry[], key: string): KeyValueEntry | undefined {
  const want = key.toLowerCase();
  for (const e of entries) {
    const k = e.key.toLowerCase();
    if (k === "match" && want !== "match") return undefined;
    if (k === want) return e;
  }
  return undefined;
}

/**
 * Last occurrence wins, key case-sensitive (sysctl, ini) unless `ignoreCase` (auditd.conf: auditd
 * matches its keywords with strcasecmp, so `LOG_GROUP = wheel` sets log_group).
 */
export function lookupEquals(entries: readonly KeyValueEntry[], key: string, ignoreCase = false): KeyValueEntry | undefined {
  const want = ignoreCase ? key.toLowerCase() : key;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as KeyValueEntry;
    if ((ignoreCase ? e.key.toLowerCase() : e.key) === want) return e;
  }
  return undefined;
}

/**
 * sysctl.d(5) and sysctl.conf: key syntax (dots and slashes), assignments, and systemd's
 * rules for which file and which assignment win. Pure; never throws.
 */
import { globComponentToRegExp } from "../../host/host-root.js";
import type { ParseProblem } from "./problem.js";
import { trimTrailingSlashes } from "../../util/trim.js";

export interface SysctlEntry {
  /** Canonical dotted key (`net.ipv4.conf.eth0/1.rp_filter` for /proc/sys/net/ipv4/conf/eth0.1/rp_filter). */
  key: string;
  value: string;
  line: number;
  file: string;
  /** `-key = v`: failures to set it are ignored. */
  ignoreErrors?: boolean;
  /** `-key` with no `=`: the key is excluded from glob assignments. */
  exclude?: boolean;
  /** The key holds glob characters and applies to every matching key. */
  glob?: boolean;
}

/**
 * sysctl.d(5): "If the first separator is a slash, remaining slashes and dots are left
 * intact. If the first separator is a dot, dots and slashes are interchanged." Returns
 * the /proc/sys-relative path form.
 */
export function sysctlKeyToPath(key: string): string {
  const first = /[./]/.exec(key);
  if (!first || first[0] === "/") return key;
  return key.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

/** The dotted display form, as sysctl(8) prints it. */
export function sysctlPathToKey(p: string): string {
  return p.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

/** Whitespace folded to single spaces, as sysctl(8) prints multi-value keys. */
export const normaliseSysctlValue = (v: string): string => v.trim().split(/\s+/).filter((w) => w !== "").join(" ");

/** Parse one sysctl.d / sysctl.conf file. Pure; never throws. */
export function parseSysctlConf(text: string, file: string): { entries: SysctlEntry[]; problems: ParseProblem[] } {
  const entries: SysctlEntry[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    let s = raw.trim();
    const line = i + 1;
    if (s === "" || s.startsWith("#") || s.startsWith(";")) return;
    let ignoreErrors = false;
    if (s.startsWith("-")) {
      ignoreErrors = true;
      s = s.slice(1).trimStart();
    }
    const eq = s.indexOf("=");
    const rawKey = (eq === -1 ? s : s.slice(0, eq)).trim();
    if (rawKey === "" || /\s/.test(rawKey)) {
      problems.push({ line, message: rawKey === "" ? "empty key" : `not an assignment: (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    const key = sysctlPathToKey(sysctlKeyToPath(rawKey.replace(/^\/+/, "")));
    const glob = /[*?[]/.test(rawKey);
    if (eq === -1) {
      if (ignoreErrors) entries.push({ key, value: "", line, file, exclude: true, ...(glob ? { glob } : {}) });
      else problems.push({ line, message: `not an assignment (no "="): (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    const entry: SysctlEntry = { key, value: normaliseSysctlValue(s.slice(eq + 1)), line, file };
    if (ignoreErrors) entry.ignoreErrors = true;
    if (glob) entry.glob = true;
    entries.push(entry);
  });
  return { entries, problems };
}

/**
 * systemd-sysctl's file order: `*.conf` from every directory, a basename in an earlier
 * directory (etc over run over usr/local over usr/lib over lib) hiding later ones, then
 * all chosen files applied sorted by basename. `byDir` is in precedence order.
 */
export function orderSysctlFiles(byDir: ReadonlyArray<{ dir: string; names: readonly string[] }>): string[] {
  const chosen = new Map<string, string>();
  for (const { dir, names } of byDir) {
    for (const n of names) {
      if (!n.endsWith(".conf") || n.includes("/") || chosen.has(n)) continue;
      chosen.set(n, `${trimTrailingSlashes(dir)}/${n}`);
    }
  }
  return [...chosen.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => chosen.get(n) as string);
}

function keyMatches(entry: SysctlEntry, wantPath: string): boolean {
  const have = sysctlKeyToPath(entry.key);
  if (!entry.glob) return have === wantPath;
  const pat = have.split("/");
  const want = wantPath.split("/");
  return pat.length === want.length && pat.every((c, i) => globComponentToRegExp(c).test(want[i] as string));
}

/**
 * The assignment that wins for one key, by systemd's rule: an explicit assignment (last
 * one) beats every glob; a `-key` exclusion stops globs; otherwise the last matching glob.
 */
export function persistedFor(entries: readonly SysctlEntry[], wantPath: string): SysctlEntry | undefined {
  let explicit: SysctlEntry | undefined;
  let glob: SysctlEntry | undefined;
  let excluded = false;
  for (const e of entries) {
    if (!keyMatches(e, wantPath)) continue;
    if (e.exclude) {
      if (!e.glob) excluded = true;
    } else if (e.glob) glob = e;
    else explicit = e;
  }
  return explicit ?? (excluded ? undefined : glob);
}

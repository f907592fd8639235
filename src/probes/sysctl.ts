/**
 * sysctl: a kernel parameter's runtime value (/proc/sys) and the value the boot-time
 * configuration persists (sysctl.d files + /etc/sysctl.conf), each with its source.
 */
import { z } from "zod";
import { describeError } from "../errors.js";
import { globComponentToRegExp, isMissing } from "../host/host-root.js";
import type { ParseProblem } from "./parse/key-value.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";

/** In precedence order: a basename in an earlier directory hides the same basename later. */
export const SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"] as const;
export const SYSCTL_CONF = "/etc/sysctl.conf";

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

const normaliseValue = (v: string): string => v.trim().split(/\s+/).filter((w) => w !== "").join(" ");

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
      problems.push({ line, message: rawKey === "" ? "empty key" : `not an assignment: ${JSON.stringify(s.slice(0, 80))}` });
      return;
    }
    const key = sysctlPathToKey(sysctlKeyToPath(rawKey.replace(/^\/+/, "")));
    const glob = /[*?[]/.test(rawKey);
    if (eq === -1) {
      if (ignoreErrors) entries.push({ key, value: "", line, file, exclude: true, ...(glob ? { glob } : {}) });
      else problems.push({ line, message: `not an assignment (no "="): ${JSON.stringify(s.slice(0, 80))}` });
      return;
    }
    const entry: SysctlEntry = { key, value: normaliseValue(s.slice(eq + 1)), line, file };
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
      chosen.set(n, `${dir.replace(/\/+$/, "")}/${n}`);
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

interface Persisted {
  entries: SysctlEntry[];
  /** Files that exist but could not be read: the persisted value is then unknown. */
  unreadable: string[];
}

async function loadPersisted(ctx: ProbeContext): Promise<Persisted> {
  const byDir: { dir: string; names: string[] }[] = [];
  const unreadable: string[] = [];
  for (const dir of SYSCTL_DIRS) {
    try {
      byDir.push({ dir, names: (await ctx.host.readdir(dir)) ?? [] });
    } catch (e) {
      if (!isMissing(e)) unreadable.push(`${dir}: ${describeError(e)}`);
    }
  }
  // procps `sysctl --system` reads /etc/sysctl.conf after every sysctl.d file; systemd reaches
  // it through Debian's 99-sysctl.conf symlink. Applying it last matches both on typical hosts.
  const files = [...orderSysctlFiles(byDir), SYSCTL_CONF];
  const entries: SysctlEntry[] = [];
  for (const file of files) {
    try {
      // A sysctl.d file linked to /dev/null masks the vendor file of the same name.
      const lst = await ctx.host.lstat(file);
      if (lst?.isSymbolicLink() && (await ctx.host.readlink(file)) === "/dev/null") continue;
      // Like systemd's conf_files_list, only regular files count (a `foo.conf/` dir is skipped).
      const st = await ctx.host.stat(file);
      if (!st?.isFile()) continue;
      const text = await ctx.host.readFileIfExists(file);
      if (text === null) continue;
      entries.push(...parseSysctlConf(text, file).entries);
    } catch (e) {
      unreadable.push(`${file}: ${describeError(e)}`);
    }
  }
  return { entries, unreadable };
}

export interface SysctlFactValue {
  key: string;
  runtime?: string;
  persisted?: string;
  persistedFile?: string;
  persistedLine?: number;
  /** runtime when known, else persisted. */
  value?: string;
}

const params = z.strictObject({
  key: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.:@+/-]+$/, "a sysctl key is letters, digits and . / _ - : @ +")
    .refine((k) => sysctlKeyToPath(k).split("/").every((c) => c !== "" && c !== "." && c !== ".."), "empty or relative component in sysctl key"),
});

export default defineProbe({
  id: "sysctl",
  summary: "A kernel parameter's runtime value (/proc/sys) and its persisted value (sysctl.d, sysctl.conf)",
  params,
  fields: ["key", "runtime", "persisted", "persistedFile", "persistedLine", "value"],
  async collect(ctx, p): Promise<Fact<SysctlFactValue>> {
    const keyPath = sysctlKeyToPath(p.key);
    const key = sysctlPathToKey(keyPath);
    const procFile = `/proc/sys/${keyPath}`;
    const value: SysctlFactValue = { key };
    const evidence: Evidence[] = [];
    const unknown: Record<string, string> = {};
    const notApplicable: Record<string, string> = {};

    try {
      const text = await ctx.host.procReadIfExists(`sys/${keyPath}`);
      if (text === null) {
        // Absent from a readable /proc/sys: the running kernel has no such key (e.g. IPv6
        // disabled). No procfs at all: an offline root, where nothing runs. Neither is hidden.
        notApplicable.runtime = (await ctx.host.procExists("sys"))
          ? `no ${procFile} on this host (key not in this kernel)`
          : `no procfs at ${ctx.host.proc}: the running value cannot be read from an offline root`;
      }
      else {
        value.runtime = normaliseValue(text);
        evidence.push({ file: procFile, key });
      }
    } catch (e) {
      unknown.runtime = `cannot read ${procFile}: ${describeError(e)}`;
    }

    const persisted = await ctx.once("sysctl-persisted", () => loadPersisted(ctx));
    if (persisted.unreadable.length > 0) {
      unknown.persisted = `cannot read sysctl configuration: ${persisted.unreadable.join("; ")}`;
    } else {
      const win = persistedFor(persisted.entries, keyPath);
      if (win) {
        value.persisted = win.value;
        value.persistedFile = win.file;
        value.persistedLine = win.line;
        evidence.push({ file: win.file, line: win.line, key: win.key });
      }
    }
    if (unknown.persisted) {
      unknown.persistedFile = unknown.persisted;
      unknown.persistedLine = unknown.persisted;
    }

    if (value.runtime !== undefined) value.value = value.runtime;
    else if (unknown.runtime) unknown.value = unknown.persisted ? `${unknown.runtime}; ${unknown.persisted}` : unknown.runtime;
    else if (value.persisted !== undefined) value.value = value.persisted;
    else if (unknown.persisted) unknown.value = `${notApplicable.runtime ?? "no running value"}; ${unknown.persisted}`;
    else if (notApplicable.runtime) notApplicable.value = `${notApplicable.runtime}, and no persisted setting`;

    return {
      value,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});

/**
 * sshd_config(5) the way sshd itself reads it (OpenSSH 9.2, servconf.c), without running
 * `sshd -T`: keywords are case-insensitive, the keyword ends at whitespace or one `=`,
 * arguments are split on whitespace with double quotes grouping, and a word starting with
 * `#` ends the line. `Include` is expanded in place (globs sorted, relative paths under
 * /etc/ssh, at most 16 levels deep); a `Match` line starts a conditional block that lasts
 * to the next `Match` or the end of its file, and `Match all` ends it. Only directives
 * outside Match blocks make the global configuration (what `sshd -T` prints without -C),
 * and for most keywords the first one wins.
 *
 * The pure parts (`parseSshdConfig`, `effectiveSshdConfig`) take text; `expandSshdConfig`
 * takes a reader, so tests drive it from memory and the probe from the host root.
 */
import type { ParseProblem } from "./problem.js";
import { NodewardError, type MessageArgs } from "../../errors.js";

export interface SshdLine {
  /** Lower-case keyword, with deprecated aliases mapped to the keyword sshd stores them as. */
  keyword: string;
  /** The keyword as written. */
  name: string;
  args: string[];
  line: number;
}

/** One line of one file. Pure; never throws. */
export function parseSshdConfig(text: string): { lines: SshdLine[]; problems: ParseProblem[] } {
  const lines: SshdLine[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const s = raw.replace(/[\r\f]+$/, "");
    const m = /^[ \t]*([^\s=]*)[ \t]*=?[ \t]*(.*)$/s.exec(s);
    if (!m) return;
    const name = m[1] as string;
    if (name === "" || name.startsWith("#")) {
      if (name === "" && /\S/.test(s) && !/^[ \t]*#/.test(s)) problems.push({ line, message: `no keyword: (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    const split = splitArgs(m[2] as string);
    if (split.error) {
      // sshd rejects the line (and refuses to start); it sets nothing.
      problems.push({ line, message: `${shown(name, false)}: ${split.error}` });
      return;
    }
    if (split.args.length === 0) {
      problems.push({ line, message: `no argument after keyword ${shown(name)}` });
      return;
    }
    const lower = name.toLowerCase();
    lines.push({ keyword: canonicalSshdKeyword(lower), name, args: split.args, line });
  });
  return { lines, problems };
}

/** A keyword is quoted only when it looks like one: an unparsed line may be a secret (Include /etc/shadow). */
function shown(name: string, quote = true): string {
  if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(name)) return "(a word that is no keyword, not quoted)";
  return quote ? `"${name}"` : name;
}

/** sshd's argv_split(…, terminate_on_comment=1): whitespace-separated words, "quotes", `\` escapes. */
export function splitArgs(s: string): { args: string[]; error?: string } {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
    if (i >= s.length) break;
    if (s[i] === "#") break; // a comment starts at a word boundary
    let word = "";
    let quoted = false;
    for (; i < s.length; i++) {
      const c = s[i] as string;
      if (!quoted && (c === " " || c === "\t")) break;
      if (c === "\\" && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === "\\" || (!quoted && (s[i + 1] === " " || s[i + 1] === "\t")))) {
        word += s[++i];
      } else if (c === '"') {
        quoted = !quoted;
      } else {
        word += c;
      }
    }
    if (quoted) return { args, error: "unterminated quote" };
    args.push(word);
  }
  return { args };
}

/** Deprecated spellings sshd still accepts, stored under one option (first value wins across both). */
const ALIASES: Readonly<Record<string, string>> = {
  challengeresponseauthentication: "kbdinteractiveauthentication",
  pubkeyacceptedkeytypes: "pubkeyacceptedalgorithms",
  hostbasedacceptedkeytypes: "hostbasedacceptedalgorithms",
  dsaauthentication: "pubkeyauthentication",
};

/** Keywords whose every occurrence adds to the value (sshd_config(5): "may appear multiple times"). */
export const ACCUMULATING = new Set([
  "allowusers", "allowgroups", "denyusers", "denygroups", "acceptenv", "listenaddress", "port",
  "hostkey", "hostcertificate", "subsystem", "setenv", "channeltimeout",
]);

/** Comma-separated algorithm lists; `+`, `-` and `^` prefixes edit the default list. */
export const ALGORITHM_LISTS = new Set([
  "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms",
  "hostbasedacceptedalgorithms", "casignaturealgorithms", "gssapikexalgorithms",
]);

/** Time-valued keywords: sshd -T prints them in seconds (TIME FORMATS in sshd_config(5)). */
const TIME_KEYWORDS = new Set(["logingracetime", "clientaliveinterval"]);

const YES_NO = new Set(["yes", "no"]);

/**
 * sshd's compiled-in defaults for the keywords nodeward judges: what `sshd -T` prints for an
 * empty sshd_config with Debian 12's OpenSSH 9.2p1 (test/integration/sshd-effective.test.ts
 * compares every entry with the real sshd of the test root). Debian changes defaults
 * only through its shipped sshd_config file (UsePAM yes, KbdInteractiveAuthentication no,
 * X11Forwarding yes, PrintMotd no, AcceptEnv LANG LC_*), which is read like any other.
 * Keywords with no default (AllowUsers, …) are absent here: unset means not configured.
 */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  addressfamily: "any",
  allowagentforwarding: "yes",
  allowstreamlocalforwarding: "yes",
  allowtcpforwarding: "yes",
  authenticationmethods: "any",
  authorizedkeysfile: ".ssh/authorized_keys .ssh/authorized_keys2",
  banner: "none",
  ciphers: "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
  clientalivecountmax: "3",
  clientaliveinterval: "0",
  compression: "yes",
  disableforwarding: "no",
  exposeauthinfo: "no",
  fingerprinthash: "SHA256",
  gatewayports: "no",
  gssapiauthentication: "no",
  gssapicleanupcredentials: "yes",
  hostbasedauthentication: "no",
  hostbasedusesnamefrompacketonly: "no",
  ignorerhosts: "yes",
  ignoreuserknownhosts: "no",
  kbdinteractiveauthentication: "yes",
  kerberosauthentication: "no",
  kexalgorithms:
    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
  logingracetime: "120",
  loglevel: "INFO",
  macs:
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
  maxauthtries: "6",
  maxsessions: "10",
  maxstartups: "10:30:100",
  passwordauthentication: "yes",
  permitemptypasswords: "no",
  permitrootlogin: "prohibit-password",
  permittty: "yes",
  permittunnel: "no",
  permituserenvironment: "no",
  permituserrc: "yes",
  port: "22",
  printlastlog: "yes",
  printmotd: "yes",
  pubkeyauthentication: "yes",
  strictmodes: "yes",
  syslogfacility: "AUTH",
  tcpkeepalive: "yes",
  usedns: "no",
  usepam: "no",
  x11displayoffset: "10",
  x11forwarding: "no",
  x11uselocalhost: "yes",
};

/** A directive of the global configuration, with where it was read. */
export interface SshdDirective extends SshdLine {
  file: string;
}

export interface SshdReader {
  /** File text, or null when it does not exist (or is not a regular file). */
  read(path: string): Promise<string | null>;
  /** Existing paths matching a glob, sorted. */
  glob(pattern: string): Promise<string[]>;
}

export interface SshdExpansion {
  /** Global (outside any Match block) directives, in the order sshd reads them. */
  directives: SshdDirective[];
  /** Every file read, in order. */
  files: string[];
  problems: ParseProblem[];
}

export const SSHD_DIR = "/etc/ssh";
/** servconf.c SERVCONF_MAX_DEPTH. */
export const SSHD_MAX_INCLUDE_DEPTH = 16;

export class SshdIncludeError extends NodewardError {
  constructor(...args: MessageArgs<"PARSE">) {
    super(...args);
    this.name = "SshdIncludeError";
  }
}

/**
 * Read `main` and its Includes; keep only directives outside Match blocks. Includes
 * inside a Match block are not read (nothing in them is global). Throws
 * SshdIncludeError past the depth limit (sshd refuses to start then, too).
 */
export async function expandSshdConfig(main: string, reader: SshdReader): Promise<SshdExpansion & { present: boolean }> {
  const out: SshdExpansion = { directives: [], files: [], problems: [] };
  const text = await reader.read(main);
  if (text === null) return { ...out, present: false };
  await expandFile(main, text, 0, reader, out);
  return { ...out, present: true };
}

async function expandFile(file: string, text: string, depth: number, reader: SshdReader, out: SshdExpansion): Promise<void> {
  out.files.push(file);
  const parsed = parseSshdConfig(text);
  for (const p of parsed.problems) out.problems.push({ file, ...p });
  let active = true; // a Match block lasts to the next Match or the end of this file
  for (const l of parsed.lines) {
    if (l.keyword === "match") {
      // Without connection details, only `Match all` matches (servconf.c match_cfg_line).
      active = l.args.length === 1 && (l.args[0] as string).toLowerCase() === "all";
      continue;
    }
    if (!active) continue;
    if (l.keyword !== "include") {
      out.directives.push({ ...l, file });
      continue;
    }
    if (depth + 1 > SSHD_MAX_INCLUDE_DEPTH) {
      throw new SshdIncludeError("SSHD_INCLUDE_DEPTH", { file, line: l.line, max: SSHD_MAX_INCLUDE_DEPTH });
    }
    for (const arg of l.args) {
      const pattern = arg.startsWith("/") ? arg : `${SSHD_DIR}/${arg}`;
      const paths = /[*?[]/.test(pattern) ? await reader.glob(pattern) : [pattern];
      for (const p of paths) {
        const sub = await reader.read(p);
        if (sub === null) {
          // sshd: a pattern matching nothing is fine; a named file that is missing is skipped too.
          if (!/[*?[]/.test(pattern)) out.problems.push({ file, line: l.line, message: `Include ${p}: no such file` });
          continue;
        }
        await expandFile(p, sub, depth + 1, reader, out);
      }
    }
  }
}

/** The effective value of one keyword. */
export interface SshdSetting {
  value: string;
  /** For algorithm lists (comma-separated) and accumulating keywords: the elements. */
  values?: string[];
  source: "file" | "default";
  file?: string;
  line?: number;
  /** As written in the file, before normalisation (`1m` → `60`, `+aes128-cbc`). */
  raw?: string;
}

/** sshd's convtime(): `90`, `1m30s`, `2h` → seconds; undefined when malformed. */
export function sshdTimeToSeconds(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+)([sSmMhHdDwW])/y;
  const mult: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (mult[(m[2] as string).toLowerCase()] as number);
    pos = re.lastIndex;
  }
  return s.length > 0 ? total : undefined;
}

/** `*` and `?` wildcards as in sshd's match_pattern. */
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** kex_assemble_names(): `+list` appends, `-list` removes (wildcards), `^list` prepends; else replaces. */
export function assembleAlgorithms(spec: string, defaults: readonly string[] | undefined): string[] | undefined {
  const list = (s: string) => s.split(",").filter((x) => x !== "");
  const first = spec[0];
  if (first !== "+" && first !== "-" && first !== "^") return list(spec);
  if (!defaults) return undefined;
  const items = list(spec.slice(1));
  if (first === "-") {
    const res = items.map(wildcard);
    return defaults.filter((d) => !res.some((r) => r.test(d)));
  }
  const rest = defaults.filter((d) => !items.includes(d));
  return first === "+" ? [...defaults, ...items.filter((x) => !defaults.includes(x))] : [...items, ...rest];
}

function normalise(keyword: string, value: string): string {
  if (TIME_KEYWORDS.has(keyword)) {
    const secs = sshdTimeToSeconds(value);
    return secs === undefined ? value : String(secs);
  }
  if (keyword === "loglevel" || keyword === "syslogfacility") return value.toUpperCase();
  if (YES_NO.has(value.toLowerCase())) return value.toLowerCase();
  return value;
}

/**
 * The global effective configuration: every keyword set in the files (first wins, or
 * accumulated) plus the compiled-in defaults for the rest.
 */
export function effectiveSshdConfig(directives: readonly SshdDirective[]): Map<string, SshdSetting> {
  const out = new Map<string, SshdSetting>();
  for (const d of directives) {
    const k = d.keyword;
    const prior = out.get(k);
    if (ACCUMULATING.has(k)) {
      if (prior) {
        prior.values = [...(prior.values ?? []), ...d.args];
        prior.value = (prior.values ?? []).join(" ");
      } else out.set(k, { value: d.args.join(" "), values: [...d.args], source: "file", file: d.file, line: d.line });
      continue;
    }
    if (prior) continue; // first value wins
    const raw = d.args.join(" ");
    if (ALGORITHM_LISTS.has(k)) {
      const def = Object.hasOwn(SSHD_DEFAULTS, k) ? SSHD_DEFAULTS[k]?.split(",") : undefined;
      const values = assembleAlgorithms(d.args[0] as string, def);
      out.set(k, values
        ? { value: values.join(","), values, source: "file", file: d.file, line: d.line, ...(raw !== values.join(",") ? { raw } : {}) }
        : { value: raw, source: "file", file: d.file, line: d.line, raw });
      continue;
    }
    const value = normalise(k, raw);
    out.set(k, { value, source: "file", file: d.file, line: d.line, ...(value !== raw ? { raw } : {}) });
  }
  for (const [k, v] of Object.entries(SSHD_DEFAULTS)) {
    if (out.has(k)) continue;
    out.set(k, ALGORITHM_LISTS.has(k) ? { value: v, values: v.split(","), source: "default" } : { value: v, source: "default" });
  }
  return out;
}

/** Canonical form of a keyword a pack names (`PermitRootLogin`, `challengeResponseAuthentication`). */
export function canonicalSshdKeyword(key: string): string {
  const lower = key.toLowerCase();
  // Own keys only: the keyword comes from the host file ("constructor" is no alias).
  return Object.hasOwn(ALIASES, lower) ? (ALIASES[lower] as string) : lower;
}

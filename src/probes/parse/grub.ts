/**
 * Pure parsers for what GRUB boots with: grub.cfg's `linux`/`linuxefi` lines (kernel and
 * arguments), `set superusers=…` and `password`/`password_pbkdf2` lines (whether a password
 * is set — the hash is never kept), Boot Loader Specification entries (`linux`, `options`),
 * grubenv (`kernelopts=…`), and /etc/default/grub's GRUB_CMDLINE_LINUX(_DEFAULT). They
 * never throw.
 */

export interface KernelEntry {
  kernel: string;
  args: string[];
  line: number;
}

export interface GrubCfg {
  entries: KernelEntry[];
  superusers: { users: string; line: number }[];
  /**
   * Lines that set a password (`password user …`, `password_pbkdf2 user …`): user and line
   * only. `fromUserCfg`: the hash is `${GRUB2_PASSWORD}` (RHEL's 01_users block), which sets
   * nothing unless user.cfg defines it.
   */
  passwords: { user: string; line: number; fromUserCfg: boolean }[];
}

/** Split a kernel command line the way GRUB and the kernel do: spaces, double quotes kept together. */
export function splitArgs(s: string): string[] {
  return argSpans(s).map((a) => a.arg);
}

/** The value the kernel takes for `key` (`ipv6.disable`): the last `key=value` on the line wins; undefined when none. */
export function lastValue(args: readonly string[], key: string): string | undefined {
  for (let i = args.length - 1; i >= 0; i--) {
    const a = args[i] as string;
    if (a.startsWith(`${key}=`)) return a.slice(key.length + 1);
  }
  return undefined;
}

/**
 * The arguments of a kernel command line with where each stands in the text (`start`, `end`:
 * the quotes included), so an editor can drop one and keep the rest byte for byte.
 */
export function argSpans(s: string): { arg: string; start: number; end: number }[] {
  const out: { arg: string; start: number; end: number }[] = [];
  let cur = "";
  let start = -1;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') {
      if (start < 0) start = i;
      quoted = !quoted;
      continue;
    }
    if (!quoted && /\s/.test(c)) {
      if (start >= 0 && cur !== "") out.push({ arg: cur, start, end: i });
      cur = "";
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    cur += c;
  }
  if (start >= 0 && cur !== "") out.push({ arg: cur, start, end: s.length });
  return out;
}

export function parseGrubCfg(text: string): GrubCfg {
  const out: GrubCfg = { entries: [], superusers: [], passwords: [] };
  text.split("\n").forEach((raw, i) => {
    const s = raw.trim();
    if (s === "" || s.startsWith("#")) return;
    const line = i + 1;
    const lin = /^(linux|linuxefi|linux16)\s+(\S+)(.*)$/s.exec(s);
    if (lin) {
      out.entries.push({ kernel: lin[2] as string, args: splitArgs(lin[3] as string), line });
      return;
    }
    const su = /^set\s+superusers\s*=\s*("([^"]*)"|'([^']*)'|(\S+))/.exec(s);
    if (su) {
      out.superusers.push({ users: su[2] ?? su[3] ?? su[4] ?? "", line });
      return;
    }
    const pw = /^(password|password_pbkdf2)\s+(\S+)\s+(\S+)/.exec(s);
    if (pw) out.passwords.push({ user: pw[2] as string, line, fromUserCfg: /^"?\$\{?GRUB2_PASSWORD\}?"?$/.test(pw[3] as string) });
  });
  return out;
}

/** A BLS entry (/boot/loader/entries/*.conf): `linux` and `options` (several `options` lines add up). */
export function parseBlsEntry(text: string): { kernel?: string; options: string[]; line: number } {
  let kernel: string | undefined;
  const options: string[] = [];
  let line = 0;
  text.split("\n").forEach((raw, i) => {
    const m = /^\s*(linux|options)\s+(.*)$/s.exec(raw);
    if (!m) return;
    if (m[1] === "linux") kernel = (m[2] as string).trim();
    else {
      for (const a of splitArgs(m[2] as string)) options.push(a);
      line = i + 1;
    }
  });
  return { ...(kernel ? { kernel } : {}), options, line };
}

/** grubenv (`key=value` lines, `#` padding) → map. */
export function parseGrubenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (m) Object.defineProperty(out, m[1] as string, { value: m[2], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** /etc/default/grub's GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT (shell quoting, the last assignment wins). */
export function parseDefaultGrub(text: string): { args: string[]; lines: number[] } {
  const found: Record<string, { value: string; line: number }> = {};
  text.split("\n").forEach((raw, i) => {
    const m = /^\s*(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)=(.*)$/.exec(raw);
    if (!m) return;
    let v = (m[2] as string).trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    found[m[1] as string] = { value: v, line: i + 1 };
  });
  const parts = [found.GRUB_CMDLINE_LINUX, found.GRUB_CMDLINE_LINUX_DEFAULT].filter((x): x is { value: string; line: number } => x !== undefined);
  return { args: parts.flatMap((p) => splitArgs(p.value)), lines: parts.map((p) => p.line) };
}

/**
 * Pure parser for the shell start-up files a login shell reads (/etc/profile,
 * /etc/profile.d/*.sh, /etc/bash.bashrc, /etc/bashrc, ~/.bashrc …): variable assignments
 * with their `readonly`/`export` marks, and `umask` commands with the permissions the mask
 * leaves. It does not run the shell: conditionals are read as if taken (every assignment
 * counts), which is what CIS's grep-based audits judge too. It never throws.
 */

export interface ShellAssignment {
  name: string;
  value: string;
  line: number;
}

export interface ShellUmask {
  /** As written: "027", "0022", "u=rwx,g=rx,o=". */
  value: string;
  /** Permission bits a new file or directory may get under this mask (0o750 for 027); null if unreadable. */
  permits: number | null;
  line: number;
}

export interface ShellProfile {
  assignments: ShellAssignment[];
  readonly: { name: string; line: number }[];
  exported: { name: string; line: number }[];
  umasks: ShellUmask[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Statements of a line: comments dropped, split at `;`, `&&`, `||` outside quotes (a close enough reading). */
function statements(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(line[i - 1] as string))) break;
    if (c === ";" || (c === "&" && line[i + 1] === "&") || (c === "|" && line[i + 1] === "|")) {
      out.push(cur);
      cur = "";
      if (c !== ";") i++;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

const unquote = (v: string): string => (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v);

/** The permission bits a umask leaves: octal (`027`) or symbolic (`u=rwx,g=rx,o=`, the permissions allowed). */
export function umaskPermits(value: string): number | null {
  if (/^[0-7]{1,4}$/.test(value)) return 0o777 & ~parseInt(value, 8);
  let perms = 0o777;
  for (const clause of value.split(",")) {
    const m = /^([ugoa]*)([=+-])([rwx]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] === "" || m[1] === "a" ? "ugo" : (m[1] as string);
    const bits = [...(m[3] as string)].reduce((b, p) => b | (p === "r" ? 4 : p === "w" ? 2 : 1), 0);
    for (const w of who) {
      const shift = w === "u" ? 6 : w === "g" ? 3 : 0;
      const mask = 7 << shift;
      if (m[2] === "=") perms = (perms & ~mask) | (bits << shift);
      else if (m[2] === "+") perms |= bits << shift;
      else perms &= ~(bits << shift);
    }
  }
  return perms;
}

export function parseShellProfile(text: string): ShellProfile {
  const out: ShellProfile = { assignments: [], readonly: [], exported: [], umasks: [] };
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    for (const st of statements(raw.replace(/\r$/, ""))) {
      const words = st.split(/\s+/);
      const first = words[0] as string;
      if (first === "umask") {
        const arg = words.slice(1).find((w) => !w.startsWith("-"));
        if (arg !== undefined) out.umasks.push({ value: unquote(arg), permits: umaskPermits(unquote(arg)), line });
        continue;
      }
      let marks: { readonly: boolean; exported: boolean } = { readonly: false, exported: false };
      let rest = words;
      if (first === "readonly" || first === "export" || first === "declare" || first === "typeset" || first === "local") {
        marks = { readonly: first === "readonly", exported: first === "export" };
        rest = words.slice(1);
        while (rest[0]?.startsWith("-")) {
          const flags = rest[0] as string;
          if (flags.includes("r")) marks.readonly = true;
          if (flags.includes("x")) marks.exported = true;
          rest = rest.slice(1);
        }
      }
      for (const w of rest) {
        const eq = w.indexOf("=");
        const name = eq === -1 ? w : w.slice(0, eq);
        if (!NAME.test(name)) {
          if (rest === words) break; // an ordinary command, not an assignment
          continue;
        }
        if (eq !== -1) out.assignments.push({ name, value: unquote(w.slice(eq + 1)), line });
        else if (rest === words) break;
        if (marks.readonly) out.readonly.push({ name, line });
        if (marks.exported) out.exported.push({ name, line });
      }
    }
  });
  return out;
}

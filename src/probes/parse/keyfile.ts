/**
 * Pure parser for GLib key files (dconf's keyfile databases under /etc/dconf/db/<db>.d/,
 * GDM's custom.conf / daemon.conf): `[group]` headers, `key=value` (spaces around `=`
 * ignored, `key[locale]=` kept as written), `#` comment lines. It never throws: a line that is
 * neither is recorded as a problem.
 */
import { unquoted, type ParseProblem } from "./problem.js";

export interface KeyfileEntry {
  group: string;
  key: string;
  value: string;
  line: number;
}

export function parseKeyfile(text: string): { entries: KeyfileEntry[]; problems: ParseProblem[] } {
  const entries: KeyfileEntry[] = [];
  const problems: ParseProblem[] = [];
  let group = "";
  text.split("\n").forEach((raw, i) => {
    const s = raw.trim();
    if (s === "" || s.startsWith("#")) return;
    if (s.startsWith("[")) {
      if (!s.endsWith("]") || s.length < 3) problems.push({ line: i + 1, message: `bad group header ${unquoted(s)}` });
      else group = s.slice(1, -1).trim();
      return;
    }
    const eq = s.indexOf("=");
    if (eq <= 0 || group === "") {
      problems.push({ line: i + 1, message: group === "" ? "key outside any [group]" : `not a key=value line: ${unquoted(s)}` });
      return;
    }
    entries.push({ group, key: s.slice(0, eq).trim(), value: s.slice(eq + 1).trim(), line: i + 1 });
  });
  return { entries, problems };
}

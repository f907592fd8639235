/**
 * Pure parser for pam_limits(8) files (limits.conf(5) and limits.d/*.conf): one
 * `<domain> <type> <item> <value>` per line, `#` comments. It never throws: a line
 * that is not four fields is skipped and recorded as a problem.
 */
import { unquoted, type ParseProblem } from "./problem.js";

export interface LimitEntry {
  /** `*`, a user name, `@group`, `%group`, or a uid/gid range (`1000:`). */
  domain: string;
  /** `soft`, `hard`, or `-` (both). */
  type: "soft" | "hard" | "-";
  item: string;
  value: string;
  file: string;
  /** 1-based line number. */
  line: number;
}

export function parseLimitsConf(text: string, file: string): { entries: LimitEntry[]; problems: ParseProblem[] } {
  const entries: LimitEntry[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const hash = raw.indexOf("#");
    const s = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (s === "") return;
    const words = s.split(/\s+/);
    const line = i + 1;
    if (words.length !== 4) {
      problems.push({ line, message: `expected "<domain> <type> <item> <value>", found ${words.length} field(s)` });
      return;
    }
    const [domain, type, item, value] = words as [string, string, string, string];
    if (type !== "soft" && type !== "hard" && type !== "-") {
      problems.push({ line, message: `type must be soft, hard or -, not ${unquoted(type)}` });
      return;
    }
    entries.push({ domain, type, item: item.toLowerCase(), value, file, line });
  });
  return { entries, problems };
}

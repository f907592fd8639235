/**
 * Trimming by hand where a regex would backtrack: `s.replace(/\/+$/, "")` tries the run
 * from every position inside it, so a path of 100,000 slashes followed by a letter costs
 * 5·10⁹ steps — a hostile fstab or passwd line is enough. These walk once from the end.
 */

/** `s` without the trailing run of `ch` (one UTF-16 unit). */
export function trimEndChar(s: string, ch: string): string {
  const c = ch.charCodeAt(0);
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === c) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A path without its trailing slashes (`/etc/` → `/etc`; `/` → ``). */
export const trimTrailingSlashes = (p: string): string => trimEndChar(p, "/");

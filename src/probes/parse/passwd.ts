/**
 * /etc/passwd and /etc/group → id-to-name maps, read from the scanned root (not this
 * machine's NSS), so a mounted host's uid 42 gets the host's name. Junk lines are skipped.
 */

function parseIdNameFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  // By index, not split(): a 500k-line passwd must not become millions of short-lived strings.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "" || line.startsWith("#")) continue;
    const c1 = line.indexOf(":");
    const c2 = c1 === -1 ? -1 : line.indexOf(":", c1 + 1);
    const c3 = c2 === -1 ? -1 : line.indexOf(":", c2 + 1);
    if (c2 === -1) continue;
    const name = line.slice(0, c1);
    const idText = line.slice(c2 + 1, c3 === -1 ? line.length : c3);
    // NIS `+`/`-` compat lines and malformed ids carry no usable mapping.
    if (name === "" || name.startsWith("+") || name.startsWith("-") || !/^\d{1,10}$/.test(idText)) continue;
    const id = Number(idText);
    // First entry wins, as getpwuid(3) returns the first match.
    if (!names.has(id)) names.set(id, name);
  }
  return names;
}

/** uid → user name. */
export function parsePasswd(text: string): Map<number, string> {
  return parseIdNameFile(text);
}

/** gid → group name. */
export function parseGroup(text: string): Map<number, string> {
  return parseIdNameFile(text);
}

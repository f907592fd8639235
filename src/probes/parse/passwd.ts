/**
 * /etc/passwd and /etc/group → id-to-name maps, read from the scanned root (not this
 * machine's NSS), so a mounted host's uid 42 gets the host's name. Junk lines are skipped.
 */

function parseIdNameFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    const name = f[0] ?? "";
    const idText = f[2] ?? "";
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

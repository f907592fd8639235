/** os-release(5): `KEY=value` lines with shell-style quotes. Pure; never throws. */

/** Parse os-release's `KEY=value` lines (shell-style quotes; odd lines ignored). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] as string).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) {
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, "$1");
    }
    out[m[1] as string] = v;
  }
  return out;
}

export function osFamily(id: string | undefined, idLike: readonly string[]): string | undefined {
  const all = [id, ...idLike].filter((x): x is string => !!x);
  if (all.some((x) => x === "debian" || x === "ubuntu")) return "debian";
  if (all.some((x) => ["rhel", "fedora", "centos", "rocky", "almalinux"].includes(x))) return "rhel";
  if (all.some((x) => x === "suse" || x.startsWith("opensuse") || x === "sles")) return "suse";
  return id;
}

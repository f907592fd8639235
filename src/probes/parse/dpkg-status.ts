/** dpkg's status database (`/var/lib/dpkg/status`), parsed without dpkg. Pure; never throws. */
import type { ParseProblem } from "./problem.js";

export interface DpkgPackage {
  name: string;
  version?: string;
  architecture?: string;
  /** The whole Status field, e.g. "install ok installed". */
  status: string;
  /** Third word of Status: installed, config-files, half-installed, not-installed, unpacked, … */
  state: string;
  /** Line of the stanza's `Package:` field. */
  line: number;
}

export interface DpkgStatus {
  packages: Map<string, DpkgPackage>;
  problems: ParseProblem[];
  /**
   * Why no package's state can be told from this file, when it cannot: dpkg is always in its
   * own database (an empty one is not dpkg's), a file that ends mid-line was cut short (what
   * followed is unseen), a stanza without its Package field could be any package (dpkg
   * itself refuses such a database).
   */
  unseen?: string;
  /** Packages whose stanza lacks its Status field or has an odd one: their state is unseen, with why. */
  unsure: Map<string, string>;
}

/** States in which the package's files are on disk and configured (dpkg treats trigger states as installed). */
export const DPKG_INSTALLED_STATES: ReadonlySet<string> = new Set(["installed", "triggers-pending", "triggers-awaited"]);

/** Is text[from, to) only whitespace (what trim() removes)? */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // Beyond ASCII, leave the question to the definition trim() uses.
    return c < 128 ? false : text.slice(from, to).trim() === "";
  }
  return true;
}

function rank(state: string): number {
  if (state === "installed") return 3;
  if (DPKG_INSTALLED_STATES.has(state)) return 2;
  if (state === "not-installed") return 0;
  return 1;
}

/**
 * RFC 822-style stanzas separated by blank lines; continuation lines start with a space
 * or tab. Multi-arch copies of one name (`libc6` amd64 and i386) collapse to the most
 * installed one, so "is X installed" is answered once per name.
 */
export function parseDpkgStatus(text: string): DpkgStatus {
  const packages = new Map<string, DpkgPackage>();
  const problems: ParseProblem[] = [];
  const unsure = new Map<string, string>();
  let nameless: number | undefined;
  let fields = new Map<string, string>();
  let start = 0;
  let pkgLine = 0;

  const flush = (): void => {
    if (fields.size === 0) return;
    const name = fields.get("package");
    const status = fields.get("status");
    if (!name) {
      problems.push({ line: start, message: "stanza without a Package field" });
      nameless ??= start;
    } else if (status === undefined) {
      problems.push({ line: pkgLine, message: `package ${name} has no Status field` });
      if (!unsure.has(name)) unsure.set(name, `its stanza at line ${pkgLine} has no Status field`);
    } else {
      const words = status.split(/\s+/).filter((w) => w !== "");
      if (words.length !== 3) {
        problems.push({ line: pkgLine, message: `package ${name}: odd Status ${JSON.stringify(status)}` });
        if (!unsure.has(name)) unsure.set(name, `its stanza at line ${pkgLine} has a Status of ${words.length} words, not 3`);
      }
      const pkg: DpkgPackage = { name, status, state: words[2] ?? words[words.length - 1] ?? "unknown", line: pkgLine };
      const version = fields.get("version");
      if (version !== undefined) pkg.version = version;
      const arch = fields.get("architecture");
      if (arch !== undefined) pkg.architecture = arch;
      const prev = packages.get(name);
      if (!prev || rank(pkg.state) > rank(prev.state)) packages.set(name, pkg);
    }
    fields = new Map();
  };

  // Lines are walked in place (split on "\n", one trailing "\r" dropped): most lines of a
  // real database are continuations (Description, Conffiles), passed over without being
  // copied out (a 700 KB file: ~20 -> ~8 ms).
  let lastField: string | undefined;
  for (let pos = 0, n = 1; pos <= text.length; n++) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const from = pos;
    pos = end + 1;
    const first = text.charCodeAt(from);
    if (from < lineEnd && (first === 32 || first === 9) && !isBlank(text, from, lineEnd)) {
      // Continuation (Description, Conffiles): never holds a field we use; just validate placement.
      if (lastField === undefined) problems.push({ line: n, message: "continuation line outside a field" });
      continue;
    }
    const raw = text.slice(from, lineEnd);
    if (raw.trim() === "") {
      flush();
      lastField = undefined;
      continue;
    }
    const colon = raw.indexOf(":");
    if (colon <= 0) {
      problems.push({ line: n, message: `not a field: (a line of ${raw.length} characters, not quoted: an unparsed line may hold a secret)` });
      continue;
    }
    if (fields.size === 0) start = n;
    const key = raw.slice(0, colon).trim().toLowerCase();
    if (key === "package") pkgLine = n;
    // First occurrence of a field wins; a repeated Package would otherwise merge two stanzas.
    if (!fields.has(key)) fields.set(key, raw.slice(colon + 1).trim());
    else problems.push({ line: n, message: `repeated field ${raw.slice(0, colon)}` });
    lastField = key;
  }
  flush();
  const out: DpkgStatus = { packages, problems, unsure };
  if (text.length > 0 && !text.endsWith("\n")) out.unseen = `it ends mid-line (line ${text.split("\n").length}): cut short, what followed is unseen`;
  else if (nameless !== undefined) out.unseen = `the stanza at line ${nameless} has no Package field: it could be any package (dpkg refuses such a database)`;
  else if (packages.size === 0) out.unseen = "it lists no package, not even dpkg: not dpkg's database";
  return out;
}

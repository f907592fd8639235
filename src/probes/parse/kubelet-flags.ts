/**
 * Pure parsers for a kubelet command line: `/proc/<pid>/cmdline` splitting, recognising
 * the kubelet argv (`kubelet …` or `hyperkube kubelet …`) and pflag-style flag parsing.
 */
import { pushAll } from "../../util/array.js";

export interface ParsedFlags {
  /** Flag name (no leading dashes, `_` normalised to `-`) → raw string value. Last occurrence wins. */
  flags: Record<string, string>;
  /** Flag name → index (in the argv handed in) of the token that set the winning value. */
  index: Record<string, number>;
  /** Tokens that are not flags (kubelet takes none; kept for evidence). */
  positional: string[];
}

/**
 * Normalise a flag name as the kubelet's pflag set does (cliflag.WordSepNormalizeFunc):
 * leading dashes dropped, `_` read as `-`.
 */
export function normaliseFlagName(name: string): string {
  return name.replace(/^-+/, "").replace(/_/g, "-");
}

/**
 * Parse pflag-style flags: `--flag=value`, `--flag value` (only when the next token does
 * not start with `-`), bare `--flag` → "true". A lone `--` ends the flags. The last
 * occurrence of a flag wins. Never throws.
 */
export function parseKubeletFlags(args: readonly string[]): ParsedFlags {
  const flags: Record<string, string> = Object.create(null) as Record<string, string>;
  const index: Record<string, number> = Object.create(null) as Record<string, number>;
  const positional: string[] = [];
  let i = 0;
  while (i < args.length) {
    const tok = args[i] as string;
    if (tok === "--") {
      pushAll(positional, args.slice(i + 1));
      break;
    }
    if (!tok.startsWith("-") || tok === "-") {
      positional.push(tok);
      i++;
      continue;
    }
    const eq = tok.indexOf("=");
    let name: string;
    let value: string;
    const at = i;
    if (eq !== -1) {
      name = normaliseFlagName(tok.slice(0, eq));
      value = tok.slice(eq + 1);
      i++;
    } else {
      name = normaliseFlagName(tok);
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith("-")) {
        value = next;
        i += 2;
      } else {
        value = "true";
        i++;
      }
    }
    if (name === "") {
      positional.push(tok);
      continue;
    }
    flags[name] = value;
    index[name] = at;
  }
  return { flags, index, positional };
}

/**
 * Split `/proc/<pid>/cmdline` (NUL-separated, usually NUL-terminated). A process that
 * rewrote its argv into one space-joined string (setproctitle) is split on spaces.
 */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split("\0");
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 1 && /\s/.test(parts[0] as string)) {
    return (parts[0] as string).split(/\s+/).filter((p) => p !== "");
  }
  return parts;
}

function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i === -1 ? p : p.slice(i + 1);
}

/**
 * When argv is a kubelet's, return the arguments after the program (after `kubelet` for
 * `hyperkube kubelet …`) and the offset of the first of them in argv; else null.
 */
export function kubeletArgs(argv: readonly string[]): { args: string[]; offset: number } | null {
  const prog = argv[0];
  if (prog === undefined) return null;
  const base = basename(prog);
  if (base === "kubelet") return { args: argv.slice(1), offset: 1 };
  if (base === "hyperkube" && argv[1] === "kubelet") return { args: argv.slice(2), offset: 2 };
  return null;
}

/**
 * Parse a map-valued flag (`--feature-gates=A=true,B=false`) into its entries. Never throws.
 */
export function parseMapFlag(value: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of value.split(",")) {
    const t = item.trim();
    if (t === "") continue;
    const eq = t.indexOf("=");
    if (eq === -1) out[t] = "";
    else out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

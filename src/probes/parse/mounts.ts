/**
 * Pure parsers for the two views of a system's mounts: the kernel's mount table of a
 * process (proc(5) /proc/<pid>/mountinfo) and the boot-time table fstab(5). They never
 * throw: a malformed line is skipped and recorded as a problem.
 */
import type { ParseProblem } from "./problem.js";
import { trimTrailingSlashes } from "../../util/trim.js";

export interface MountinfoEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  /** Per-mount options (rw, nodev, nosuid, noexec, relatime, …). */
  options: string[];
  /** Per-superblock options. */
  superOptions: string[];
  line: number;
}

export interface FstabEntry {
  spec: string;
  mountPoint: string;
  fstype: string;
  options: string[];
  line: number;
}

/** The kernel's and fstab's octal escapes (`\040` space, `\011` tab, `\012`, `\134` backslash). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** `/tmp/` → `/tmp`, `//var//log` → `/var/log` (mount points are compared in this form). */
export function normaliseMountPoint(p: string): string {
  const n = p.replace(/\/{2,}/g, "/");
  return n.length > 1 ? trimTrailingSlashes(n) : n;
}

const splitOptions = (s: string): string[] => s.split(",").filter((o) => o !== "");

/** `36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue` */
export function parseMountinfo(text: string): { entries: MountinfoEntry[]; problems: ParseProblem[] } {
  const entries: MountinfoEntry[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const s = raw.trim();
    if (s === "") return;
    const f = s.split(" ");
    const dash = f.indexOf("-", 6);
    if (f.length < 10 || dash === -1 || f.length < dash + 4) {
      problems.push({ line: i + 1, message: "not a mountinfo line (fields, then '-', fstype, source, super options)" });
      return;
    }
    entries.push({
      mountPoint: normaliseMountPoint(unescapeOctal(f[4] as string)),
      options: splitOptions(f[5] as string),
      fstype: f[dash + 1] as string,
      source: unescapeOctal(f[dash + 2] as string),
      superOptions: splitOptions(f[dash + 3] as string),
      line: i + 1,
    });
  });
  return { entries, problems };
}

/** fstab(5): `spec file vfstype mntops [freq [passno]]`, `#` comments. */
export function parseFstab(text: string): { entries: FstabEntry[]; problems: ParseProblem[] } {
  const entries: FstabEntry[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const s = raw.trim();
    if (s === "" || s.startsWith("#")) return;
    const f = s.split(/\s+/);
    if (f.length < 3 || f.length > 6) {
      problems.push({ line: i + 1, message: `expected 3 to 6 fields, found ${f.length}` });
      return;
    }
    entries.push({
      spec: unescapeOctal(f[0] as string),
      mountPoint: normaliseMountPoint(unescapeOctal(f[1] as string)),
      fstype: f[2] as string,
      options: splitOptions(f[3] ?? "defaults"),
      line: i + 1,
    });
  });
  return { entries, problems };
}

/** `systemd-escape --path --suffix=mount`: `/var/log/audit` → `var-log-audit.mount`, `/` → `-.mount`. */
export function mountUnitName(mountPoint: string): string {
  const p = normaliseMountPoint(mountPoint).replace(/^\/+/, "");
  if (p === "") return "-.mount";
  const esc = p
    .split("/")
    .map((c) => [...c].map((ch, i) => (/[A-Za-z0-9:_]/.test(ch) || (ch === "." && i > 0) ? ch : [...Buffer.from(ch)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""))).join(""))
    .join("-");
  return `${esc}.mount`;
}

/**
 * grubby-args: add (or remove) kernel arguments on every boot loader entry of a RHEL-family
 * BLS system with `grubby --update-kernel ALL --args=… / --remove-args=…` — the benchmark's
 * own remediation (CIS RHEL 9 6.3.1.2–3, 1.3.1.2; ComplianceAsCode grub2_audit_argument) —
 * on the live host only, the entries backed up first. The plan previews what grubby will
 * change: which entries lack (or carry) the arguments, by file, and their `options` line
 * afterwards. grubby does not touch /etc/kernel/cmdline, which kernel-install gives the entry
 * of a kernel installed later: where it exists, it is edited too (a journaled write, undone by
 * rollback), so the next kernel keeps the arguments. Nothing to do when every entry (and
 * /etc/kernel/cmdline) already agrees. Refused, naming what is missing, when the root has no
 * boot loader entries (not a BLS system: grub-cmdline-add is Debian's) or no grubby: the
 * entries are never edited by hand. Takes effect at the next boot.
 */
import { z } from "zod";
import { argSpans, parseBlsEntry } from "../probes/parse/grub.js";
import { defineFix, FixRefused, type Change, type FixContext } from "./types.js";

export const BLS_ENTRIES = "/boot/loader/entries";
export const KERNEL_CMDLINE = "/etc/kernel/cmdline";
/** Where grubby is installed (grubby, RHEL 8 and later). */
export const GRUBBY_PATHS = ["/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby"] as const;

/** `name` or `name=value`: nothing grubby or a shell would split or expand. */
const kernelArg = z.string().regex(/^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.,:+-]+)?$/, "a kernel argument (name or name=value)");

const key = (a: string): string => a.split("=")[0] as string;

/** `options` after grubby: an added `key=value` replaces that key's value (grubby's rule), a removed argument goes (by key when given without a value). */
export function updatedArgs(args: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const removed = (a: string) => remove.some((r) => (r.includes("=") ? a === r : key(a) === r));
  const out = args.filter((a) => !removed(a) && !add.some((n) => key(n) === key(a)));
  return [...out, ...add];
}

/** A removed argument: `name=value` exactly, or `name` with any value. */
const removes = (remove: readonly string[]) => (a: string): boolean => remove.some((r) => (r.includes("=") ? a === r : key(a) === r));

/**
 * Does this line of arguments already say what the fix wants? An added `key=value` counts only
 * as the key's last value: the kernel takes the last (`audit=1 … audit=0` boots without audit).
 */
function agrees(args: readonly string[], add: readonly string[], remove: readonly string[]): boolean {
  const last = (a: string) => [...args].reverse().find((x) => key(x) === key(a));
  return add.every((a) => (a.includes("=") ? last(a) === a : args.includes(a))) && !args.some(removes(remove));
}

/**
 * Keys of added `key=value` arguments this line sets more than once, not all to that value
 * (`audit=1 audit=0`): grubby is told to remove every one of them first, so none is left behind.
 */
function conflicting(args: readonly string[], add: readonly string[]): string[] {
  return add.filter((a) => {
    const same = args.filter((x) => key(x) === key(a));
    return a.includes("=") && same.length > 1 && same.some((x) => x !== a);
  }).map(key);
}

/** An argument as written on a command line: quoted when it holds a space (the kernel drops the quotes). */
const quoted = (a: string): string => (/\s/.test(a) ? `"${a}"` : a);

/**
 * /etc/kernel/cmdline after the fix: only the targeted arguments change — a removed one (or an
 * added key's other values) is cut out by its place in the text, an added one appended with a
 * space — and everything else, quotes and spacing, stays byte for byte.
 */
export function editCmdline(text: string, add: readonly string[], remove: readonly string[]): string {
  const drop = (a: string) => removes(remove)(a) || add.some((n) => key(n) === key(a));
  let out = text;
  for (const s of argSpans(text).filter((t) => drop(t.arg)).reverse()) {
    let a = s.start;
    let b = s.end;
    while (a > 0 && (out[a - 1] === " " || out[a - 1] === "\t")) a--;
    // First on its line: the blanks after it go instead.
    if (a === 0 || out[a - 1] === "\n") while (b < out.length && (out[b] === " " || out[b] === "\t")) b++;
    out = out.slice(0, a) + out.slice(b);
  }
  if (add.length === 0) return out;
  const tail = /\s*$/.exec(out)?.[0] ?? "";
  const body = out.slice(0, out.length - tail.length);
  return `${body}${body === "" ? "" : " "}${add.join(" ")}${tail === "" ? "\n" : tail}`;
}

async function grubbyPath(ctx: FixContext): Promise<string | undefined> {
  for (const p of GRUBBY_PATHS) {
    const st = await ctx.host.stat(p).catch(() => null);
    if (st?.isFile()) return p;
  }
  return undefined;
}

export default defineFix({
  id: "grubby-args",
  summary: "Add or remove kernel arguments on every boot loader entry with grubby --update-kernel ALL (RHEL BLS systems; also /etc/kernel/cmdline; effective after a reboot)",
  needs: "reboot",
  params: z.strictObject({ args: z.array(kernelArg).default([]), removeArgs: z.array(kernelArg).default([]) })
    .refine((p) => p.args.length + p.removeArgs.length > 0, "args or removeArgs"),
  async plan(ctx, p) {
    const what = [...p.args, ...p.removeArgs.map((a) => `-${a}`)].join(" ");
    const names = ((await ctx.host.readdir(BLS_ENTRIES).catch(() => null)) ?? []).filter((n) => n.endsWith(".conf")).sort();
    if (names.length === 0) throw new FixRefused("FIX_NO_BLS_ENTRIES", { dir: BLS_ENTRIES, args: what });
    const grubby = await grubbyPath(ctx);
    if (grubby === undefined) throw new FixRefused("FIX_GRUBBY_MISSING", { paths: GRUBBY_PATHS.join(", "), args: what });
    const changes: Change[] = [];
    const lacking: { file: string; after: string }[] = [];
    const files: string[] = [];
    const conflicts = new Set<string>();
    for (const n of names) {
      const file = `${BLS_ENTRIES}/${n}`;
      const cur = await ctx.readFile(file);
      if (!cur) continue;
      files.push(file);
      const options = parseBlsEntry(cur.content).options;
      if (agrees(options, p.args, p.removeArgs)) continue;
      lacking.push({ file, after: updatedArgs(options, p.args, p.removeArgs).map(quoted).join(" ") });
      for (const k of conflicting(options, p.args)) conflicts.add(k);
    }
    if (lacking.length > 0) {
      // An added key set to something else too (audit=1 … audit=0): grubby removes every value of it first.
      const removeArgs = [...p.removeArgs, ...[...conflicts].filter((k) => !p.removeArgs.includes(k))];
      const preview = lacking.slice(0, 3).map((l) => `${l.file.slice(BLS_ENTRIES.length + 1)}: options ${l.after}`).join("; ");
      changes.push({
        kind: "command",
        argv: ["grubby", "--update-kernel", "ALL", ...(p.args.length ? [`--args=${p.args.join(" ")}`] : []), ...(removeArgs.length ? [`--remove-args=${removeArgs.join(" ")}`] : [])],
        liveOnly: true,
        why: `${lacking.length} of ${files.length} boot loader entries lack ${what}${conflicts.size > 0 ? ` (${[...conflicts].join(", ")} set more than once and the kernel takes the last value: every ${[...conflicts].join(", ")} removed first)` : ""} (${grubby}); then ${preview}${lacking.length > 3 ? `; … ${lacking.length - 3} more` : ""}`,
        backupFiles: files,
        manualUndo: `restore the boot loader entries from nodeward's backup of ${BLS_ENTRIES}, or ${[
          ...(p.args.length ? [`grubby --update-kernel ALL --remove-args="${p.args.join(" ")}"`] : []),
          ...(p.removeArgs.length ? [`grubby --update-kernel ALL --args="${p.removeArgs.filter((a) => a.includes("=")).join(" ")}"`] : []),
        ].join(" and ")} (every entry, also those that had them before), then reboot`,
      });
    }
    // kernel-install's command line for the next kernel: grubby leaves it as it is.
    const cmdline = await ctx.readFile(KERNEL_CMDLINE);
    if (cmdline) {
      const args = argSpans(cmdline.content).map((a) => a.arg);
      if (!agrees(args, p.args, p.removeArgs)) {
        changes.push({ kind: "write-file", path: KERNEL_CMDLINE, before: cmdline, after: { ...cmdline, content: editCmdline(cmdline.content, p.args, p.removeArgs) } });
      }
    }
    return changes;
  },
});

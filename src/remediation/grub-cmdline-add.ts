/**
 * grub-cmdline-add: add kernel arguments (audit=1, audit_backlog_limit=8192, apparmor=1
 * security=apparmor) for every GRUB entry of a Debian/Ubuntu system, as a drop-in
 * /etc/default/grub.d/99-nodeward.cfg (one write-file change through the remediation
 * journal: rollback removes or restores it). update-grub sources the grub.d/*.cfg files after
 * /etc/default/grub, so the line `GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"` appends to
 * whatever the site set there; /etc/default/grub itself is never edited.
 *
 * The arguments reach a kernel only through /boot/grub/grub.cfg, which update-grub generates,
 * and only at the next boot: on the live host the plan runs `update-grub` after the drop-in
 * (a command change: grub.cfg is backed up first; rollback names `update-grub` for the
 * operator, as it cannot regenerate grub.cfg before the drop-in is gone), and the fix needs a
 * reboot. On a mounted root the command is shown as skipped (run update-grub inside it), so
 * the dry run names it either way. A grub.d file sorting after ours that sets
 * GRUB_CMDLINE_LINUX outright (not appending to it) would drop the arguments: the fix refuses,
 * naming it. RHEL's kernel arguments are set with grubby in the boot
 * loader entries: no file edit is as safe there, so its packs carry the command as text.
 */
import { z } from "zod";
import { pushAll } from "../util/array.js";
import { missingDirs } from "./atomic.js";
import { defineFix, FixRefused, type Change, type FixContext } from "./types.js";

export const NODEWARD_GRUB_DROPIN = "/etc/default/grub.d/99-nodeward.cfg";
export const GRUB_CFG = "/boot/grub/grub.cfg";

const HEADER = [
  "# Written by nodeward: kernel arguments added by remediation. update-grub reads this after",
  "# /etc/default/grub; they take effect once update-grub has run and the system has rebooted.",
].join("\n") + "\n";

/** `name` or `name=value`: nothing a shell would expand inside double quotes. */
const kernelArg = z.string().regex(/^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.,:+-]+)?$/, "a kernel argument (name or name=value)");

/** The arguments the drop-in already appends (every `GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX …"` line). */
export function appendedArgs(content: string): string[] {
  const out: string[] = [];
  for (const line of content.split("\n")) {
    const m = /^\s*GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX ([^"$`\\]*)"\s*$/.exec(line);
    if (m) pushAll(out, (m[1] ?? "").trim().split(/\s+/).filter((a) => a !== ""));
  }
  return out;
}

const GRUB_D = "/etc/default/grub.d";

/** A grub.d file update-grub sources after ours that assigns GRUB_CMDLINE_LINUX without appending. */
async function overriddenBy(ctx: FixContext): Promise<{ file: string; line: number } | undefined> {
  const ours = NODEWARD_GRUB_DROPIN.slice(GRUB_D.length + 1);
  const names = ((await ctx.host.readdir(GRUB_D)) ?? []).filter((n) => n.endsWith(".cfg") && n > ours);
  for (const name of names) {
    const file = `${GRUB_D}/${name}`;
    const st = await ctx.readFile(file);
    const i = (st?.content ?? "").split("\n").findIndex((l) => /^\s*(export\s+)?GRUB_CMDLINE_LINUX=/.test(l) && !/\$\{?GRUB_CMDLINE_LINUX\b/.test(l));
    if (i >= 0) return { file, line: i + 1 };
  }
  return undefined;
}

export default defineFix({
  id: "grub-cmdline-add",
  summary: "Add kernel arguments for every GRUB entry in /etc/default/grub.d/99-nodeward.cfg (then update-grub; effective after a reboot)",
  needs: "reboot",
  params: z.strictObject({ args: z.array(kernelArg).min(1) }),
  async plan(ctx, p) {
    const changes: Change[] = [];
    const later = await overriddenBy(ctx);
    if (later) throw new FixRefused("FIX_GRUB_CMDLINE_OVERRIDDEN", { file: later.file, line: String(later.line), ours: NODEWARD_GRUB_DROPIN });
    const cur = await ctx.readFile(NODEWARD_GRUB_DROPIN);
    const have = appendedArgs(cur?.content ?? "");
    const missing = p.args.filter((a) => !have.includes(a));
    if (missing.length > 0) {
      const head = cur?.content ?? HEADER;
      const content = `${head}${head.endsWith("\n") ? "" : "\n"}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX ${missing.join(" ")}"\n`;
      const mkdirs = cur ? [] : await missingDirs(ctx.host, NODEWARD_GRUB_DROPIN);
      changes.push({
        kind: "write-file",
        path: NODEWARD_GRUB_DROPIN,
        before: cur,
        after: { content, mode: cur?.mode ?? 0o644, uid: cur?.uid ?? 0, gid: cur?.gid ?? 0 },
        ...(mkdirs.length ? { mkdirs } : {}),
      });
    }
    // The check reads grub.cfg: regenerate it (also when the drop-in is there but update-grub never ran).
    changes.push({
      kind: "command",
      argv: ["update-grub"],
      liveOnly: true,
      why: `regenerate ${GRUB_CFG} with ${p.args.join(" ")} on every entry`,
      backupFiles: [GRUB_CFG],
      manualUndo: `update-grub (after the rollback, so that ${GRUB_CFG} is generated without ${NODEWARD_GRUB_DROPIN}), then reboot`,
    });
    return changes;
  },
});

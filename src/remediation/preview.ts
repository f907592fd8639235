/**
 * The dry run as data for people who will not run it: for each failing check with a
 * typed fix, what `nodeward remediate --check <key>` would change, rendered the way the
 * CLI prints it — but only the changed lines of a file (no context lines, so a preview
 * never quotes the rest of a config file), each line redacted, and at most
 * PREVIEW_MAX_LINES lines per check. Computed by the agent right after a scan, from that
 * scan's results, so the page shows the preview as of the results it shows. Changes no byte.
 */
import type { CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { CheckResult } from "../engine/result.js";
import type { LoadedCheck } from "../packs/load.js";
import { redactText } from "../util/redact.js";
import { planRemediation, type PlannedFix } from "./plan.js";
import { renderChange } from "./render.js";
import type { Needs } from "./types.js";

export const PREVIEW_MAX_LINES = 40;

export interface FixPreview {
  /** `<pack>/<id>` */
  check: string;
  /** The typed fix's action (`file-mode`, `sysctl-set`, …). */
  action: string;
  /** What the operator must do afterwards for the change to take effect. */
  needs?: Needs;
  /** The changes, as lines: `--- path`/`+++ path`/`@@`/`-old`/`+new` for files, the command otherwise. */
  lines: string[];
  /** Changes this host cannot take from this agent (live-only on a mounted root), with the reason. */
  skipped: string[];
  /** The fix refused or failed to plan, and why. */
  error?: string;
  /** Lines left out past PREVIEW_MAX_LINES. */
  omitted?: number;
}

export interface PreviewOptions {
  host: HostRoot;
  checks: readonly LoadedCheck[];
  /** The scan's results for these checks (matched by pack and id). */
  results: readonly CheckResult[];
  run?: CommandRunner;
}

/** Only what changes: hunk headers and -/+ lines of a diff; every line of anything else. */
function changedLines(lines: string[]): string[] {
  return lines.filter((l) => !l.startsWith(" "));
}

/** One planned fix as a preview. */
export function previewOf(f: PlannedFix, host: HostRoot): FixPreview {
  const lines: string[] = [];
  for (const c of f.changes) for (const l of changedLines(renderChange(c, host))) lines.push(redactText(l));
  const skipped: string[] = [];
  for (const s of f.skipped) for (const l of changedLines(renderChange(s.change, host))) skipped.push(redactText(`${l}  (${s.reason})`));
  const omitted = Math.max(0, lines.length - PREVIEW_MAX_LINES);
  return {
    check: f.check.key,
    action: f.action,
    ...(f.needs ? { needs: f.needs } : {}),
    lines: lines.slice(0, PREVIEW_MAX_LINES),
    skipped: skipped.slice(0, PREVIEW_MAX_LINES),
    ...(f.error !== undefined ? { error: redactText(f.error) } : {}),
    ...(omitted > 0 ? { omitted } : {}),
  };
}

/**
 * Plan (never apply) the fix of each failing check among `results`: one preview per
 * check with a fix, each planned on its own — what `remediate --check <key>` shows.
 */
export async function previewFixes(o: PreviewOptions): Promise<FixPreview[]> {
  const byKey = new Map(o.results.map((r) => [`${r.pack}/${r.id}`, r]));
  const out: FixPreview[] = [];
  for (const c of o.checks) {
    const r = byKey.get(c.key);
    if (r?.status !== "fail" || !c.fix) continue;
    const plan = await planRemediation({ host: o.host, checks: [c], results: [r], ...(o.run ? { run: o.run } : {}) });
    for (const f of plan.fixes) out.push(previewOf(f, o.host));
  }
  return out;
}

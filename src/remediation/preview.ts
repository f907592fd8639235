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
import { severityRank } from "../engine/select.js";
import type { LoadedCheck } from "../packs/load.js";
import { redactText } from "../util/redact.js";
import { planRemediation, type PlannedFix } from "./plan.js";
import { renderChangeRedacted } from "./render.js";
import type { Change, Needs } from "./types.js";

export const PREVIEW_MAX_LINES = 40;
/** Characters of one preview line; a longer line is cut (a one-line JSON file, a long command). */
export const PREVIEW_LINE_CHARS = 400;
/** Characters of all the previews of one scan together (what the scan child sends the agent, and the agent keeps). */
export const PREVIEWS_MAX_CHARS = 256 * 1024;

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

/** Only what changes: hunk headers and -/+ lines of a diff (redacted); every line of anything else. */
function changedLines(c: Change, host: HostRoot): string[] {
  return renderChangeRedacted(c, host)
    .filter((l) => !l.startsWith(" "))
    .map(cutLine);
}

function cutLine(l: string): string {
  return l.length > PREVIEW_LINE_CHARS ? `${l.slice(0, PREVIEW_LINE_CHARS)}…` : l;
}

/** One planned fix as a preview. */
export function previewOf(f: PlannedFix, host: HostRoot): FixPreview {
  const lines: string[] = [];
  for (const c of f.changes) for (const l of changedLines(c, host)) lines.push(l);
  const skipped: string[] = [];
  for (const s of f.skipped) for (const l of changedLines(s.change, host)) skipped.push(redactText(`${l}  (${s.reason})`));
  const omitted = Math.max(0, lines.length - PREVIEW_MAX_LINES);
  return {
    check: f.check.key,
    action: f.action,
    ...(f.needs ? { needs: f.needs } : {}),
    lines: lines.slice(0, PREVIEW_MAX_LINES),
    skipped: skipped.slice(0, PREVIEW_MAX_LINES),
    // One line: a refusal is a sentence, but a bad parameter is a multi-line validation dump.
    ...(f.error !== undefined ? { error: cutLine(redactText(f.error).replace(/\s+/g, " ").trim()) } : {}),
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

/** Characters a preview takes (its lines and texts), for the budget of one scan's previews. */
function previewChars(p: FixPreview): number {
  let n = p.check.length + p.action.length + (p.error?.length ?? 0);
  for (const l of p.lines) n += l.length + 1;
  for (const l of p.skipped) n += l.length + 1;
  return n;
}

/**
 * The previews of one scan, within PREVIEWS_MAX_CHARS: most severe failing checks first,
 * so on a node with very many failing fixes the budget goes to the ones that matter most;
 * a check past the budget has no preview (its page shows the dry-run command instead).
 */
export async function scanPreviews(o: PreviewOptions & { maxChars?: number }): Promise<FixPreview[]> {
  const budget = o.maxChars ?? PREVIEWS_MAX_CHARS;
  const failing = o.checks.filter((c) => c.fix !== undefined);
  failing.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const all = await previewFixes({ ...o, checks: failing });
  const out: FixPreview[] = [];
  let used = 0;
  for (const p of all) {
    used += previewChars(p);
    if (used > budget) break;
    out.push(p);
  }
  return out;
}

/**
 * The scan child's side of drift re-checks (scan-child.ts hands them here): load the
 * agent's pack selection once, keep it, and re-check the checks asked for (by key)
 * through the scan path (src/engine/recheck.ts), answering each request by its id.
 */
import { recheck } from "../engine/recheck.js";
import { HostRoot } from "../host/host-root.js";
import { loadSelection, type PackSelection } from "../packs/selection.js";
import type { ChildMessage, ChildRequest } from "./scan-process.js";

/** The selection this child loaded, kept for its next re-checks (reloaded if the job changes). */
let kept: { key: string; selection: Promise<PackSelection> } | undefined;

export async function answerRecheck(req: Extract<ChildRequest, { kind: "recheck" }>): Promise<ChildMessage> {
  try {
    const key = JSON.stringify([req.packs, req.profile, req.vars]);
    if (kept?.key !== key) kept = { key, selection: loadSelection({ paths: req.packs, ...(req.profile ? { profile: req.profile } : {}), vars: req.vars }) };
    const selection = await kept.selection;
    const r = await recheck({
      host: new HostRoot({ root: req.root, ...(req.proc ? { proc: req.proc } : {}) }),
      packs: selection.packs,
      filter: { benchmarks: req.benchmarks },
      keys: req.keys,
      deep: req.deep,
    });
    return { ok: true, kind: "recheck", id: req.id, recheck: r };
  } catch (e) {
    kept = undefined;
    return { ok: false, id: req.id, message: (e as Error).message ?? String(e) };
  }
}

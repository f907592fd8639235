/**
 * The agent's child process (forked by scan-process.ts): receives one request over IPC —
 * a scan, or the catalog at start — loads the packs the agent is configured with (the
 * same selection code, the same inputs), answers, and exits. Its memory and CPU are its
 * own: the agent's HTTP event loop never runs a probe nor holds a loaded pack, and all
 * a scan allocated goes back to the system when this process exits.
 *
 * Drift re-checks run in a process of their own (recheck-main.ts), which does not load
 * what a scan needs and a re-check does not.
 */
import { PlanRecorder } from "../engine/drift-plan.js";
import { runScan } from "../engine/run-scan.js";
import { selectChecks } from "../engine/select.js";
import { HostRoot } from "../host/host-root.js";
import { formatPackError } from "../packs/load.js";
import { loadSelection } from "../packs/selection.js";
import { scanPreviews, type FixPreview } from "../remediation/preview.js";
import { catalogOf } from "./catalog.js";
import { configSelectionIssues } from "./config-selection.js";
import { RESULTS_PER_MESSAGE } from "./child-messages.js";
import { malformedRequest } from "./recheck-child.js";
import type { ChildMessage, ChildRequest } from "./scan-process.js";

function reply(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function answer(req: Exclude<ChildRequest, { kind: "recheck" }>): Promise<ChildMessage> {
  const started = performance.now();
  try {
    const selection = await loadSelection({ paths: req.packs, ...(req.profile ? { profile: req.profile } : {}), vars: req.vars });
    const filter = { benchmarks: req.benchmarks };
    if (req.kind === "catalog") {
      const checks = selectChecks(selection.packs, filter);
      return {
        ok: true,
        kind: "catalog",
        catalog: catalogOf(checks),
        loadErrors: selection.errors.map(formatPackError),
        packs: selection.packs.length,
        checks: selection.packs.reduce((n, p) => n + p.checks.length, 0),
        configIssues: await configSelectionIssues(req, selection),
      };
    }
    const loadMs = performance.now() - started;
    const host = new HostRoot({ root: req.root, ...(req.proc ? { proc: req.proc } : {}) });
    // The drift plan (what each fact read) when the agent's drift controller asks for it.
    const recorder = req.plan ? new PlanRecorder(host) : undefined;
    const report = await runScan({ host, packs: selection.packs, filter, loadErrors: req.loadErrors, deep: req.deep, ...(recorder ? { recorder } : {}) });
    const plan = recorder ? await recorder.plan() : undefined;
    // The dashboard's previews are planned here, where the packs are loaded, so the agent never holds a pack.
    let previews: FixPreview[] | undefined;
    if (req.previews) {
      try {
        previews = await scanPreviews({ host, checks: selectChecks(selection.packs, filter), results: report.results });
      } catch (e) {
        process.stderr.write(`fix previews of this scan could not be planned: ${(e as Error).message}\n`);
      }
    }
    return { ok: true, kind: "scan", report, loadMs, maxRssKiB: process.resourceUsage().maxRSS, ...(plan ? { plan } : {}), ...(previews ? { previews } : {}) };
  } catch (e) {
    return { ok: false, message: (e as Error).message ?? String(e) };
  }
}

process.on("message", (req: ChildRequest) => {
  const bad = malformedRequest(req);
  if (bad !== undefined) return void reply({ ok: false, message: `the scan process got ${bad}` }).finally(() => process.exit(0));
  if (req.kind === "recheck") return void reply({ ok: false, id: req.id, message: "re-checks run in the re-check process (recheck-main.js), not the scan process" }).finally(() => process.exit(0));
  void answer(req)
    .then(async (msg) => {
      if (msg.ok && msg.kind === "scan") {
        // The results first, in parts, then the report without them.
        const { results } = msg.report;
        for (let i = 0; i < results.length; i += RESULTS_PER_MESSAGE) await reply({ ok: true, kind: "scan-results", results: results.slice(i, i + RESULTS_PER_MESSAGE) });
        return reply({ ...msg, report: { ...msg.report, results: [] } });
      }
      return reply(msg);
    })
    .finally(() => process.exit(0));
});
// The agent died or closed the channel before sending a request.
process.once("disconnect", () => process.exit(0));

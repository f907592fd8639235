/**
 * The agent's child process (forked by scan-process.ts): receives one request over IPC —
 * a scan, or the catalog at start — loads the packs the agent is configured with (the
 * same selection code, the same inputs), answers, and exits. Its memory and CPU are its
 * own: the agent's HTTP event loop never runs a probe nor holds a loaded pack, and all
 * a scan allocated goes back to the system when this process exits.
 */
import { runScan } from "../engine/run-scan.js";
import { selectChecks } from "../engine/select.js";
import { HostRoot } from "../host/host-root.js";
import { formatPackError } from "../packs/load.js";
import { loadSelection } from "../packs/selection.js";
import { catalogOf } from "./catalog.js";
import type { ChildMessage, ChildRequest } from "./scan-process.js";

function reply(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function answer(req: ChildRequest): Promise<ChildMessage> {
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
      };
    }
    const loadMs = performance.now() - started;
    const report = await runScan({
      host: new HostRoot({ root: req.root, ...(req.proc ? { proc: req.proc } : {}) }),
      packs: selection.packs,
      filter,
      loadErrors: req.loadErrors,
      deep: req.deep,
    });
    return { ok: true, kind: "scan", report, loadMs, maxRssKiB: process.resourceUsage().maxRSS };
  } catch (e) {
    return { ok: false, message: (e as Error).message ?? String(e) };
  }
}

process.once("message", (req: ChildRequest) => {
  void answer(req)
    .then(reply)
    .finally(() => process.exit(0));
});
// The agent died or closed the channel before sending a request.
process.once("disconnect", () => process.exit(0));

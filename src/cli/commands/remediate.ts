import { createInterface } from "node:readline/promises";
import { createProbeContext } from "../../engine/run-checks.js";
import { selectChecks } from "../../engine/select.js";
import kubeletProbe from "../../probes/kubelet.js";
import { applyPlan } from "../../remediation/apply.js";
import { DEFAULT_STATE_DIR, RunStore, type RunInfo } from "../../remediation/journal.js";
import { planRemediation, type RemediationPlan } from "../../remediation/plan.js";
import { renderChangeRedacted } from "../../remediation/render.js";
import { EXIT, UsageError, loadPackPaths, checkFilter, hostFromFlags, parseSelectionArgs, selectOrFail, selectionFlags } from "../common.js";

export const remediateHelp = `Usage: nodeward remediate [options]

Fix the failing checks that have a typed fix. Without --apply this is a dry run: it
prints each change as a diff (file contents, mode, owner) or the command it would run,
and changes nothing. With --apply every change is journaled and backed up first under
--state-dir, files are replaced atomically, and the fixed checks are scanned again.
Undo a run with "nodeward rollback".

Selection (as in scan):
  --benchmark ID        only this pack (repeatable or comma-separated)
  --check ID            only this check (repeatable); "7.1.5" or "cis-debian-12/7.1.5"
  --severity LEVEL      only checks at or above: info, low, medium, high, critical
  --level N             only checks of CIS level N or below
  --packs PATH          load packs from PATH instead of the bundled benchmarks/
  --profile NAME        tailor the packs as scan does (e.g. kubernetes-node): use the
                        profile the node is scanned with, or remediation may undo it.
                        --apply refuses to run without one where a kubelet is found
  --no-profile          apply the benchmarks' own values on a Kubernetes node anyway
  --var NAME=VALUE      set a pack var, as scan does

Target:
  --root DIR            remediate the system mounted at DIR (default /); live-only actions
                        (systemctl stop, package purge, modprobe -r, sysctl -w) are skipped
  --proc DIR            its procfs (default <root>/proc)

Apply:
  --apply               make the changes (default: dry run)
  --yes, -y             do not ask for confirmation (needed when stdin is not a terminal)
  --state-dir DIR       journal and backups go to DIR/runs/<run-id> (default ${DEFAULT_STATE_DIR})
  --quiet               no progress on stderr

Exit codes: 0 dry run printed, or every fixed check passes on re-scan; 1 a change failed
or a fixed check still fails; 2 usage error, pack error, or an unfinished run blocks --apply;
3 internal error.
`;

export function warnUnfinished(runs: readonly RunInfo[]): void {
  for (const r of runs) {
    process.stderr.write(
      `nodeward: run ${r.runId} (root ${r.root}, started ${r.startedAt}) is unfinished: its process (pid ${r.pid}) ended while it was ${r.status}.\n` +
        `  Undo it with: nodeward rollback ${r.runId}\n`,
    );
  }
}

export function printPlan(plan: RemediationPlan, out: (s: string) => void): number {
  let n = 0;
  for (const f of plan.fixes) {
    out(`\n[${f.check.key}] ${f.check.title}\n  fix: ${f.action}${f.needs ? `  (needs ${f.needs})` : ""}\n`);
    if (f.error) {
      out(`  cannot fix: ${f.error}\n`);
      continue;
    }
    if (f.changes.length === 0 && f.skipped.length === 0) out("  nothing to change\n");
    for (const c of f.changes) {
      n++;
      for (const line of renderChangeRedacted(c, plan.host)) out(`    ${line}\n`);
    }
    for (const s of f.skipped) {
      for (const line of renderChangeRedacted(s.change, plan.host)) out(`    (skipped: ${s.reason}) ${line}\n`);
    }
  }
  if (plan.noFix.length > 0) {
    out(`\nFailing checks without an automatic fix (${plan.noFix.length}): ${plan.noFix.map((r) => `${r.pack}/${r.id}`).join(", ")}\n`);
    // A profile that replaced an expectation drops the pack's fix (it aims at the benchmark's value).
    const tailored = plan.noFix.filter((r) => r.tailoring);
    if (tailored.length > 0) {
      out(`  (${tailored.map((r) => `${r.pack}/${r.id}`).join(", ")}: expectation tailored by profile ${tailored[0]?.tailoring?.profile}; the pack's fix aims at the benchmark's value, so fix by hand)\n`);
    }
  }
  return n;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function remediateCommand(argv: string[]): Promise<number> {
  const values = parseSelectionArgs(argv, {
    apply: { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    yes: { type: "boolean", short: "y", default: false },
    "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
    quiet: { type: "boolean", short: "q", default: false },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(remediateHelp);
    return EXIT.OK;
  }
  const filter = checkFilter(values);
  const host = await hostFromFlags(values);
  const store = new RunStore(values["state-dir"]);

  const unfinished = await store.unfinished();
  warnUnfinished(unfinished);
  if (values.apply && unfinished.length > 0) {
    process.stderr.write("nodeward: refusing to --apply while a run is unfinished; roll it back first.\n");
    return EXIT.USAGE;
  }

  if (values.profile && values["no-profile"]) throw new UsageError("FLAGS_EXCLUSIVE", { flag: "--profile", other: "--no-profile" });
  // The benchmarks' own values break a Kubernetes node (ip_forward 0, overlay disabled,
  // listeners on its ports stopped): without a profile, --apply must be asked for twice.
  if (values.apply && !values.profile && !values["no-profile"]) {
    const kubelet = (await kubeletProbe.collect(createProbeContext(host), {})).value as { present?: boolean; unitFile?: string; pid?: number };
    if (kubelet.present) {
      process.stderr.write(
        `nodeward: this host runs a kubelet (${kubelet.unitFile ?? (kubelet.pid !== undefined ? `pid ${kubelet.pid}` : "found")}); ` +
          "remediating without a profile would apply the benchmarks' values that break Kubernetes (e.g. net.ipv4.ip_forward = 0, the overlay module disabled).\n" +
          "Give --profile kubernetes-node (the profile this node is scanned with), or --no-profile to apply them anyway.\n",
      );
      return EXIT.USAGE;
    }
  }

  // The same packs, profile and vars as `scan`: on a Kubernetes node the profile is what
  // keeps remediation from "fixing" ip_forward back to 0.
  const loaded = await loadPackPaths(values.packs ?? [], { validateFixes: true, ...selectionFlags(values) });
  for (const e of loaded.formatted) process.stderr.write(`nodeward: pack error: ${e}\n`);
  // A mistyped pack or check must not plan (or apply) "nothing to change" and exit 0.
  const checks = loaded.errors.length === 0 ? selectOrFail(loaded.packs, loaded.all, filter, loaded.profile) : selectChecks(loaded.packs, filter);
  const plan = await planRemediation({ host, checks });
  const out = (s: string) => process.stdout.write(s);
  const failing = plan.results.filter((r) => r.status === "fail").length;
  out(`nodeward remediate: ${checks.length} checks on ${host.isLive ? "this host" : host.root}, ${failing} failing, ${plan.fixes.length} with a fix\n`);
  const n = printPlan(plan, out);

  if (!values.apply) {
    out(`\nDry run: nothing was changed. ${n > 0 ? `Run again with --apply to make these ${n} change(s).` : "Nothing to change."}\n`);
    return loaded.errors.length > 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (n === 0) {
    out("\nNothing to change.\n");
    return EXIT.OK;
  }
  if (!values.yes) {
    if (!process.stdin.isTTY) throw new UsageError("APPLY_NEEDS_YES");
    if (!(await confirm(`\nApply ${n} change(s) to ${host.isLive ? "this host" : host.root}? [y/N] `))) {
      out("Nothing was changed.\n");
      return EXIT.OK;
    }
  }
  const progress = !values.quiet && process.stderr.isTTY === true;
  const result = await applyPlan({
    plan,
    store,
    ...(progress ? { onProgress: (p) => process.stderr.write(`\r\u001b[2Kapplying ${p.done}/${p.total} ${p.check}`) } : {}),
  });
  if (progress) process.stderr.write("\r\u001b[2K");

  out(`\nRun ${result.runId ?? "-"}: ${result.status} (journal and backups in ${result.runId ? store.runDir(result.runId) : "-"})\n`);
  for (const f of result.fixes) {
    out(`  [${f.fix.check.key}] ${f.applied} change(s)${f.error ? `; FAILED: ${f.error}` : ""}\n`);
  }
  let stillFailing = 0;
  if (result.rescan.length > 0) {
    out("\nRe-scan of the fixed checks:\n");
    for (const r of result.rescan) {
      if (r.status !== "pass") stillFailing++;
      out(`  ${r.status.toUpperCase().padEnd(5)} ${r.pack}/${r.id} ${r.title}${r.status !== "pass" && r.message ? ` — ${r.message}` : ""}\n`);
    }
  }
  const needs = [...new Set(result.fixes.filter((f) => f.applied > 0 && f.fix.needs).map((f) => f.fix.needs))];
  for (const need of needs) {
    out(`\nNote: a change needs ${need}${need === "kubelet-restart" ? ": systemctl daemon-reload && systemctl restart kubelet.service" : ""}\n`);
  }
  if (result.runId) out(`\nUndo with: nodeward rollback ${result.runId}${values["state-dir"] !== DEFAULT_STATE_DIR ? ` --state-dir ${values["state-dir"]}` : ""}\n`);
  return result.status === "failed" || stillFailing > 0 ? EXIT.FAILED : EXIT.OK;
}

/**
 * Never pass what could not be seen — the table over every fact source of every probe.
 *
 * A compliant kubeadm Debian 12 node (every automated check of the kubernetes-node profile
 * passes on it) is scanned once with a recording host root, fact by fact, so each fact's
 * sources are known: every host path and procfs entry its probe resolved. Then each source
 * is hidden in turn, in the ways the field hides them —
 *   - unreadable: the kernel answers EACCES (a file or directory the agent may not read,
 *     an AppArmor/SELinux denial in a DaemonSet);
 *   - masked: an inaccessible node mounted over it in nodeward's mount namespace (systemd's
 *     ProtectKernelModules=/ProtectHome=/InaccessiblePaths=), which reads as empty;
 *   - missing: ENOENT where the file was;
 *   - fifo, outside: the node itself replaced on disk by a named pipe (files whose bytes a
 *     fact reads) or by a link climbing out of the root (anything a fact goes through);
 *   - dangling: replaced by a link to nothing, which must end as the removed file does (or error) —
 * and the checks that depended on the fact are evaluated again. Hidden (unreadable or
 * masked), none of them may pass: each is `error` (or a listed, benchmark-justified skip)
 * with the reason. Missing is absence, which a readable parent proves: it may pass or fail,
 * but a probe must answer it without crashing.
 *
 * How sources are recorded and hidden: test/helpers/hidden-sources.ts (shared with the
 * table over every Kubernetes distribution, hidden-facts-distributions.test.ts). Probes no
 * check of the fixture exercises are listed with a reason (PROBES_ELSEWHERE) and tested
 * in their own files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { loadSelection } from "../../../src/packs/selection.js";
import { probes } from "../../../src/probes/index.js";
import { compliantDebianNode } from "../../helpers/compliant-debian-node.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { buildPlan, callsOf, describeResult, evaluate, hiddenSourceProblems, TableHost, type HideMode, type Plan } from "../../helpers/hidden-sources.js";

afterAll(cleanupFixtures);

/**
 * Probes the compliant node does not exercise, each with where its hidden facts are tested.
 * A new probe must either have a passing check on the compliant node or be listed here.
 */
const PROBES_ELSEWHERE: Record<string, string> = {
  command: "runs a command, reads no file: a command that is missing, fails or times out is error (command.test.ts, engine/run-checks.test.ts)",
  "rsyslog-conf": "its checks (CIS Debian 6.1.3) apply where rsyslog is the logging system, which on the compliant node journald is: an unreadable include is unknown (rsyslog-conf.test.ts)",
  keyfile: "its checks (CIS 1.7/1.8 GDM) apply only where GDM is installed, which it is not on the compliant node: an unreadable key file or directory is unknown (keyfile.test.ts)",
  "audit-rules": "its loaded rules (auditctl -l) exist only on the live host: unreadable rules files, an unaskable kernel and an auditctl that is masked or in an unsearchable PATH directory are unknown (audit-rules.test.ts, kit/executable.test.ts)",
  firewall: "CIS 4 (Debian 12): on the running view which utility is in use needs the service's running state, which the fixture cannot tell (error, never pass); the offline plan judges the persisted nftables ruleset and hides its sources (every source of the nftables, iptables, ufw and firewalld checks hidden in turn on a root where they pass, a FIFO or a link for a ruleset file, the live host's snapshot directory unreadable or tampered with: firewall-hidden.test.ts; a mounted host's live ruleset and a missing or refused nft/iptables-save: firewall.test.ts)",
};

/**
 * Hidden sources whose checks may still end `skip`, with why the benchmark allows it.
 * Key: `<pack>/<id>`. Everything else hidden must be `error` — or, for a CIS Kubernetes
 * edition that steps aside when the kubelet's version cannot be read, its if-unknown skip,
 * provided the fallback edition judges the node (test/helpers/hidden-sources.ts).
 */
const JUSTIFIED_SKIPS: Record<string, RegExp> = {};

/**
 * Known gaps, each a source pattern and the packs it affects, with the work that closes
 * it. The test fails when a gap no longer occurs, so the list only shrinks.
 */
const KNOWN_GAPS: { sources: RegExp; packs: RegExp; modes?: readonly HideMode[]; why: string }[] = [];
const knownGap = (hostPath: string, c: { pack: { id: string } }, mode: HideMode) =>
  KNOWN_GAPS.findIndex((g) => g.sources.test(hostPath) && g.packs.test(c.pack.id) && (g.modes === undefined || g.modes.includes(mode)));

/**
 * Two views of the same node: as a running system (a procfs with processes, the DaemonSet's
 * view), and as an offline image of it (no procfs), where a unit's running state does not
 * apply and its enablement alone decides — so systemd-unit's own sources are exercised too.
 * The offline plan keeps only checks the running view does not pass: of probes it does not
 * exercise, judging a unit's running state (error there, decided by enablement offline), or
 * judging the audit rules (the running view also asks the kernel for the loaded rules, which
 * a fixture cannot answer: error there; offline the persisted rules in /etc/audit decide, so
 * only there are their sources hidden — 6.2.3.20 alone, the immutable flag, passes running).
 */
let plans: Plan[];

beforeAll(async () => {
  const sel = await loadSelection({ profile: "kubernetes-node" });
  if (sel.errors.length > 0) throw new Error(sel.errors.map(formatPackError).join("\n"));
  // The profile's packs (tailored as shipped), and every shipped pack it does not select
  // (kisa-unix-2026, the 2026 KISA edition chosen on its own): all packs over this node.
  const selected = new Set(sel.packs.map((p) => p.meta.id));
  const checks = [...sel.packs, ...sel.all.filter((p) => !selected.has(p.meta.id))].flatMap((p) => p.checks);
  const node = compliantDebianNode();
  const running = await buildPlan(checks, node);
  const exercised = new Set(running.passing.flatMap(callsOf).map((c) => c.probeId));
  const image = Object.fromEntries(Object.entries(node).filter(([k]) => !k.startsWith("proc/")));
  const passedRunning = new Set(running.passing.map((c) => c.key));
  const offline = await buildPlan(checks.filter((c) => !passedRunning.has(c.key) && (callsOf(c).some((call) => !exercised.has(call.probeId)) || call0IsUnit(c) || c.audit?.probeId === "audit-rules")), image);
  plans = [running, offline];
}, 300_000);

/** The check's audit asks systemd-unit (whose running state a fixture cannot show). */
const call0IsUnit = (c: LoadedCheck): boolean => c.audit?.probeId === "systemd-unit";

describe("hidden facts: the compliant node's fact sources", () => {
  it("the compliant node passes enough checks, and every probe but the listed ones is exercised", () => {
    const [running, offline] = plans as [Plan, Plan];
    expect(running.passing.length).toBeGreaterThan(150);
    expect(offline.passing.length).toBeGreaterThan(20);
    // The persisted firewall ruleset and audit rules are judged offline, where their sources are hidden.
    const offlineBy = (probe: string) => offline.passing.filter((c) => callsOf(c).some((call) => call.probeId === probe)).map((c) => c.key);
    expect(offlineBy("firewall")).toContain("cis-debian-12/4.3.2");
    expect(offlineBy("audit-rules")).toEqual(expect.arrayContaining(["cis-debian-12/6.2.3.1", "cis-debian-12/6.2.3.8", "cis-debian-12/6.2.3.19"]));
    const exercised = new Set(plans.flatMap((p) => p.passing.flatMap(callsOf).map((c) => c.probeId)));
    const missing = Object.keys(probes).filter((id) => !exercised.has(id) && !(id in PROBES_ELSEWHERE));
    expect(missing, "probes with no passing check on the compliant node and no entry in PROBES_ELSEWHERE").toEqual([]);
    expect(running.dependents.size).toBeGreaterThan(100);
    // Every pack with checks for a Debian node is in the table (the others skip on os-release).
    const packsPassing = new Set(plans.flatMap((p) => p.passing.map((c) => c.pack.id)));
    for (const id of ["cis-debian-12", "kisa-unix", "kisa-unix-2026", "cis-kubernetes-node", "kubernetes-node-runtime"]) expect({ id, passing: packsPassing.has(id) }).toEqual({ id, passing: true });
  });

  for (const mode of ["unreadable", "masked", "fifo", "dangling", "outside"] as const) {
    it(`${mode}: no check passes on a hidden source; each errors, or passes only on facts that were seen while the probe reports the hidden one`, { timeout: 600_000 }, async () => {
      const problems: string[] = [];
      const gapsSeen = new Set<number>();
      for (const plan of plans) {
        const run = await hiddenSourceProblems(plan, mode, JUSTIFIED_SKIPS, knownGap);
        problems.push(...run.problems);
        for (const g of run.gapsSeen) gapsSeen.add(g);
      }
      const closed = KNOWN_GAPS.filter((g, i) => (g.modes === undefined || g.modes.includes(mode)) && !gapsSeen.has(i)).map((g) => g.why);
      expect(closed, "known gaps that no longer occur: remove them from KNOWN_GAPS").toEqual([]);
      expect(problems, `${problems.length} checks did not error with their source hidden:\n  ${problems.slice(0, 4000).join("\n  ")}`).toEqual([]);
    });
  }

  it("missing: every probe answers the absence of each source, never with a crash", { timeout: 600_000 }, async () => {
    const crashes: string[] = [];
    for (const plan of plans) for (const [source, checks] of plan.dependents) {
      const { results } = await evaluate(checks, new TableHost({ root: plan.root, hide: { source, mode: "missing" } }));
      checks.forEach((c, i) => {
        const r = results[i] as CheckResult;
        // A probe that throws a programming error (TypeError, RangeError…) on an absent file.
        if (r.status === "error" && /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|internal:/.test(r.message ?? "")) {
          crashes.push(`${source} missing → ${describeResult(c, r)}`);
        }
      });
    }
    expect(crashes).toEqual([]);
  });
});

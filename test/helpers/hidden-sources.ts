/**
 * The machinery of the hidden-fact tables (test/unit/probes/hidden-facts*.test.ts): scan a
 * fixture once with a recording host root, fact by fact, so each fact's sources are known
 * (every host path and procfs entry its probe resolved); then hide each source in turn —
 *   - unreadable: the kernel answers EACCES (a file or directory the agent may not read,
 *     an AppArmor/SELinux denial in a DaemonSet);
 *   - masked: an inaccessible node mounted over it in nodeward's mount namespace (systemd's
 *     ProtectKernelModules=/ProtectHome=/InaccessiblePaths=), which reads as empty;
 *   - missing: ENOENT where the file was —
 * and evaluate the checks that depended on it again.
 *
 * The EACCES is raised where HostRoot resolves the path, as the kernel raises it at open
 * or stat: root (which the suite runs as) reads everything, and an LSM is not available
 * here. The masked mode goes through the real mount-view comparison, fed mountinfo lines
 * shaped as systemd writes them.
 */
import type { CheckResult } from "../../src/engine/result.js";
import { evaluateCheck } from "../../src/engine/evaluate.js";
import { gatherFacts, type FactOutcome } from "../../src/engine/gather.js";
import { createProbeContext, runChecks } from "../../src/engine/run-checks.js";
import { HostRoot } from "../../src/host/host-root.js";
import { MountView, parseMountinfo } from "../../src/host/mount-view.js";
import type { LoadedCheck, ProbeCall } from "../../src/packs/load.js";
import { fixtureRoot, type FixtureSpec } from "./fixture-root.js";

export type Mode = "unreadable" | "masked" | "missing";
/** A source: `root:/etc/x` (a host path) or `proc:sys/net/…` (relative to the procfs). */
export type Source = string;

const ERRNO_MESSAGE: Record<Exclude<Mode, "masked">, [string, string]> = {
  unreadable: ["EACCES", "permission denied"],
  missing: ["ENOENT", "no such file or directory"],
};

/** Records every source it resolves, and hides one (with its subtree) in one of the modes. */
export class TableHost extends HostRoot {
  readonly seen = new Set<Source>();
  private readonly hide: { source: Source; mode: Exclude<Mode, "masked"> } | undefined;

  constructor(options: ConstructorParameters<typeof HostRoot>[0] & { hide?: { source: Source; mode: Exclude<Mode, "masked"> } }) {
    super(options);
    this.hide = options.hide;
  }

  private check(source: Source, shown: string): void {
    this.seen.add(source);
    const h = this.hide;
    if (h && (source === h.source || source.startsWith(h.source + "/"))) {
      const [code, text] = ERRNO_MESSAGE[h.mode];
      throw Object.assign(new Error(`${code}: ${text}, open '${shown}'`), { code });
    }
  }

  override async resolve(hostPath: string, followLast = true): Promise<string> {
    this.check(`root:${normalize(hostPath)}`, hostPath);
    return super.resolve(hostPath, followLast);
  }

  override async procResolve(rel: string, followLast = true): Promise<string> {
    const r = normalize("/" + rel).slice(1);
    // A proc tree inside the root resolves through resolve("/proc/…"): record it once, as proc.
    this.check(`proc:${r}`, `/proc/${r}`);
    return super.procResolve(rel, followLast);
  }
}

export function normalize(p: string): string {
  const parts: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") parts.pop();
    else parts.push(c);
  }
  return "/" + parts.join("/");
}

/** A mount view with systemd's inaccessible node over `hostPath` of `root`. */
export function maskedAt(root: string, hostPath: string): MountView {
  const lines = [`1 0 8:1 / ${root} rw - ext4 /dev/sda rw`, `2 1 0:26 /systemd/inaccessible/dir ${root}${hostPath} ro,nosuid,nodev,noexec - tmpfs tmpfs rw,mode=755`];
  return MountView.compare(root, parseMountinfo(lines.join("\n")).entries, null);
}

/** The host path a source names. */
export function hostPathOf(source: Source): string {
  const [kind, p] = [source.slice(0, source.indexOf(":")), source.slice(source.indexOf(":") + 1)];
  return normalize(kind === "proc" ? `/proc/${p}` : p);
}

/** A host root of `root` with `source` hidden the `mode` way. */
export function hidingHost(root: string, source: Source, mode: Exclude<Mode, "missing">): HostRoot {
  return mode === "unreadable" ? new TableHost({ root, hide: { source, mode } }) : new HostRoot({ root, mounts: maskedAt(root, hostPathOf(source)) });
}

export interface Plan {
  root: string;
  checks: LoadedCheck[];
  passing: LoadedCheck[];
  /** factKey → sources its probe resolved. */
  sources: Map<string, Set<Source>>;
  /** source → the passing checks whose facts read it. */
  dependents: Map<Source, LoadedCheck[]>;
}

export const callsOf = (c: LoadedCheck): ProbeCall[] => [...c.applies, ...(c.audit ? [c.audit] : [])];

export async function buildPlan(checks: readonly LoadedCheck[], spec: FixtureSpec): Promise<Plan> {
  const root = await fixtureRoot(spec);
  const results = await runChecks(checks, { host: new HostRoot({ root }), deep: true });
  const passing = checks.filter((c, i) => results[i]?.status === "pass");
  // Each fact gathered alone, so its sources are its own (once-per-scan reads included).
  const sources = new Map<string, Set<Source>>();
  for (const call of new Map(passing.flatMap(callsOf).map((c) => [c.factKey, c])).values()) {
    const host = new TableHost({ root });
    await gatherFacts([call], createProbeContext(host));
    sources.set(call.factKey, host.seen);
  }
  const dependents = new Map<Source, LoadedCheck[]>();
  for (const c of passing) {
    const mine = new Set(callsOf(c).flatMap((call) => [...(sources.get(call.factKey) ?? [])]));
    for (const s of mine) dependents.set(s, [...(dependents.get(s) ?? []), c]);
  }
  return { root, checks: [...checks], passing, sources, dependents };
}

/** Evaluate `checks` with their facts gathered from `host`. */
export async function evaluate(checks: readonly LoadedCheck[], host: HostRoot): Promise<{ results: CheckResult[]; facts: Map<string, FactOutcome> }> {
  const facts = new Map<string, FactOutcome>();
  await gatherFacts(checks.flatMap(callsOf), createProbeContext(host), {}, facts);
  return { results: checks.map((c) => evaluateCheck(c, facts)), facts };
}

/**
 * Did the probe say it could not see `hostPath`? A pass is still honest when it does not
 * depend on the hidden source (an `any` branch decided by facts that were seen): the
 * matchers' three-valued logic guarantees that, provided the probe reported the source in
 * the fact's `unknown` rather than swallowing it as absence.
 */
export function reported(c: LoadedCheck, facts: ReadonlyMap<string, FactOutcome>, hostPath: string): boolean {
  return callsOf(c).some((call) => {
    const o = facts.get(call.factKey);
    if (!o) return false;
    // In `unknown`, or — for a part of a list element no check judges (a listener's owning
    // process) — in the fact's evidence, where every report shows it. The same holds for a
    // source read only to rule out an alternative the fact's own sources already exclude:
    // another distribution's marker (k3s's data dir, EKS's nodeadm, GKE's CA bundle…) on a
    // node whose distribution its own readable files show (kubeadm's 10-kubeadm.conf, the
    // kubelet unit it resolves from). Such a marker, readable or not, cannot change which
    // kubelet unit, config and files the node's checks read; the kubelet, file and
    // k8s-component facts say in their evidence that it was not observed and why it did not
    // matter. With no distribution shown by its own files, the same hidden marker makes the
    // distribution unknown (and the platform packs step aside saying so).
    const reasons = o.ok ? [...Object.values(o.fact.unknown ?? {}), ...o.fact.evidence.map((e) => e.detail ?? "")] : [o.reason];
    return reasons.some((r) => r.includes(hostPath));
  });
}

export const describeResult = (c: LoadedCheck, r: CheckResult) => `${c.key}: ${r.status}${r.message ? ` (${r.message})` : ""}`;

/**
 * The benchmark edition is chosen by the kubelet's version (CIS Kubernetes v1.12.0 below
 * 1.34, v2.0.1 from 1.34; packs cis-kubernetes-node / kubernetes-control-plane and their
 * -2.0 editions). When the version cannot be read (dpkg status hidden on a kubeadm node),
 * the older edition steps aside with its if-unknown note, which names the edition that
 * judges the node instead and why the version is unknown. That skip loses no verdict,
 * provided the fallback edition really judges the node: checked for every such skip, on
 * the same hidden source (its counterpart check, when the edition has one, is not skipped
 * by its own edition condition, and the edition passes, fails or errors on something).
 */
const EDITION_FALLBACK = /^kubelet version unknown; .*\(pack ([a-z0-9.-]+)\) judges this node as the fallback/;
/** The edition condition's own skip reason (the other edition judges this node). */
const EDITION_SKIP = /\(pack [a-z0-9.-]+\) judges this node$/;

export interface HiddenRun {
  /** Checks that passed or skipped on a hidden source without saying so. */
  problems: string[];
  /** Indexes of `gaps` that occurred. */
  gapsSeen: Set<number>;
}

/**
 * Hide every source of `plan` in `mode` and collect the dependent checks that neither
 * error nor fail, nor pass while reporting the hidden source, nor skip as `justifiedSkips`
 * or the edition fallback allows. `gap(hostPath, check)` names a known gap's index, or -1.
 */
export async function hiddenSourceProblems(
  plan: Plan,
  mode: Exclude<Mode, "missing">,
  justifiedSkips: Readonly<Record<string, RegExp>>,
  gap: (hostPath: string, c: LoadedCheck) => number,
): Promise<HiddenRun> {
  const problems: string[] = [];
  const gapsSeen = new Set<number>();
  for (const [source, checks] of plan.dependents) {
    const hostPath = hostPathOf(source);
    const { results, facts } = await evaluate(checks, hidingHost(plan.root, source, mode));
    const fallbacks = new Map<string, LoadedCheck[]>();
    checks.forEach((c, i) => {
      const r = results[i] as CheckResult;
      if (r.status === "error" || r.status === "fail") return;
      if (r.status === "skip" && justifiedSkips[c.key]?.test(r.message ?? "")) return;
      const edition = r.status === "skip" ? EDITION_FALLBACK.exec(r.message ?? "") : null;
      if (edition && r.message?.includes(hostPath)) {
        const pack = edition[1] as string;
        fallbacks.set(pack, [...(fallbacks.get(pack) ?? []), c]);
        return;
      }
      if (r.status === "pass" && reported(c, facts, hostPath)) return;
      const g = gap(hostPath, c);
      if (g !== -1) {
        gapsSeen.add(g);
        return;
      }
      problems.push(`${hostPath} ${mode} → ${describeResult(c, r)}`);
    });
    for (const [pack, skipped] of fallbacks) {
      const edition = plan.checks.filter((c) => c.pack.id === pack);
      const { results: judged } = await evaluate(edition, hidingHost(plan.root, source, mode));
      const byId = new Map(edition.map((c, i) => [c.id, judged[i] as CheckResult]));
      for (const c of skipped) {
        const counterpart = byId.get(c.id);
        if (counterpart?.status === "skip" && EDITION_SKIP.test(counterpart.message ?? "")) {
          problems.push(`${hostPath} ${mode} → ${c.key} skipped for ${pack}, which does not judge it either: ${describeResult(c, counterpart)}`);
        }
      }
      if (!judged.some((r) => r.status === "pass" || r.status === "fail" || r.status === "error")) {
        problems.push(`${hostPath} ${mode} → ${skipped.length} checks skipped for the fallback edition ${pack}, which judged nothing`);
      }
    }
  }
  return { problems, gapsSeen };
}

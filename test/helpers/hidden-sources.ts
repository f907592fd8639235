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
import { spawnSync } from "node:child_process";
import { lstat, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import type { CheckResult } from "../../src/engine/result.js";
import { evaluateCheck } from "../../src/engine/evaluate.js";
import { gatherFacts, type FactOutcome } from "../../src/engine/gather.js";
import { createProbeContext, runChecks } from "../../src/engine/run-checks.js";
import { HostRoot } from "../../src/host/host-root.js";
import { MountView, parseMountinfo } from "../../src/host/mount-view.js";
import type { LoadedCheck, ProbeCall } from "../../src/packs/load.js";
import { fixtureRoot, type FixtureSpec } from "./fixture-root.js";

export type Mode = "unreadable" | "masked" | "missing" | Swap;
/**
 * The source's node itself replaced, on disk, for one evaluation (then put back):
 *   - fifo: a named pipe where the file or directory was (a reader that opens it blocks);
 *   - dangling: a symlink to a path that does not exist in the root;
 *   - outside: a relative symlink that climbs above the root (HostRoot refuses to follow it).
 * Only sources that exist in the fixture as files or directories are swapped: a symlink the
 * probe reads as a link (an enablement link, /proc/PID/exe) is a value, not a hiding place,
 * and an absent source is the missing mode.
 */
export type Swap = "fifo" | "dangling" | "outside";
export type HideMode = Exclude<Mode, "missing">;
/** A source: `root:/etc/x` (a host path) or `proc:sys/net/…` (relative to the procfs). */
export type Source = string;

const ERRNO_MESSAGE: Record<"unreadable" | "missing", [string, string]> = {
  unreadable: ["EACCES", "permission denied"],
  missing: ["ENOENT", "no such file or directory"],
};

/** Records every source it resolves, and hides one (with its subtree) in one of the modes. */
export class TableHost extends HostRoot {
  readonly seen = new Set<Source>();
  /** Sources resolved through their last component (their content or target was wanted, not the link itself). */
  readonly followed = new Set<Source>();
  /** Sources whose bytes were read (a file's content, not its metadata). */
  readonly read = new Set<Source>();
  private readonly hide: { source: Source; mode: "unreadable" | "missing" } | undefined;

  constructor(options: ConstructorParameters<typeof HostRoot>[0] & { hide?: { source: Source; mode: "unreadable" | "missing" } }) {
    super(options);
    this.hide = options.hide;
  }

  private check(source: Source, shown: string, followLast: boolean): void {
    this.seen.add(source);
    if (followLast) this.followed.add(source);
    const h = this.hide;
    if (h && (source === h.source || source.startsWith(h.source + "/"))) {
      const [code, text] = ERRNO_MESSAGE[h.mode];
      throw Object.assign(new Error(`${code}: ${text}, open '${shown}'`), { code });
    }
  }

  override async resolve(hostPath: string, followLast = true): Promise<string> {
    this.check(`root:${normalize(hostPath)}`, hostPath, followLast);
    return super.resolve(hostPath, followLast);
  }

  override async readFile(hostPath: string, options?: Parameters<HostRoot["readFile"]>[1]): Promise<string> {
    this.read.add(`root:${normalize(hostPath)}`);
    return super.readFile(hostPath, options);
  }

  override async openRead(hostPath: string): ReturnType<HostRoot["openRead"]> {
    this.read.add(`root:${normalize(hostPath)}`);
    return super.openRead(hostPath);
  }

  override async procRead(rel: string, options?: Parameters<HostRoot["procRead"]>[1]): Promise<string> {
    this.read.add(`proc:${normalize("/" + rel).slice(1)}`);
    return super.procRead(rel, options);
  }

  override async procResolve(rel: string, followLast = true): Promise<string> {
    const r = normalize("/" + rel).slice(1);
    // A proc tree inside the root resolves through resolve("/proc/…"): record it once, as proc.
    this.check(`proc:${r}`, `/proc/${r}`, followLast);
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
export function hidingHost(root: string, source: Source, mode: HideMode): HostRoot {
  if (mode === "unreadable") return new TableHost({ root, hide: { source, mode } });
  if (mode === "masked") return new HostRoot({ root, mounts: maskedAt(root, hostPathOf(source)) });
  return new HostRoot({ root }); // swapped on disk by swapSource
}

let asideCount = 0;

/**
 * Replace the node of `source` in the fixture at `root` the `mode` way; resolves to the
 * function that puts it back, or null when the source is not swappable (absent, or a link).
 */
export async function swapSource(root: string, source: Source, mode: Swap | "absent"): Promise<(() => Promise<void>) | null> {
  const hostPath = hostPathOf(source);
  if (hostPath === "/") return null;
  // The parent as the root resolves it (a fixture's own links are followed inside it).
  let parent: string;
  try {
    parent = await new HostRoot({ root }).resolve(path.posix.dirname(hostPath));
  } catch {
    return null;
  }
  const real = path.join(parent, path.posix.basename(hostPath));
  const st = await lstat(real).catch(() => null);
  if (!st || st.isSymbolicLink() || !(st.isFile() || st.isDirectory())) return null;
  // A pipe where a directory was is not a directory: no file is below it, which every reader
  // (systemd's unit search, sshd's Include glob) concludes as nodeward does. Files only.
  if (mode === "fifo" && !st.isFile()) return null;
  const aside = `${root}.aside-${process.pid}-${++asideCount}`;
  await rename(real, aside);
  try {
    if (mode === "fifo") {
      const r = spawnSync("mkfifo", ["-m", "0644", real], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`mkfifo ${real}: ${r.stderr}`);
    } else if (mode === "absent") {
      // nothing in its place
    } else if (mode === "dangling") {
      await symlink(`/nodeward-table-nowhere/${path.posix.basename(hostPath)}`, real);
    } else {
      // One `..` more than the link's depth below the root.
      const depth = path.relative(root, parent).split(path.sep).filter((c) => c !== "").length;
      await symlink([...Array(depth + 1).fill(".."), "nodeward-table-outside", path.posix.basename(hostPath)].join("/"), real);
    }
  } catch (e) {
    await rename(aside, real);
    throw e;
  }
  return async () => {
    await rm(real, { force: true });
    await rename(aside, real);
  };
}

export interface Plan {
  root: string;
  checks: LoadedCheck[];
  passing: LoadedCheck[];
  /** factKey → sources its probe resolved. */
  sources: Map<string, Set<Source>>;
  /** source → the passing checks whose facts read it. */
  dependents: Map<Source, LoadedCheck[]>;
  /** source → the passing checks whose facts resolved it through its last component (TableHost.followed). */
  followedBy: Map<Source, LoadedCheck[]>;
  /** source → the passing checks whose facts read its bytes (TableHost.read). */
  readBy: Map<Source, LoadedCheck[]>;
}

export const callsOf = (c: LoadedCheck): ProbeCall[] => [...c.applies, ...(c.audit ? [c.audit] : [])];

export async function buildPlan(checks: readonly LoadedCheck[], spec: FixtureSpec): Promise<Plan> {
  const root = await fixtureRoot(spec);
  const results = await runChecks(checks, { host: new HostRoot({ root }), deep: true });
  const passing = checks.filter((c, i) => results[i]?.status === "pass");
  // Each fact gathered alone, so its sources are its own (once-per-scan reads included).
  const sources = new Map<string, Set<Source>>();
  const followed = new Map<string, Set<Source>>();
  const read = new Map<string, Set<Source>>();
  for (const call of new Map(passing.flatMap(callsOf).map((c) => [c.factKey, c])).values()) {
    const host = new TableHost({ root });
    await gatherFacts([call], createProbeContext(host));
    sources.set(call.factKey, host.seen);
    // A walk (file-tree: world-writable, unowned files) lstats every entry and descends
    // into no link, as `find -P` does: a pipe or a link in its way is what is there.
    if (call.probeId !== "file-tree") {
      followed.set(call.factKey, host.followed);
      read.set(call.factKey, host.read);
    }
  }
  const index = (by: Map<string, Set<Source>>): Map<Source, LoadedCheck[]> => {
    const out = new Map<Source, LoadedCheck[]>();
    for (const c of passing) {
      const mine = new Set(callsOf(c).flatMap((call) => [...(by.get(call.factKey) ?? [])]));
      for (const s of mine) out.set(s, [...(out.get(s) ?? []), c]);
    }
    return out;
  };
  return { root, checks: [...checks], passing, sources, dependents: index(sources), followedBy: index(followed), readBy: index(read) };
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
  mode: HideMode,
  justifiedSkips: Readonly<Record<string, RegExp>>,
  gap: (hostPath: string, c: LoadedCheck, mode: HideMode) => number,
): Promise<HiddenRun> {
  const problems: string[] = [];
  const gapsSeen = new Set<number>();
  // A swapped node matters to the facts that go through it; one that lists or lstats its
  // parent sees a pipe or a link there, which is what is there (a walk that does not follow
  // links, as `find` does not).
  // A pipe hides a file's bytes: it matters to the facts that read them; its metadata
  // (owner, mode, that something is there) is what is there.
  const swapped = mode === "outside" || mode === "dangling";
  for (const [source, checks] of mode === "fifo" ? plan.readBy : swapped ? plan.followedBy : plan.dependents) {
    const hostPath = hostPathOf(source);
    if (mode === "dangling" || (mode === "fifo" && SKIPPED_WHEN_NOT_REGULAR.some((re) => re.test(hostPath)))) {
      await likeAbsent(plan, source, hostPath, checks, mode, gap, problems, gapsSeen);
      continue;
    }
    const undo = mode === "unreadable" || mode === "masked" ? async () => {} : await swapSource(plan.root, source, mode);
    if (undo === null) continue;
    try {
      await judgeHidden(plan, source, hostPath, checks, mode, justifiedSkips, gap, problems, gapsSeen);
    } finally {
      await undo();
    }
  }
  return { problems, gapsSeen };
}

/**
 * Files whose consumer passes over anything that is not a regular file, so a pipe there is
 * as good as no file: systemd's conf_files_list (systemd-sysctl's sysctl.d) keeps regular
 * files only, as the sysctl probe does.
 */
const SKIPPED_WHEN_NOT_REGULAR: readonly RegExp[] = [/^\/(etc|run|usr\/local\/lib|usr\/lib|lib)\/sysctl\.d\/[^/]+\.conf$/];

/**
 * A dangling link is, for every reader on the host, a file that is not there: the kernel
 * answers ENOENT to sshd, systemd and nodeward alike (a link into a filesystem this view
 * lacks is another matter: MountView makes it HIDDEN). So each dependent check must end as
 * it does with the source removed, or error (a consumer that refuses to start on it, as the
 * kubelet on a dangling --config-dir drop-in) — never a guess of its own, never a crash.
 * The same holds for a pipe where the consumer skips what is not a regular file.
 */
async function likeAbsent(
  plan: Plan,
  source: Source,
  hostPath: string,
  checks: LoadedCheck[],
  swap: "dangling" | "fifo",
  gap: (hostPath: string, c: LoadedCheck, mode: HideMode) => number,
  problems: string[],
  gapsSeen: Set<number>,
): Promise<void> {
  const outcome = async (mode: "dangling" | "fifo" | "absent"): Promise<CheckResult[] | null> => {
    const undo = await swapSource(plan.root, source, mode);
    if (undo === null) return null;
    try {
      return (await evaluate(checks, new HostRoot({ root: plan.root }))).results;
    } finally {
      await undo();
    }
  };
  const swapped = await outcome(swap);
  const absent = swapped && (await outcome("absent"));
  if (!swapped || !absent) return;
  checks.forEach((c, i) => {
    const [d, a] = [swapped[i] as CheckResult, absent[i] as CheckResult];
    const crashed = /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|internal:/.test(d.message ?? "");
    if (crashed || (d.status !== a.status && d.status !== "error")) {
      const g = crashed ? -1 : gap(hostPath, c, swap);
      if (g !== -1) {
        gapsSeen.add(g);
        return;
      }
      problems.push(`${hostPath} ${swap} → ${describeResult(c, d)}; removed: ${a.status}${a.message ? ` (${a.message})` : ""}`);
    }
  });
}

async function judgeHidden(
  plan: Plan,
  source: Source,
  hostPath: string,
  checks: LoadedCheck[],
  mode: HideMode,
  justifiedSkips: Readonly<Record<string, RegExp>>,
  gap: (hostPath: string, c: LoadedCheck, mode: HideMode) => number,
  problems: string[],
  gapsSeen: Set<number>,
): Promise<void> {
  {
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
      const g = gap(hostPath, c, mode);
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
}

/**
 * Scans off the HTTP event loop: each scan runs in a child process (scan-child.js), so
 * scrapes and health checks keep their latency while a scan runs, a scan keeps its speed
 * under scrape load (it has its own event loop and, on a 2-core node, its own core), a
 * probe that hangs or exhausts memory takes down the child, not the agent, and the
 * scan's garbage leaves with the child instead of staying in the agent's heap.
 *
 * The child inherits the agent's Node flags (NODE_OPTIONS, e.g. --jitless under
 * systemd) and environment; it has no stdin or stdout, and its stderr is forwarded to
 * the agent's log at warning level.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { DriftPlan } from "../engine/drift-plan.js";
import type { Recheck } from "../engine/recheck.js";
import type { CheckResult, ScanReport } from "../engine/result.js";
import type { FixPreview } from "../remediation/preview.js";
import { scanChildModule } from "../paths.js";
import type { ScanFunction } from "./agent.js";
import type { CatalogEntry } from "./catalog.js";
import type { AgentConfig } from "./config.js";
import { NodewardError } from "../errors.js";
import type { ConfigNameIssue } from "./config-selection.js";

/** What the child needs to reproduce the agent's selection and scan. */
export interface ScanJob {
  packs: string[];
  profile?: string;
  vars: Record<string, unknown>;
  benchmarks: string[];
  root: string;
  proc?: string;
  deep: boolean;
  loadErrors: string[];
  /** Also send back the drift plan (what each fact depends on): the agent's drift watcher is on. */
  plan?: boolean;
  /** Also send back the dry run of each failing check's typed fix (the dashboard's previews). */
  previews?: boolean;
}

/**
 * What the agent asks a child for: a scan, or the catalog and pack load errors (at start)
 * — one request, then the child exits — or drift re-checks: a child asked for one stays,
 * with its packs loaded, and answers re-checks (by id) until the agent lets it go.
 */
export type ChildRequest =
  | ({ kind: "scan" } & ScanJob)
  | ({ kind: "catalog" } & Omit<ScanJob, "loadErrors">)
  | ({ kind: "recheck"; id: number; keys: string[]; /** Also load the packs of these checks (a re-check of them is coming). */ preload?: string[] } & Omit<ScanJob, "loadErrors">);

export interface CatalogAnswer {
  catalog: CatalogEntry[];
  /** Formatted pack load errors. */
  loadErrors: string[];
  packs: number;
  checks: number;
  /** `profile:` or `benchmarks:` names that name nothing (config-selection.ts). */
  configIssues: ConfigNameIssue[];
}

export type ChildMessage =
  /** Part of a scan's results, sent before the report (child-messages.ts RESULTS_PER_MESSAGE). */
  | { ok: true; kind: "scan-results"; results: CheckResult[] }
  | { ok: true; kind: "scan"; report: ScanReport; loadMs: number; maxRssKiB: number; plan?: DriftPlan; previews?: FixPreview[] }
  | ({ ok: true; kind: "catalog" } & CatalogAnswer)
  | { ok: true; kind: "recheck"; id: number; recheck: Recheck }
  | { ok: false; message: string; id?: number };

export interface ChildScanStats {
  /** Pack loading inside the child, before the scan. */
  loadMs: number;
  /** The child's peak RSS. */
  maxRssKiB: number;
  /** Fork to report received. */
  wallMs: number;
}

export const SCAN_CHILD = scanChildModule();

export function scanJob(config: AgentConfig): Omit<ScanJob, "loadErrors"> {
  return {
    packs: config.packs,
    ...(config.profile ? { profile: config.profile } : {}),
    vars: { ...config.vars, ...(config.allowedPorts.length > 0 ? { "allowed-ports": config.allowedPorts } : {}) },
    benchmarks: config.benchmarks,
    root: config.root,
    ...(config.proc ? { proc: config.proc } : {}),
    deep: config.deep,
  };
}

export interface ChildScanOptions {
  /** The child's entry module (default dist/agent/scan-child.js beside this file). */
  module?: string;
  /** stderr lines of the child. */
  onStderr?: (line: string) => void;
  onStats?: (stats: ChildScanStats) => void;
}

/**
 * Fork the scan child (it answers scan, catalog and re-check requests). Its stderr goes
 * to `onStderr` line by line; `flushStderr()` hands on a last unterminated line (call it
 * when the child is gone).
 */
export function forkScanChild(options: ChildScanOptions): { child: ChildProcess; flushStderr(): void } {
  const child = fork(options.module ?? SCAN_CHILD, [], { stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    tail += chunk;
    const lines = tail.split("\n");
    tail = lines.pop() ?? "";
    for (const l of lines) if (l.trim() !== "") options.onStderr?.(l);
  });
  const flushStderr = () => {
    if (tail.trim() !== "") options.onStderr?.(tail);
    tail = "";
  };
  return { child, flushStderr };
}

/** How a child that exited is described: its signal, or its exit code. */
export function exitedHow(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ?? `code ${code}`;
}

/** Run one request in a child process; aborting the signal kills the child. */
export function runChild(request: ChildRequest, options: ChildScanOptions = {}, signal?: AbortSignal): Promise<Exclude<ChildMessage, { ok: false } | { kind: "scan-results" }>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const { child, flushStderr } = forkScanChild(options);
    let settled = false;
    const finish = (err: Error | undefined, msg?: Exclude<ChildMessage, { ok: false } | { kind: "scan-results" }>) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(msg as Exclude<ChildMessage, { ok: false } | { kind: "scan-results" }>);
    };
    const onAbort = () => {
      child.kill("SIGKILL");
      finish(new NodewardError("CHILD_ABANDONED", { request: request.kind, reason: String(signal?.reason ?? "aborted") }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    // A scan's results arrive in parts, then the report they belong to.
    const parts: CheckResult[] = [];
    const onMessage = (msg: ChildMessage) => {
      if (msg.ok && msg.kind === "scan-results") {
        for (const r of msg.results) parts.push(r);
        return;
      }
      child.off("message", onMessage);
      if (!msg.ok) return finish(new NodewardError("CHILD_REPORTED", { reason: msg.message }));
      if (msg.kind === "scan") {
        // Assigned, not spread: `results` keeps its place among the report's keys.
        if (parts.length > 0) msg.report.results = parts;
        options.onStats?.({ loadMs: msg.loadMs, maxRssKiB: msg.maxRssKiB, wallMs: performance.now() - started });
      }
      finish(undefined, msg as Exclude<ChildMessage, { ok: false } | { kind: "scan-results" }>);
    };
    child.on("message", onMessage);
    child.once("error", (e) => finish(new NodewardError("CHILD_FAILED", { request: request.kind, reason: e.message })));
    child.once("exit", (code, sig) => {
      flushStderr();
      finish(new NodewardError("CHILD_EXITED", { request: request.kind, how: exitedHow(code, sig) }));
    });
    child.send(request);
  });
}

/** A ScanFunction that runs each scan of `job` in a child process. */
export function childProcessScan(job: Omit<ScanJob, "loadErrors">, options: ChildScanOptions = {}): ScanFunction {
  return async ({ loadErrors, signal, onPlan, onPreviews }) => {
    const msg = await runChild(
      { kind: "scan", ...job, loadErrors: [...loadErrors], ...(onPlan ? { plan: true } : {}), ...(onPreviews ? { previews: true } : {}) },
      options,
      signal,
    );
    if (msg.kind !== "scan") throw new NodewardError("CHILD_WRONG_ANSWER", { request: "scan", kind: msg.kind });
    if (msg.plan) onPlan?.(msg.plan);
    if (msg.previews) onPreviews?.(msg.previews);
    return msg.report;
  };
}

/** Load the packs in a child process: the catalog and the load errors, without holding the packs here. */
export async function catalogFromChild(job: Omit<ScanJob, "loadErrors">, options: ChildScanOptions = {}): Promise<CatalogAnswer> {
  const msg = await runChild({ kind: "catalog", ...job }, options);
  if (msg.kind !== "catalog") throw new NodewardError("CHILD_WRONG_ANSWER", { request: "catalog", kind: msg.kind });
  return { catalog: msg.catalog, loadErrors: msg.loadErrors, packs: msg.packs, checks: msg.checks, configIssues: msg.configIssues };
}

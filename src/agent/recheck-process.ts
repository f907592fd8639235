/**
 * Drift re-checks in a child process (recheck-main.ts → recheck-child.ts), so the agent's
 * HTTP event loop never runs a probe: one child, forked at the first re-check, keeps the
 * packs it loaded and answers re-checks by id; it exits after `idleMs` without one (the
 * agent holds no packs at idle), or when the agent stops. A child that dies fails the
 * re-checks it had; the next re-check forks a new one. `warm()` forks it ahead of a
 * re-check (the agent calls it when a change is seen, before its debounce window ends) and
 * has it load the packs that re-check needs, so Node's start and the pack load overlap the
 * wait instead of following it.
 */
import type { ChildProcess } from "node:child_process";
import type { Recheck } from "../engine/recheck.js";
import { NodewardError } from "../errors.js";
import { recheckChildModule } from "../paths.js";
import { exitedHow, forkScanChild, type ChildMessage, type ChildScanOptions, type ScanJob } from "./scan-process.js";

export interface RecheckProcessOptions extends ChildScanOptions {
  /** The child exits this long after its last re-check. */
  idleMs: number;
}

/** The re-check process's entry: it imports what a re-check needs, not what a scan does. */
export const RECHECK_CHILD = recheckChildModule();

interface Waiting {
  resolve(r: Recheck): void;
  reject(e: Error): void;
}

export class RecheckProcess {
  private readonly job: Omit<ScanJob, "loadErrors">;
  private readonly opts: RecheckProcessOptions;
  private child: ChildProcess | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  /** Children forked (tests, status). */
  forks = 0;
  /** No re-check has run in this child yet (a warm-up may have). */
  private fresh = false;
  /** The child's start-up (fork to its first request read), from its first answer. */
  private startMs: number | undefined;

  constructor(job: Omit<ScanJob, "loadErrors">, options: RecheckProcessOptions) {
    this.job = job;
    this.opts = options;
  }

  /** Re-check these checks (`pack/id`) in the child. */
  async run(keys: readonly string[]): Promise<Recheck> {
    const started = performance.now();
    const fresh = this.fresh || !this.child;
    this.fresh = false;
    const r = await this.ask(keys);
    // The child's start-up came with the answer to the warm-up when there was one.
    const startMs = fresh ? (r.timing.startMs ?? this.startMs) : undefined;
    r.timing = { ...r.timing, ...(startMs !== undefined ? { startMs } : {}), roundTripMs: Math.round(performance.now() - started) };
    return r;
  }

  /** A re-check of these checks is coming: fork the child if it is not running, and have it load their packs now. */
  warm(keys: readonly string[]): void {
    this.ask([], keys).catch(() => undefined);
  }

  /** Whether a child is running (its packs loaded or loading). */
  get running(): boolean {
    return this.child !== undefined;
  }

  private ask(keys: readonly string[], preload?: readonly string[]): Promise<Recheck> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    const child = this.child ?? this.spawn();
    const id = this.nextId++;
    return new Promise<Recheck>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      child.send({ kind: "recheck", ...this.job, id, keys: [...keys], ...(preload ? { preload: [...preload] } : {}) });
    }).finally(() => this.armIdle());
  }

  /** Let the child go (agent shutdown). */
  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.child?.kill("SIGTERM");
    this.child = undefined;
  }

  private armIdle(): void {
    if (this.waiting.size > 0 || !this.child) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.idle = undefined;
      if (this.waiting.size === 0) this.close();
    }, this.opts.idleMs);
    this.idle.unref();
  }

  private spawn(): ChildProcess {
    const { child, flushStderr } = forkScanChild({ ...this.opts, module: this.opts.module ?? RECHECK_CHILD });
    this.forks++;
    this.child = child;
    this.fresh = true;
    this.startMs = undefined;
    child.on("message", (msg: ChildMessage) => {
      // Not an object: nothing to match to a waiting re-check (and `in` on it would throw here, in the agent).
      if (typeof msg !== "object" || msg === null) return;
      const id = "id" in msg ? msg.id : undefined;
      const w = id === undefined ? undefined : this.waiting.get(id);
      if (!w || id === undefined) return;
      this.waiting.delete(id);
      if (!msg.ok) w.reject(new NodewardError("CHILD_REPORTED", { reason: msg.message }));
      else if (msg.kind === "recheck") {
        if (msg.recheck.timing.startMs !== undefined && this.child === child) this.startMs = msg.recheck.timing.startMs;
        w.resolve(msg.recheck);
      }
      else w.reject(new NodewardError("CHILD_WRONG_ANSWER", { request: "re-check", kind: msg.kind }));
    });
    const gone = (error: NodewardError) => {
      if (this.child === child) this.child = undefined;
      flushStderr();
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.reject(error);
      }
    };
    child.once("error", (e) => gone(new NodewardError("CHILD_FAILED", { request: "re-check", reason: e.message })));
    child.once("exit", (code, sig) => gone(new NodewardError("CHILD_EXITED", { request: "re-check", how: exitedHow(code, sig) })));
    return child;
  }
}

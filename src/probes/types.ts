/**
 * The probe contract. A probe gathers one kind of fact about the host and never
 * judges it: `{ exists: false }` is a fact, not an error, and only the engine decides
 * pass or fail. Probes read through `ctx.host` (never node:fs directly) and run
 * commands through `ctx.run` (never execa directly).
 */
import type { z } from "zod";
import type { CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { Evidence } from "../model/evidence.js";

export type { Evidence } from "../model/evidence.js";

export interface Fact<V extends object = Record<string, unknown>> {
  /** The observed properties; expectations address them by (dotted) field path. */
  value: V;
  /** Where the value was read from. */
  evidence: Evidence[];
  /**
   * Fields the probe could not observe, with the reason: a file it may not read (EACCES,
   * an LSM denial), a directory it cannot list, a tree hidden by a mount namespace, a
   * timeout, a service manager out of reach. A check whose outcome depends on one of them
   * is `error` — even where the pack writes the field as optional (`field?`): what could
   * not be seen is never passed.
   */
  unknown?: Record<string, string>;
  /**
   * Fields that do not exist on this target, with the reason: nothing was hidden, there is
   * simply nothing to observe (the running value of an offline root, a sysctl key the
   * running kernel does not have). An expectation that writes the field as `field?` leaves
   * it out; one that requires it makes the check `skip` with this reason.
   */
  notApplicable?: Record<string, string>;
  /**
   * The fact does not exist on this target at all (runtime state of an offline root):
   * checks built on it are `skip` with this reason, not `error`.
   */
  inapplicable?: string;
}

export interface ProbeContext {
  host: HostRoot;
  run: CommandRunner;
  /** Memoise a host-wide read for the length of one scan (dpkg database, socket table, kubelet). */
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Per-command timeout, milliseconds. */
  commandTimeoutMs: number;
  /**
   * Aborted when this probe call has timed out (or the scan is stopped): long loops
   * check it (`signal?.throwIfAborted()`) so an abandoned probe stops its work.
   */
  signal?: AbortSignal;
}

export interface Probe<S extends z.ZodType = z.ZodType, V extends object = Record<string, unknown>> {
  /** The name packs use (`probe: kernel-module`); equals the file name. */
  id: string;
  /** One line for `nodeward checks` and the docs. */
  summary: string;
  /** Schema of the probe's `params` in YAML; validated at load. */
  params: S;
  /** Top-level fact fields an expectation may name; `"*"` allows any (free-form configs). */
  fields: readonly string[];
  collect(ctx: ProbeContext, params: z.output<S>): Promise<Fact<V>>;
}

/** Identity helper that keeps a probe's param and fact types (like fastify's plugin helpers). */
export function defineProbe<S extends z.ZodType, V extends object>(probe: Probe<S, V>): Probe<S, V> {
  return probe;
}

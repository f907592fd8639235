/**
 * The agent's state on disk: the last full report and the last 20 scan summaries, in
 * one JSON file so one rename replaces both. Writes are atomic and durable: temp file
 * in the same directory, fsync, rename, fsync the directory. A crash leaves either the
 * old file or the new one, plus maybe a stray temp file that the next load removes.
 * A corrupt state file is moved aside with a warning; the agent starts empty, never crashes.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { ScanReport } from "../engine/result.js";
import type { FixPreview } from "../remediation/preview.js";
import { SCAN_TRIGGERS, STATUSES, type ScanTrigger, type StatusCounts } from "../model/vocabulary.js";
import { writeFileDurable } from "../util/durable-write.js";

export const STATE_FILE = "state.json";
export const HISTORY_LIMIT = 20;
const STATE_VERSION = 1;

export type { ScanTrigger } from "../model/vocabulary.js";

export interface ScanSummary {
  id: string;
  trigger: ScanTrigger;
  startedAt: string;
  durationMs: number;
  summary: StatusCounts;
  /** Results covered by an active waiver when the scan finished. */
  waived: number;
  loadErrors: number;
  /** Event-loop delay while the scan ran, in milliseconds (perf_hooks histogram). */
  eventLoopDelayMs?: { p50: number; p99: number; max: number };
}

export interface StoredScan {
  id: string;
  trigger: ScanTrigger;
  report: ScanReport;
  /** The dry run of each failing check's typed fix, planned right after this scan (bounded: remediation/preview.ts). */
  previews?: FixPreview[];
}

export interface AgentState {
  latest?: StoredScan;
  history: ScanSummary[];
  /**
   * Check key → when it was first seen failing in its current run of failures (the start of
   * that scan, or the time a drift re-check read it). Only failing checks (and failing
   * checks now in error: an error is no proof the failure ended) have an entry.
   */
  failingSince?: Record<string, string>;
}

/** Entries of the failing-since map kept (a node runs ~1,300 checks; this bounds a foreign or runaway file). */
export const FAILING_SINCE_LIMIT = 10_000;

// zod 4: a record keyed by an enum requires every key.
const Counts = z.record(z.enum(STATUSES), z.number());
const Trigger = z.enum(SCAN_TRIGGERS);
const SummarySchema = z.looseObject({
  id: z.string(),
  trigger: Trigger,
  startedAt: z.string(),
  durationMs: z.number(),
  summary: Counts,
  waived: z.number(),
  loadErrors: z.number(),
});
// Shallow on purpose: the report was written by this code; this catches truncation and foreign files.
const ReportSchema = z.looseObject({
  tool: z.looseObject({ name: z.literal("nodeward"), version: z.string() }),
  startedAt: z.string(),
  durationMs: z.number(),
  host: z.looseObject({ root: z.string(), live: z.boolean() }),
  packs: z.array(z.looseObject({ id: z.string() })),
  summary: Counts,
  results: z.array(z.looseObject({ id: z.string(), pack: z.string(), status: z.string() })),
  loadErrors: z.array(z.string()),
});
const StateSchema = z.looseObject({
  version: z.literal(STATE_VERSION),
  latest: z
    .looseObject({
      id: z.string(),
      trigger: Trigger,
      report: ReportSchema,
      previews: z.array(z.looseObject({ check: z.string(), action: z.string(), lines: z.array(z.string()), skipped: z.array(z.string()) })).optional(),
    })
    .optional(),
  history: z.array(SummarySchema),
  failingSince: z.record(z.string(), z.string()).optional(),
});

/** At most FAILING_SINCE_LIMIT entries, the longest-failing kept. */
function boundedSince(m: Record<string, string>): Record<string, string> {
  const keys = Object.keys(m);
  if (keys.length <= FAILING_SINCE_LIMIT) return m;
  const kept = Object.entries(m).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).slice(0, FAILING_SINCE_LIMIT);
  return Object.fromEntries(kept);
}

export interface StateLogger {
  warn(msg: string): void;
}

export class StateStore {
  readonly dir: string;
  readonly file: string;
  private readonly log: StateLogger;
  /** Writes are serialised: a later save never lands before an earlier one. */
  private chain: Promise<void> = Promise.resolve();

  constructor(dir: string, log: StateLogger = { warn: (m) => process.stderr.write(`nodeward: ${m}\n`) }) {
    this.dir = dir;
    this.file = path.join(dir, STATE_FILE);
    this.log = log;
  }

  async load(): Promise<AgentState> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.removeStrayTemps();
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { history: [] };
      this.log.warn(`cannot read state file ${this.file}: ${(e as Error).message}; starting without previous results`);
      return { history: [] };
    }
    let parsed: z.output<typeof StateSchema>;
    try {
      parsed = StateSchema.parse(JSON.parse(text));
    } catch (e) {
      // The random part keeps two files moved aside in the same millisecond from replacing each other.
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "")}-${randomBytes(3).toString("hex")}`;
      const why = e instanceof z.ZodError ? `unexpected content (${e.issues[0]?.path.join(".") || "top"}: ${e.issues[0]?.message})` : (e as Error).message;
      try {
        await rename(this.file, aside);
        this.log.warn(`state file ${this.file} is corrupt (${why}); moved it to ${aside} and starting without previous results`);
      } catch (re) {
        this.log.warn(`state file ${this.file} is corrupt (${why}) and could not be moved aside: ${(re as Error).message}`);
      }
      return { history: [] };
    }
    const state: AgentState = { history: (parsed.history as ScanSummary[]).slice(-HISTORY_LIMIT) };
    if (parsed.latest) state.latest = parsed.latest as unknown as StoredScan;
    if (parsed.failingSince) state.failingSince = boundedSince(parsed.failingSince);
    return state;
  }

  /**
   * Persist `state` atomically. Concurrent calls are queued; the returned promise settles with this write.
   * The text is JSON.stringify's, made a slice of results per event-loop turn and written in
   * pieces, never joined into one string (stateJsonPieces).
   */
  save(state: AgentState): Promise<void> {
    // Taken now: the agent's history array and maps move on.
    const snapshot = {
      version: STATE_VERSION,
      latest: state.latest,
      history: state.history.slice(-HISTORY_LIMIT),
      ...(state.failingSince ? { failingSince: boundedSince(state.failingSince) } : {}),
    };
    const next = this.chain.then(async () => writeFileDurable(this.file, await stateJsonPieces(snapshot)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Wait for queued writes (shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async removeStrayTemps(): Promise<void> {
    const prefix = `.${STATE_FILE}.`;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(prefix) && n.endsWith(".tmp")) {
        await unlink(path.join(this.dir, n)).catch(() => undefined);
        this.log.warn(`removed ${path.join(this.dir, n)} left by an interrupted state write`);
      }
    }
  }
}

/** Results stringified per event-loop turn: ~1,500 results (~1 MB) took one 5–7 ms block of the agent's loop under --jitless. */
const RESULTS_PER_TURN = 250;

/**
 * JSON.stringify(state) in pieces, the report's results a slice per turn of the event loop (a
 * scrape waits for one slice, not all). The pieces are written one after the other, never
 * joined: a merged re-check saves the whole state (~1.1 M characters on a node, two bytes
 * each once one is not Latin-1), and joining its slices, then the report, then the state
 * made ~7 copies of it (7.7 MiB of heap for each save).
 */
export async function stateJsonPieces(state: { version: number; latest?: StoredScan | undefined; history: ScanSummary[] }): Promise<string[]> {
  const latest = state.latest;
  if (!latest) return [JSON.stringify(state)];
  const results = latest.report.results;
  // The state's text around its results, split where they go (NUL: JSON.stringify writes none raw).
  const report = objectJson(latest.report, { results: RESULTS_MARK });
  const skeleton = objectJson(state, { latest: objectJson(latest, { report }) });
  const at = skeleton.indexOf(RESULTS_MARK);
  const pieces: string[] = [`${skeleton.slice(0, at)}[`];
  for (let i = 0; i < results.length; i += RESULTS_PER_TURN) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    // One JSON.stringify of the slice, its brackets left off, in pieces of PIECE_CHARS (a
    // slice of a string is no copy of it; writeFileDurable encodes each into a 128 KiB run).
    const text = JSON.stringify(results.slice(i, i + RESULTS_PER_TURN));
    if (i > 0) pieces.push(",");
    for (let at = 1; at < text.length - 1; at += PIECE_CHARS) pieces.push(text.slice(at, Math.min(at + PIECE_CHARS, text.length - 1)));
  }
  pieces.push(`]${skeleton.slice(at + RESULTS_MARK.length)}`);
  return pieces;
}

const RESULTS_MARK = "\u0000";
/** Characters per piece written: a piece of UTF-16 is encoded into the current run when 3 bytes apiece fit. */
const PIECE_CHARS = 16 * 1024;

/** stateJsonPieces joined (tests). */
export async function stateJson(state: { version: number; latest?: StoredScan | undefined; history: ScanSummary[] }): Promise<string> {
  return (await stateJsonPieces(state)).join("");
}

/** JSON.stringify(o) for a plain object, with the text of some of its values given (same keys, same order; undefined values left out). */
function objectJson(o: object, given: Record<string, string>): string {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const text = Object.hasOwn(given, k) ? given[k] : (JSON.stringify(v) as string | undefined);
    if (text !== undefined) fields.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${fields.join(",")}}`;
}

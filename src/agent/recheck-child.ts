/**
 * The scan child's side of drift re-checks (scan-child.ts hands them here): load what the
 * re-checks need of the agent's pack selection, keep it, and re-check the checks asked for
 * (by key) through the scan path (src/engine/recheck.ts), answering each request by its id.
 *
 * The packs load on first need: with the bundled benchmarks (no `packs:` in the agent's
 * config) only the packs of the checks asked for — a pack's directory is named by its id,
 * and a profile tailors each pack's checks by key, so a pack loaded alone with the same
 * profile and vars is the pack a full load gives — else, and whenever a pack cannot be
 * found that way, the whole selection. A request may name `preload` keys and no `keys`:
 * the agent sends one as soon as a change is seen, so the process starts and its packs
 * load while the change's debounce window runs.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { recheck } from "../engine/recheck.js";
import { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import { loadSelection } from "../packs/selection.js";
import { DEFAULT_BENCHMARKS_DIR } from "../paths.js";
import type { ChildMessage, ChildRequest } from "./scan-process.js";

type RecheckRequest = Extract<ChildRequest, { kind: "recheck" }>;

/** What this child loaded for the agent's job, kept for its next re-checks (dropped if the job changes). */
interface Kept {
  job: string;
  /** Packs loaded alone, by id (undefined: not found that way). */
  packs: Map<string, Promise<LoadedPack | undefined>>;
  /** The whole selection, once a pack could not be loaded alone. */
  all?: Promise<LoadedPack[]>;
}
let kept: Kept | undefined;
/** The first request's arrival (ms since this process started) is reported once: it is the start-up cost. */
let started = false;

/** The pack id of a check key (`pack/id`). */
const packOf = (key: string): string => key.slice(0, Math.max(0, key.indexOf("/")));

function selectionOptions(req: RecheckRequest, paths: readonly string[]) {
  return { paths, ...(req.profile ? { profile: req.profile } : {}), vars: req.vars };
}

/** One bundled pack loaded alone, or undefined when its directory is not named by its id. */
async function loadAlone(req: RecheckRequest, id: string): Promise<LoadedPack | undefined> {
  const dir = path.join(DEFAULT_BENCHMARKS_DIR, id);
  if (id === "" || id === "profiles" || id.includes("..") || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  const sel = await loadSelection(selectionOptions(req, [dir]));
  return sel.packs.find((p) => p.meta.id === id);
}

/** The packs of these pack ids (more when the whole selection had to load). */
async function packsFor(req: RecheckRequest, ids: ReadonlySet<string>): Promise<LoadedPack[]> {
  const job = JSON.stringify([req.packs, req.profile, req.vars]);
  if (kept?.job !== job) kept = { job, packs: new Map() };
  const k = kept;
  if (!k.all && req.packs.length === 0) {
    for (const id of ids) if (!k.packs.has(id)) k.packs.set(id, loadAlone(req, id));
    const alone = await Promise.all([...ids].map((id) => k.packs.get(id)));
    if (alone.every((p) => p !== undefined)) return alone as LoadedPack[];
  }
  k.all ??= loadSelection(selectionOptions(req, req.packs)).then((s) => s.packs);
  return k.all;
}

/** Test seam: what this child holds — packs loaded alone (by id), and whether the whole selection loaded. */
export function loadedPacks(): { alone: string[]; all: boolean } {
  return { alone: [...(kept?.packs.keys() ?? [])].sort(), all: kept?.all !== undefined };
}

export async function answerRecheck(req: RecheckRequest): Promise<ChildMessage> {
  const arrived = performance.now();
  const startMs = started ? undefined : Math.round(arrived);
  started = true;
  try {
    const ids = new Set([...req.keys, ...(req.preload ?? [])].map(packOf));
    const packs = await packsFor(req, ids);
    const loadMs = Math.round(performance.now() - arrived);
    const r = await recheck({
      host: new HostRoot({ root: req.root, ...(req.proc ? { proc: req.proc } : {}) }),
      packs,
      filter: { benchmarks: req.benchmarks },
      keys: req.keys,
      deep: req.deep,
    });
    r.timing = { ...r.timing, loadMs, ...(startMs !== undefined ? { startMs } : {}) };
    return { ok: true, kind: "recheck", id: req.id, recheck: r };
  } catch (e) {
    kept = undefined;
    return { ok: false, id: req.id, message: (e as Error).message ?? String(e) };
  }
}

/**
 * Why an IPC message is not a request (undefined when it is one): a message that is not an
 * object with a string `kind` is answered `ok: false` with this reason, not dereferenced (a
 * `null` made the re-check process throw and exit).
 */
export function malformedRequest(msg: unknown): string | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return `a malformed request (${msg === null ? "null" : Array.isArray(msg) ? "a list" : typeof msg})`;
  const kind = (msg as { kind?: unknown }).kind;
  return typeof kind === "string" ? undefined : "a malformed request (no kind)";
}

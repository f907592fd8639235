/**
 * Load check packs: YAML → schema → probe params → compiled matchers. Every problem
 * is a PackError naming file, line, column and check id; a bad check is dropped and
 * the rest of its pack still loads, a file with YAML syntax errors is dropped whole.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { NodewardError, ErrorCodes, type ErrorCode } from "../errors.js";
import { readRegularFileCapped } from "../util/read-capped.js";
import { formatSourceIssue, MAX_PACK_FILE_BYTES, parseYamlText, placeZodIssues, positionOf, readYaml, type YamlPath, type YamlSource } from "../util/yaml-source.js";
import type { References, Severity } from "../model/vocabulary.js";
import { compileFields, MatcherSyntaxError, type FieldGaps, type FieldsMatcher, type FieldsOutcome } from "../matchers/index.js";
import { getProbe } from "../probes/index.js";
import { localMountsOnly } from "../host/host-root.js";
import type { Probe } from "../probes/types.js";
import { packSchemas, type CheckDef, type ConditionDef, type FixDef, type PackMeta, type PackSchemas } from "./schema.js";
import { lazySchema, loadZod, ZodNotLoaded, zodNow } from "../util/lazy-zod.js";
import { loadYaml, YamlNotLoaded } from "../util/yaml.js";
import { defaultPackCache, entryProblem, textHash, validatedParams, type CachedPackFile, type PackCache } from "./cache.js";

export interface PackError {
  code: ErrorCode;
  file: string;
  line: number;
  column: number;
  checkId?: string;
  message: string;
}

export const formatPackError: (e: PackError) => string = formatSourceIssue;

/** A probe call, identified by a key so the engine gathers each distinct fact once. */
export interface ProbeCall {
  probeId: string;
  probe: Probe;
  params: unknown;
  /** `probe` + canonical JSON of params: equal keys share one fact per scan. */
  factKey: string;
}

export interface CompiledAudit extends ProbeCall {
  expect: FieldsMatcher;
  precondition?: FieldsMatcher;
  preconditionReason?: string;
}

export interface CompiledCondition extends ProbeCall {
  expect: FieldsMatcher;
  reason: string;
  /** The pack's fallback when the condition cannot be decided (schema: `if-unknown`). */
  ifUnknown?: IfUnknown;
}

/** A condition's documented fallback (schema: `if-unknown`). */
export interface IfUnknown {
  apply: boolean;
  note: string;
  /** The pack that judges instead (with `apply: false`), and the note when it is not selected. */
  defersTo?: { pack: string; note: string };
}

export interface LoadedCheck {
  id: string;
  /** `<pack>/<id>`: unique across packs (CIS Debian and CIS Ubuntu reuse numbers). */
  key: string;
  pack: PackMeta;
  title: string;
  description?: string;
  rationale?: string;
  severity: Severity;
  level?: number;
  references: References;
  manual: boolean;
  applies: CompiledCondition[];
  audit?: CompiledAudit;
  remediation?: string;
  fix?: FixDef;
  tags: string[];
  /** Where the check's map starts in its file. */
  source: { file: string; line: number; column: number };
  /** Set when a profile tailored this check (see src/packs/profile.ts). */
  tailoring?: { profile: string; reason: string; exclude: boolean };
}

export interface LoadedPack {
  meta: PackMeta;
  dir: string;
  files: string[];
  checks: LoadedCheck[];
  /** The pack's own var defaults (`vars:` in pack.yaml): the names a profile or --var may set. */
  vars?: Record<string, unknown>;
}

export interface LoadResult {
  packs: LoadedPack[];
  errors: PackError[];
}

export interface LoadOptions {
  /** Validate a check's `fix` (the remediation layer supplies this; packs cannot import upward). */
  validateFix?: (fix: FixDef) => string | undefined;
  /** Var values that override every pack's defaults (from a profile, the CLI or the agent config). */
  vars?: Readonly<Record<string, unknown>>;
  /** Parse cache (default: the one built with the program, dist/pack-cache.json). */
  cache?: PackCache;
  /**
   * Read pack files with synchronous calls. Default: when every filesystem of this process
   * is local (host/host-root.ts localMountsOnly), where a read cannot hang on a server and
   * ~150 thread-pool round trips cost more than the reads.
   */
  syncReads?: boolean;
}

type Vars = Readonly<Record<string, unknown>>;

/**
 * What one loadPacks call compiled already, by probe and the JSON of the raw data (after
 * vars): a pack set holds ~2,000 conditions and ~1,500 audits but a few hundred distinct
 * probe calls and a few dozen distinct conditions ("os is Debian"), and compiling one
 * (params validation, fact key, matchers, regexes) is a pure function of those. Only
 * successes are kept, so an error is still reported at each place it occurs.
 */
interface CompileMemo {
  calls: Map<string, ProbeCall>;
  expects: Map<string, FieldsMatcher>;
}

/** Memo keys: the probe id and plain JSON (a different key order only misses the memo). */
const memoKey = (probeId: string, raw: unknown): string => `${probeId}\0${JSON.stringify(raw) ?? ""}`;

/**
 * Load packs from paths. A path may be a pack directory (YAML files directly inside,
 * one with `pack:`), a directory of pack directories (like `benchmarks/`), or one YAML
 * file holding `pack:` and `checks:`.
 */
export async function loadPacks(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const errors: PackError[] = [];
  const packs: LoadedPack[] = [];
  const memo: CompileMemo = { calls: new Map(), expects: new Map() };
  const sync = options.syncReads ?? localMountsOnly();
  for (const p of paths) {
    const groups = await findPackFiles(p, errors, sync);
    for (const files of groups) {
      const pack = await loadPack(files, errors, options, memo, sync);
      if (pack) packs.push(pack);
    }
  }
  const seen = new Map<string, LoadedPack>();
  for (const pack of packs) {
    const prior = seen.get(pack.meta.id);
    if (prior) {
      errors.push({
        code: ErrorCodes.PACK_DUPLICATE_ID,
        file: pack.files[0] ?? pack.dir,
        line: 1,
        column: 1,
        message: `pack id "${pack.meta.id}" is also used by ${prior.dir}`,
      });
    } else seen.set(pack.meta.id, pack);
  }
  return { packs: [...seen.values()], errors };
}

async function findPackFiles(p: string, errors: PackError[], sync: boolean): Promise<string[][]> {
  let st;
  try {
    st = sync ? statSync(p) : await stat(p);
  } catch (e) {
    errors.push({ code: ErrorCodes.PACK_READ, file: p, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` });
    return [];
  }
  if (st.isFile()) return [[p]];
  // Code-unit order, as for the files below: localeCompare follows the process's locale, and a
  // root shell and a systemd unit (LANG unset) must load the packs in the same order.
  const entries = (sync ? readdirSync(p, { withFileTypes: true }) : await readdir(p, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const yamls = entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(p, e.name));
  if (yamls.length > 0) return [yamls];
  const groups: string[][] = [];
  // benchmarks/profiles/ holds profiles, not a pack (src/packs/profile.ts reads it).
  for (const d of entries.filter((e) => e.isDirectory() && e.name !== "profiles")) {
    const sub = sync ? readdirSync(path.join(p, d.name)) : await readdir(path.join(p, d.name));
    const files = sub.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(p, d.name, n));
    if (files.length > 0) groups.push(files);
  }
  // A mistyped --packs directory must not lint "ok" or scan nothing in silence.
  if (groups.length === 0) {
    errors.push({ code: ErrorCodes.PACK_READ, file: p, line: 1, column: 1, message: "no pack files (*.yaml) here or in its subdirectories" });
  }
  return groups;
}

/** A pack or profile file: its data, and (parsed on first use when the data came from the cache) its document. */
export interface ParsedFile extends YamlSource {
  file: string;
  data: Record<string, unknown>;
  /** From the cache: where each `checks:` entry starts, so no YAML parse is needed. */
  checkPositions?: readonly { line: number; column: number }[];
  /** From the cache: the file passed the pack schema at build time; it is not validated again. */
  validated?: boolean;
}

/**
 * A ParsedFile from cached data; the document is parsed only if an error needs a position.
 * The text is not kept for that (lazy expectations keep their ParsedFile for the whole
 * scan: ~1 MB of pack text held for nothing): it is read again on that first need.
 */
function fromCache(file: string, cached: CachedPackFile): ParsedFile {
  let parsed: YamlSource | undefined;
  const get = () => (parsed ??= parseYamlText(readFileSync(file, "utf8")));
  return {
    file,
    data: cached.data,
    checkPositions: cached.checkPositions,
    ...(cached.valid ? { validated: true } : {}),
    get doc() {
      return get().doc;
    },
    get lines() {
      return get().lines;
    },
  };
}

async function loadPack(files: string[], errors: PackError[], options: LoadOptions, memo: CompileMemo, sync: boolean): Promise<LoadedPack | null> {
  const parseAll = async (cache: PackCache | undefined): Promise<ParsedFile[]> => {
    const out: ParsedFile[] = [];
    for (const file of files) {
      const pf = await parseYamlFile(file, errors, undefined, cache, sync);
      if (pf) out.push(pf);
    }
    return out;
  };
  const start = errors.length;
  let parsed = await parseAll(options.cache);
  // Compiled without zod while everything is proved by the build's cache; a pack that needs
  // validation (an edited file, params no build saw) meets ZodNotLoaded: load zod, compile again.
  // Likewise yaml: a cached file is parsed only when an error needs a position in it.
  for (;;) {
    const mark = errors.length;
    try {
      return compilePack(files, parsed, errors, options, memo);
    } catch (e) {
      if (e instanceof ZodNotLoaded || e instanceof YamlNotLoaded) {
        errors.length = mark;
        await (e instanceof ZodNotLoaded ? loadZod() : loadYaml());
        continue;
      }
      // A cached entry the build did not write (the cache checks an entry's shape, not each
      // check's) threw in the compile: say so, and parse the pack's files from YAML instead.
      if (!parsed.some((f) => f.validated === true || f.checkPositions !== undefined)) throw e;
      process.stderr.write(`nodeward: pack cache entries of ${path.dirname(files[0] ?? ".")} not used (${(e as Error).message}); the pack is parsed from YAML\n`);
      errors.length = start;
      parsed = await parseAll(new Map());
    }
  }
}

/** A pack from its parsed files (synchronous: see loadPack). */
function compilePack(files: string[], parsed: ParsedFile[], errors: PackError[], options: LoadOptions, memo: CompileMemo): LoadedPack | null {
  const withMeta = parsed.filter((f) => f.data.pack !== undefined);
  const dir = path.dirname(files[0] ?? ".");
  if (withMeta.length !== 1) {
    const file = withMeta[1]?.file ?? files[0] ?? dir;
    // A file that failed to parse may be the one with `pack:`; that error is already reported.
    if (parsed.length === files.length || withMeta.length > 1) {
      errors.push({
        code: ErrorCodes.PACK_INVALID,
        file,
        line: 1,
        column: 1,
        message: withMeta.length === 0
          ? `no file of this pack declares "pack:" (id, title, benchmark, version)`
          : `"pack:" is declared in more than one file (${withMeta.map((f) => f.file).join(", ")})`,
      });
    }
    return null;
  }
  const metaFile = withMeta[0] as ParsedFile;
  const meta = metaFile.validated ? { success: true as const, data: metaFile.data.pack as PackMeta } : packSchemas().PackMetaSchema.safeParse(metaFile.data.pack);
  if (!meta.success) {
    reportZod(metaFile, ["pack"], meta.error, errors);
    return null;
  }
  let packVars: Record<string, unknown> = {};
  if (metaFile.data.vars !== undefined) {
    const v = metaFile.validated ? { success: true as const, data: metaFile.data.vars as Record<string, unknown> } : packSchemas().VarsSchema.safeParse(metaFile.data.vars);
    if (!v.success) {
      reportZod(metaFile, ["vars"], v.error, errors);
      return null;
    }
    packVars = v.data;
  }
  const vars: Vars = { ...packVars, ...options.vars };
  // `applies:` beside `pack:` holds for every check of the pack, after each check's own
  // conditions (so "no kubelet on this node" is said before "another edition applies").
  let packApplies: CompiledCondition[] = [];
  if (metaFile.data.applies !== undefined) {
    const a = metaFile.validated
      ? { success: true as const, data: metaFile.data.applies as ConditionDef[] }
      : zodNow().array(packSchemas().ConditionSchema).safeParse(metaFile.data.applies);
    if (!a.success) {
      reportZod(metaFile, ["applies"], a.error, errors);
      return null;
    }
    const compiled = compileConditions(metaFile, a.data, ["applies"], undefined, vars, errors, memo);
    if (compiled === null) return null;
    packApplies = compiled;
  }
  for (const pf of parsed) {
    if (pf !== metaFile && pf.data.applies !== undefined) {
      errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, ...positionOf(pf, ["applies"], true), message: `"applies:" for the whole pack goes in the file with "pack:"; use defaults.applies for this file's checks` });
    }
  }
  const checks: LoadedCheck[] = [];
  const byId = new Map<string, LoadedCheck>();
  for (const pf of parsed) {
    for (const check of compileFile(pf, meta.data, vars, errors, options, packApplies, memo)) {
      const prior = byId.get(check.id);
      if (prior) {
        errors.push({
          code: ErrorCodes.PACK_DUPLICATE_ID,
          file: check.source.file,
          line: check.source.line,
          column: check.source.column,
          checkId: check.id,
          message: `duplicate check id "${check.id}" in pack ${meta.data.id} (first at ${prior.source.file}:${prior.source.line})`,
        });
        continue;
      }
      byId.set(check.id, check);
      checks.push(check);
    }
  }
  return { meta: meta.data, dir, files, checks, vars: packVars };
}

export async function parseYamlFile(
  file: string,
  errors: PackError[],
  topKeys: readonly string[] = ["pack", "vars", "applies", "section", "defaults", "checks"],
  cache?: PackCache,
  /** Read with synchronous calls (see LoadOptions.syncReads). */
  sync = false,
): Promise<ParsedFile | null> {
  let bytes: Buffer;
  try {
    // A regular file within the YAML size cap: a FIFO named *.yaml in a pack directory hung the load, a link to /dev/zero filled memory.
    bytes = await readRegularFileCapped(file, MAX_PACK_FILE_BYTES, sync);
  } catch (e) {
    errors.push({ code: ErrorCodes.PACK_READ, file, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` });
    return null;
  }
  // Hashed as read: the text is decoded only when the cache misses (1.6 MB of pack text,
  // much of it two bytes a character once decoded, is never made into strings).
  const cached = (cache ?? (await defaultPackCache())).get(textHash(bytes));
  // Cached entries were written only for files that parsed without YAML errors.
  // (Its shape checked here too: a cache passed in by the caller is not the shipped one, which checks it as it reads.)
  if (cached && entryProblem(cached) === undefined && Object.keys(cached.data).every((k) => topKeys.includes(k))) return fromCache(file, cached);
  await loadYaml();
  const read = readYaml(bytes.toString("utf8"), file);
  if ("issues" in read) {
    for (const issue of read.issues) errors.push({ code: ErrorCodes.PACK_YAML, ...issue });
    return null;
  }
  const { source, data } = read;
  if (data === null || data === undefined) {
    errors.push({ code: ErrorCodes.PACK_INVALID, file, line: 1, column: 1, message: "empty file" });
    return null;
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    errors.push({ code: ErrorCodes.PACK_INVALID, file, line: 1, column: 1, message: `this file must be a map with ${topKeys.join(", ")}` });
    return null;
  }
  const pf: ParsedFile = { file, doc: source.doc, lines: source.lines, data: data as Record<string, unknown> };
  // `__proto__` is an own key after toJS, and zod's strict objects do not see it as
  // unknown: refuse the file, as for any key no schema knows.
  const proto = protoKeys(data);
  for (const at of proto) {
    errors.push({ code: ErrorCodes.PACK_INVALID, file, ...positionOf(pf, at, true), message: `key "__proto__" is not allowed (at ${at.join(".")})` });
  }
  if (proto.length > 0) return null;
  const allowed = new Set(topKeys);
  for (const k of Object.keys(data)) {
    if (!allowed.has(k)) {
      const at = positionOf(source, [k], true);
      errors.push({ code: ErrorCodes.PACK_INVALID, file, ...at, message: `unknown key "${k}" (allowed: ${[...allowed].join(", ")})` });
    }
  }
  return pf;
}

/** Paths of every `__proto__` key in parsed YAML (iterative: nesting depth is the file's). */
function protoKeys(data: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: { v: unknown; at: (string | number)[] }[] = [{ v: data, at: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { v, at } = item;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, at: [...at, i] }));
    else if (v !== null && typeof v === "object") {
      for (const k of Object.keys(v)) {
        if (k === "__proto__") out.push([...at, k]);
        else stack.push({ v: (v as Record<string, unknown>)[k], at: [...at, k] });
      }
    }
  }
  return out;
}

const FileBodySchema = lazySchema((z) =>
  z.strictObject({
    pack: z.unknown().optional(),
    vars: z.unknown().optional(),
    applies: z.unknown().optional(),
    section: z.strictObject({ id: z.string(), title: z.string() }).optional(),
    defaults: packSchemas().DefaultsSchema.optional(),
    checks: z.array(z.unknown()).optional(),
  }),
);

function compileFile(
  pf: ParsedFile,
  meta: PackMeta,
  vars: Vars,
  errors: PackError[],
  options: LoadOptions,
  packApplies: CompiledCondition[],
  memo: CompileMemo,
): LoadedCheck[] {
  const { pack: _pack, ...body } = pf.data;
  const shell = pf.validated ? { success: true as const, data: body as z.output<typeof FileBodySchema.schema> } : FileBodySchema.safeParse(body);
  if (!shell.success) {
    // Unknown top-level keys were reported by parseYamlFile already.
    const issues = shell.error.issues.filter((i) => i.code !== "unrecognized_keys" || i.path.length > 0);
    if (issues.length > 0) reportZod(pf, [], new (zodNow().ZodError)(issues), errors);
    return [];
  }
  const defaults = shell.data.defaults ?? {};
  const defaultApplies = compileConditions(pf, defaults.applies ?? [], ["defaults", "applies"], undefined, vars, errors, memo);
  if (defaultApplies === null) return [];
  const out: LoadedCheck[] = [];
  (shell.data.checks ?? []).forEach((raw, i) => {
    const base = ["checks", i];
    const rawId = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).id : undefined;
    const checkId = typeof rawId === "string" ? rawId : undefined;
    const parsed = pf.validated ? { success: true as const, data: raw as CheckDef } : packSchemas().CheckSchema.safeParse(raw);
    if (!parsed.success) {
      reportZod(pf, base, parsed.error, errors, checkId);
      return;
    }
    const c = compileCheck(pf, meta, parsed.data, base, defaults, defaultApplies, vars, errors, options, packApplies, memo);
    if (c) out.push(c);
  });
  return out;
}

function compileCheck(
  pf: ParsedFile,
  meta: PackMeta,
  def: CheckDef,
  base: (string | number)[],
  defaults: z.output<PackSchemas["DefaultsSchema"]>,
  defaultApplies: CompiledCondition[],
  vars: Vars,
  errors: PackError[],
  options: LoadOptions,
  packApplies: CompiledCondition[],
  memo: CompileMemo,
): LoadedCheck | null {
  // ~1,900 checks a load: no closures over this scope, no spread of a conditional object
  // (the objects are built by assignment, in the order their literals had).
  const before = errors.length;
  const severity = def.severity ?? defaults.severity;
  if (!severity) checkError(pf, def, base, ["id"], "severity is missing (set it on the check or in the file's defaults)", errors);

  const applies = def.applies ? compileConditions(pf, def.applies, [...base, "applies"], def.id, vars, errors, memo) : [];

  let audit: CompiledAudit | undefined;
  if (def.audit) {
    // Params are only read (validated into a copy, or found validated): no copy without a var.
    const rawParams = def.audit.params;
    const params = (usesVars(rawParams) ? substituteCheckVars(pf, def, base, rawParams, ["audit", "params"], vars, errors) : rawParams) as Record<string, unknown> | undefined;
    const call = compileCall(pf, def.audit.probe, params, [...base, "audit"], def.id, errors, memo);
    if (call) {
      const expect = compileAuditExpect(pf, def, base, def.audit.expect, "expect", call, vars, errors, memo);
      let precondition: FieldsMatcher | null | undefined;
      if (def.audit.precondition !== undefined) precondition = compileAuditExpect(pf, def, base, def.audit.precondition, "precondition", call, vars, errors, memo);
      if (expect && precondition !== null) {
        audit = { probeId: call.probeId, probe: call.probe, params: call.params, factKey: call.factKey, expect } as CompiledAudit;
        if (precondition) audit.precondition = precondition;
        if (def.audit["precondition-reason"]) audit.preconditionReason = def.audit["precondition-reason"];
      }
    }
  }
  // Vars reach fix params too: a fix must act on the same allow-list the audit judged with.
  let fix: FixDef | undefined;
  if (def.fix) {
    fix = { action: def.fix.action };
    if (def.fix.params) fix.params = substituteCheckVars(pf, def, base, def.fix.params, ["fix", "params"], vars, errors) as Record<string, unknown>;
  }
  if (fix && options.validateFix) {
    const problem = options.validateFix(fix);
    if (problem) checkError(pf, def, base, ["fix", "action"], problem, errors);
  }
  if (errors.length > before || applies === null || !severity) return null;

  const refs = def.references ?? {};
  const references: References = {};
  if (refs.cis) references.cis = refs.cis;
  if (refs.cce) references.cce = refs.cce;
  if (refs.kisa) references.kisa = refs.kisa;
  if (refs.other || refs["cce-product"]) {
    const other: Record<string, string> = { ...refs.other };
    if (refs["cce-product"]) other["cce-product"] = refs["cce-product"];
    references.other = other;
  }
  const level = def.level ?? defaults.level;
  const check = { id: def.id, key: `${meta.id}/${def.id}`, pack: meta, title: def.title } as LoadedCheck;
  if (def.description) check.description = def.description;
  if (def.rationale) check.rationale = def.rationale;
  check.severity = severity;
  if (level !== undefined) check.level = level;
  check.references = references;
  check.manual = def.manual === true;
  check.applies = applies.length === 0 && packApplies.length === 0 ? defaultApplies.slice() : [...defaultApplies, ...applies, ...packApplies];
  if (audit) check.audit = audit;
  if (def.remediation) check.remediation = def.remediation.trim();
  if (fix) check.fix = fix;
  check.tags = def.tags ?? [];
  const at = pf.checkPositions?.[base[1] as number] ?? positionOf(pf, base, false);
  check.source = { file: pf.file, line: at.line, column: at.column };
  return check;
}

/** A load error inside one check (`p` from the check's own path). */
function checkError(pf: ParsedFile, def: CheckDef, base: (string | number)[], p: (string | number)[], message: string, errors: PackError[], key = false): void {
  errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, ...positionOf(pf, [...base, ...p], key), checkId: def.id, message });
}

/** substituteVars inside one check, an unknown var reported at its place in the check. */
function substituteCheckVars(pf: ParsedFile, def: CheckDef, base: (string | number)[], v: unknown, p: (string | number)[], vars: Vars, errors: PackError[]): unknown {
  return substituteVars(v, vars, [...base, ...p], (at, message) => checkError(pf, def, base, at.slice(base.length), message, errors));
}

/** An audit's expectation or precondition: compiled on first use where the build proved it (LazyExpect), else now. */
function compileAuditExpect(
  pf: ParsedFile,
  def: CheckDef,
  base: (string | number)[],
  raw: unknown,
  key: "expect" | "precondition",
  call: ProbeCall,
  vars: Vars,
  errors: PackError[],
  memo: CompileMemo,
): FieldsMatcher | null {
  return pf.validated && raw !== undefined && !usesVars(raw)
    ? new LazyExpect(pf, raw, [...base, "audit", key], call, def.id, errors, memo)
    : compileExpect(pf, substituteCheckVars(pf, def, base, raw, ["audit", key], vars, errors), [...base, "audit", key], call.probe, def.id, errors);
}

function compileConditions(
  pf: ParsedFile,
  defs: ConditionDef[],
  base: (string | number)[],
  checkId: string | undefined,
  vars: Vars,
  errors: PackError[],
  memo: CompileMemo,
): CompiledCondition[] | null {
  const out: CompiledCondition[] = [];
  let ok = true;
  // forEach, not a loop over indices: a cached entry that is not what the build wrote
  // (`applies: "x"`) must throw here, so that the loader parses the pack from YAML instead.
  defs.forEach((d, i) => {
    // Only read from here on (validated into a copy, compiled into matchers): no copy without a var.
    const params = (usesVars(d.params) ? substituteConditionVars(pf, d.params, [...base, i, "params"], checkId, vars, errors) : d.params) as Record<string, unknown> | undefined;
    const call = compileCall(pf, d.probe, params, [...base, i], checkId, errors, memo);
    const expectRaw = usesVars(d.expect) ? substituteConditionVars(pf, d.expect, [...base, i, "expect"], checkId, vars, errors) : d.expect;
    const expect = call ? compileExpectMemo(pf, expectRaw, [...base, i, "expect"], call, checkId, errors, memo) : null;
    if (call && expect) {
      const cond = { probeId: call.probeId, probe: call.probe, params: call.params, factKey: call.factKey, expect, reason: d.reason } as CompiledCondition;
      if (d["if-unknown"]) cond.ifUnknown = ifUnknownOf(d["if-unknown"]);
      out.push(cond);
    } else ok = false;
  });
  return ok ? out : null;
}

/** substituteVars in a condition, an unknown var reported at its place. */
function substituteConditionVars(pf: ParsedFile, v: unknown, at: (string | number)[], checkId: string | undefined, vars: Vars, errors: PackError[]): unknown {
  return substituteVars(v, vars, at, (p, message) => {
    errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, ...positionOf(pf, p, false), ...(checkId ? { checkId } : {}), message });
  });
}

function ifUnknownOf(def: NonNullable<ConditionDef["if-unknown"]>): IfUnknown {
  const defers = def["defers-to"];
  return { apply: def.apply, note: def.note, ...(defers ? { defersTo: { pack: defers.pack, note: defers.note } } : {}) };
}

function compileCall(
  pf: ParsedFile,
  probeId: string,
  params: Record<string, unknown> | undefined,
  base: (string | number)[],
  checkId: string | undefined,
  errors: PackError[],
  memo: CompileMemo,
): ProbeCall | null {
  const key = memoKey(probeId, params ?? {});
  const known = memo.calls.get(key);
  if (known) return known;
  const probe = getProbe(probeId);
  if (!probe) {
    errors.push({
      code: ErrorCodes.PACK_INVALID,
      file: pf.file,
      ...positionOf(pf, [...base, "probe"], false),
      ...(checkId ? { checkId } : {}),
      message: `unknown probe "${probeId}"`,
    });
    return null;
  }
  // Params as written (after vars) that validated before, here or at build time, are not validated again.
  const rawKey = `${probeId}:${canonicalJson(params ?? {})}`;
  let data = validatedParams.get(rawKey);
  if (data === undefined) {
    const parsed = probe.params.safeParse(params ?? {});
    if (!parsed.success) {
      reportZod(pf, [...base, "params"], parsed.error, errors, checkId, `probe ${probeId}: `);
      return null;
    }
    data = parsed.data;
    validatedParams.set(rawKey, data);
  }
  const call: ProbeCall = { probeId, probe, params: data, factKey: `${probeId}:${canonicalJson(data)}` };
  memo.calls.set(key, call);
  return call;
}

/**
 * Whether raw pack data refers to a var, i.e. holds a map whose only key is `$var`, as
 * substituteVars replaces (then it depends on the vars in force).
 */
function usesVars(raw: unknown): boolean {
  if (raw === null || typeof raw !== "object") return false;
  if (Array.isArray(raw)) {
    for (const v of raw) if (usesVars(v)) return true;
    return false;
  }
  let n = 0;
  for (const k in raw) {
    if (!Object.hasOwn(raw, k)) continue;
    n++;
    if (usesVars((raw as Record<string, unknown>)[k])) return true;
  }
  return n === 1 && Object.hasOwn(raw, "$var");
}

/** compileExpect for a compiled call, shared with every equal expectation of this load. */
function compileExpectMemo(
  pf: ParsedFile,
  raw: unknown,
  base: (string | number)[],
  call: ProbeCall,
  checkId: string | undefined,
  errors: PackError[],
  memo: CompileMemo,
): FieldsMatcher | null {
  if (raw === undefined) return compileExpect(pf, raw, base, call.probe, checkId, errors);
  const key = memoKey(call.probeId, raw);
  const known = memo.expects.get(key);
  if (known) return known;
  const m = compileExpect(pf, raw, base, call.probe, checkId, errors);
  if (m) memo.expects.set(key, m);
  return m;
}

/**
 * An audit expectation compiled on first use. Only for files the build's pack cache proved
 * (every expectation compiled without error, and this one uses no var, so it compiles the
 * same now): most checks of a scan skip as not applicable, and never need theirs.
 * A class, not closures: one small object per check instead of five closures holding the
 * whole compileCheck scope (~1,600 of them per load).
 */
class LazyExpect implements FieldsMatcher {
  private matcher: FieldsMatcher | undefined;
  private args: Parameters<typeof compileExpectMemo> | undefined;

  constructor(...args: Parameters<typeof compileExpectMemo>) {
    this.args = args;
  }

  private get(): FieldsMatcher {
    if (!this.matcher) {
      const c = this.args ? compileExpectMemo(...this.args) : null;
      if (!c) throw new NodewardError("PACK_CACHE_STALE");
      this.matcher = c;
      this.args = undefined;
    }
    return this.matcher;
  }

  get expected(): string {
    return this.get().expected;
  }

  get fields(): readonly string[] {
    return this.get().fields;
  }

  test(actual: unknown): ReturnType<FieldsMatcher["test"]> {
    return this.get().test(actual);
  }

  evaluate(record: unknown, gaps?: FieldGaps): FieldsOutcome {
    return this.get().evaluate(record, gaps);
  }
}

export function compileExpect(
  pf: ParsedFile,
  raw: unknown,
  base: (string | number)[],
  probe: Probe,
  checkId: string | undefined,
  errors: PackError[],
): FieldsMatcher | null {
  if (raw === undefined) {
    errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, ...positionOf(pf, base.slice(0, -1), false), ...(checkId ? { checkId } : {}), message: `"${String(base.at(-1))}" is missing` });
    return null;
  }
  try {
    return compileFields(raw, base, probe.fields);
  } catch (e) {
    if (!(e instanceof MatcherSyntaxError)) throw e;
    errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, ...positionOf(pf, [...e.path], true), ...(checkId ? { checkId } : {}), message: e.message });
    return null;
  }
}

export function reportZod(
  pf: ParsedFile,
  base: YamlPath,
  error: z.ZodError,
  errors: PackError[],
  checkId?: string,
  prefix = "",
): void {
  for (const issue of placeZodIssues(pf, base, error)) {
    const p = issue.path;
    const message = issue.unknownKey !== undefined
      ? `${prefix}unknown key "${issue.unknownKey}"${p.length ? ` in ${p.filter((s) => typeof s === "string").at(-1)}` : ""}`
      : `${prefix}${issue.message}${p.length > base.length ? ` at ${p.slice(base.length).join(".")}` : ""}`;
    errors.push({ code: ErrorCodes.PACK_INVALID, file: pf.file, line: issue.line, column: issue.column, ...(checkId ? { checkId } : {}), message });
  }
}

/**
 * Replace every `{ $var: name }` with the var's value (pack defaults overridden by a
 * profile, the CLI or the agent config). An undefined var is a load error.
 */
export function substituteVars(
  value: unknown,
  vars: Vars,
  path: (string | number)[],
  onError: (path: (string | number)[], message: string) => void,
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => substituteVars(v, vars, [...path, i], onError));
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === "$var") {
      const name = obj.$var;
      if (typeof name !== "string" || !Object.hasOwn(vars, name)) {
        const known = Object.keys(vars);
        onError([...path, "$var"], `unknown var ${JSON.stringify(name)} (${known.length ? `defined: ${known.join(", ")}` : "this pack defines no vars"})`);
        return undefined;
      }
      return vars[name];
    }
    return Object.fromEntries(keys.map((k) => [k, substituteVars(obj[k], vars, [...path, k], onError)]));
  }
  return value;
}

/** JSON with sorted keys, so equal params give equal fact keys. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

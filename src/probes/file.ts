/**
 * file: stat (type, mode, owner) and optionally one config value, a pattern hit or the
 * whole parsed document of a host file, a glob of files, a kubelet file found by the
 * kubelet helper (`pathOf`), or a file another Kubernetes component names by flag
 * (`pathFrom`, e.g. kube-apiserver's --audit-policy-file). Pure stat never reads
 * content, so a huge file only errors when a key, pattern or document needs it.
 */
import type { Stats } from "node:fs";
import type { z } from "zod";
import { lazySchema } from "../util/lazy-zod.js";
import { absolutePath } from "./kit/params.js";
import { NodewardError, describeError } from "../errors.js";
import { COMPONENTS, componentFile } from "./k8s/components.js";
import { KUBELET_FILES, kubeletFile, kubeletInfo } from "./k8s/kubelet-info.js";
import {
  lookupEquals,
  lookupSpace,
  parseEqualsKeyValue,
  parseSpaceKeyValue,
} from "./parse/key-value.js";
import { idNames } from "./kit/shared.js";
import { lookupStructured, parseWhole, type StructuredValue } from "./parse/structured.js";
import { compilePackRegex, firstMatchingLine, MAX_CAPTURE_CHARS, MAX_MATCH_LINE_CHARS } from "../util/regex.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { KUBERNETES_PROCESSES, readsAnd } from "./kit/watch.js";
import { pushAll } from "../util/array.js";
import { loadYaml } from "../util/yaml.js";
import { auditdLogDir } from "./kit/auditd-log.js";
import { trimTrailingSlashes } from "../util/trim.js";

export { parseEqualsKeyValue, parseSpaceKeyValue } from "./parse/key-value.js";

/** Files found by a helper: the kubelet's, and the directory auditd logs to (auditd.conf's log_file). */
const PATH_OF = [...KUBELET_FILES, "auditd-log-dir"] as const;


/** RE2 syntax, linear-time matching (src/util/regex.ts); the reason RE2 refuses a pattern, or undefined. */
function patternProblem(p: string): string | undefined {
  try {
    compilePackRegex(p);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const params = lazySchema((z) => {
  const absolute = absolutePath(z);
  return z
    .strictObject({
      path: absolute.optional(),
      glob: absolute.optional(),
      pathOf: z.enum(PATH_OF).optional(),
      /** A file a component names: `{component: kube-apiserver, flag: audit-policy-file}` or `{component: etcd, manifest: true}`. */
      pathFrom: z
        .strictObject({ component: z.enum(COMPONENTS), flag: z.string().min(1).optional(), manifest: z.literal(true).optional() })
        .refine((f) => (f.flag === undefined) !== (f.manifest === undefined), "pathFrom takes flag or manifest: true")
        .optional(),
      /** The entries of the directory named by path or pathOf: auditd-log-dir (as the glob `<dir>/*`), not the directory itself. */
      entries: z.literal(true).optional(),
      key: z.string().min(1).optional(),
      /** With format equals: the key matches in any case (auditd.conf, whose keywords auditd compares with strcasecmp). */
      ignoreKeyCase: z.literal(true).optional(),
      /** Parse the whole file (format yaml or json) into the `document` field. */
      document: z.literal(true).optional(),
      format: z.enum(["space", "equals", "yaml", "json"]).default("space"),
      /** RE2 syntax, matched line by line in linear time. */
      pattern: z
        .string()
        .min(1)
        .superRefine((s, c) => {
          const why = patternProblem(s);
          if (why !== undefined) c.addIssue({ code: "custom", message: `not a valid RE2 regular expression: ${why}` });
        })
        .optional(),
    })
    .refine(
      (p) => [p.path, p.glob, p.pathOf, p.pathFrom].filter((x) => x !== undefined).length === 1,
      "give exactly one of path, glob, pathOf, pathFrom",
    )
    .refine((p) => p.document === undefined || p.format === "yaml" || p.format === "json", "document needs format: yaml or json")
    .refine((p) => p.ignoreKeyCase === undefined || (p.key !== undefined && p.format === "equals"), "ignoreKeyCase needs key and format: equals")
    .refine((p) => p.entries === undefined || p.path !== undefined || p.pathOf === "auditd-log-dir", "entries lists the directory named by path or pathOf: auditd-log-dir");
});

type Params = z.output<typeof params.schema>;

export interface FileFactValue {
  path: string | null;
  exists: boolean;
  type?: "file" | "directory" | "symlink" | "other";
  /** The path itself is a symlink (type/mode/owner describe its target). */
  symlink?: boolean;
  /** Permission bits including setuid/setgid/sticky, e.g. 0o640. */
  mode?: number;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  size?: number;
  value?: StructuredValue;
  found?: boolean;
  matched?: boolean;
  match?: string;
  /** The parsed file (`document: true`): a YAML/JSON value, first document only. */
  document?: unknown;
  note?: string;
}

export interface FileGlobFactValue {
  pattern: string;
  count: number;
  files: FileFactValue[];
  /**
   * Matches that are dangling symlinks, left out of `files` and `count`: there is no file
   * to judge (no mode, owner or group), as CIS's `find -L … -type f` and `stat -L` leave them
   * out. Each is named in the evidence with its target; absent when there is none.
   */
  dangling?: string[];
}

/** The files a file fact judges: its path, a glob's or a directory's elements, dangling links. */
function judgedPaths(value: unknown): string[] {
  const v = value as Partial<FileFactValue & FileGlobFactValue> | undefined;
  const out: string[] = [];
  if (typeof v?.path === "string") out.push(v.path);
  for (const f of Array.isArray(v?.files) ? v.files : []) if (typeof f?.path === "string") out.push(f.path);
  for (const d of Array.isArray(v?.dangling) ? v.dangling : []) if (typeof d === "string") out.push(d);
  return out;
}

function typeOf(st: Stats): NonNullable<FileFactValue["type"]> {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

interface Inspected {
  value: FileFactValue;
  evidence: Evidence[];
  /** Set when the content could not be interpreted (bad YAML): the fields it would give. */
  contentError?: string;
  /** Pattern fields a cap left undetermined (a line too long to match or to capture from). */
  patternUnknown?: Record<string, string>;
  /** owner/group when the root's passwd/group could not be read to name the ids. */
  namesUnknown?: Record<string, string>;
}

async function inspect(ctx: ProbeContext, p: Params, hostPath: string, inGlob: boolean): Promise<Inspected> {
  const wantsContent = p.key !== undefined || p.pattern !== undefined || p.document !== undefined;
  const evidence: Evidence[] = [{ file: hostPath }];
  // stat first: it throws for an escaping symlink or a loop, which must not pass as "missing".
  const st = await ctx.host.stat(hostPath);
  const lst = await ctx.host.lstat(hostPath);
  const isLink = lst?.isSymbolicLink() ?? false;
  if (!st) {
    const value: FileFactValue = { path: hostPath, exists: false };
    if (isLink) {
      value.symlink = true;
      value.note = `dangling symlink to ${await ctx.host.readlink(hostPath)}`;
    }
    if (p.key !== undefined) value.found = false;
    if (p.pattern !== undefined) value.matched = false;
    if (p.document !== undefined) value.document = null;
    return { value, evidence };
  }
  const names = await idNames(ctx);
  const value: FileFactValue = {
    path: hostPath,
    exists: true,
    type: typeOf(st),
    symlink: isLink,
    mode: st.mode & 0o7777,
    owner: names.users.get(st.uid) ?? String(st.uid),
    group: names.groups.get(st.gid) ?? String(st.gid),
    uid: st.uid,
    gid: st.gid,
    size: st.size,
  };
  const namesUnknown: Record<string, string> = {};
  if (names.usersUnknown && !names.users.has(st.uid)) namesUnknown.owner = names.usersUnknown;
  if (names.groupsUnknown && !names.groups.has(st.gid)) namesUnknown.group = names.groupsUnknown;
  const named = Object.keys(namesUnknown).length > 0 ? { namesUnknown } : {};
  if (isLink) evidence[0] = { file: hostPath, detail: `symlink to ${await ctx.host.readlink(hostPath)}` };
  if (!wantsContent) return { value, evidence, ...named };

  // In a glob a matched directory is expected noise; for one named path it is an error (readFile throws).
  if (inGlob && st.isDirectory()) {
    value.note = "directory: content not read";
    return { value, evidence, ...named };
  }
  const text = await ctx.host.readFile(hostPath);
  // A key in a YAML or JSON file (JSON too, for its line) and a whole YAML document parse with yaml.
  if ((p.key !== undefined && (p.format === "yaml" || p.format === "json")) || (p.document !== undefined && p.format !== "json")) await loadYaml();
  let contentError: string | undefined;
  if (p.key !== undefined) {
    const hit = lookupKey(text, p.format, p.key, p.ignoreKeyCase === true, hostPath);
    if ("error" in hit) {
      contentError = `${hostPath}: ${hit.error}`;
      value.note = hit.error;
    } else if (hit.found) {
      value.found = true;
      value.value = hit.value;
      evidence.push(hit.line !== undefined ? { file: hostPath, line: hit.line, key: p.key } : { file: hostPath, key: p.key });
    } else {
      value.found = false;
    }
  }
  if (p.document !== undefined) {
    const doc = parseWhole(text, p.format === "json" ? "json" : "yaml");
    if ("error" in doc) {
      contentError = `${hostPath}: ${doc.error}`;
      value.note = doc.error;
    } else value.document = doc.value;
  }
  let patternUnknown: Record<string, string> | undefined;
  if (p.pattern !== undefined) {
    const scan = await firstMatchingLine(compilePackRegex(p.pattern), text, ctx.signal);
    if (scan.kind === "hit") {
      value.matched = true;
      evidence.push({ file: hostPath, line: scan.line });
      if (scan.capture !== undefined) value.match = scan.capture;
      else patternUnknown = { match: `${hostPath}:${scan.line}: the matching line is over the ${MAX_CAPTURE_CHARS}-character cap for captured text` };
    } else if (scan.kind === "none") {
      value.matched = false;
    } else {
      const why = `${hostPath}:${scan.line}: line is ${scan.length} characters, over the ${MAX_MATCH_LINE_CHARS}-character line cap for patterns`;
      patternUnknown = { matched: why, match: why };
    }
  }
  return { value, evidence, ...named, ...(contentError ? { contentError } : {}), ...(patternUnknown ? { patternUnknown } : {}) };
}

/** inspect, with raw fs errors (EACCES, ELOOP on the live root) re-thrown naming the path. */
async function inspectNamed(ctx: ProbeContext, p: Params, hostPath: string, inGlob: boolean): Promise<Inspected> {
  try {
    return await inspect(ctx, p, hostPath, inGlob);
  } catch (e) {
    // NodewardErrors (escape, loop, too large, not regular) already name the path.
    if (e instanceof NodewardError) throw e;
    throw new NodewardError("READ_FAILED", { path: hostPath, reason: describeError(e) }, { cause: e });
  }
}

/** Every path the glob matches, inspected; a dangling link is left out (see FileGlobFactValue.dangling). */
async function globFact(ctx: ProbeContext, p: Params, pattern: string, where: Evidence[]): Promise<Fact<FileGlobFactValue>> {
  const paths = await ctx.host.glob(pattern);
  const files: FileFactValue[] = [];
  const evidence: Evidence[] = [...where];
  const errors: string[] = [];
  const dangling: string[] = [];
  for (const path of paths) {
    const r = await inspectNamed(ctx, p, path, true);
    if (!r.value.exists && r.value.symlink === true) {
      // No file there: nothing to judge, and not a file that fails (or passes) a mode.
      dangling.push(path);
      evidence.push({ file: path, detail: `${r.value.note ?? "dangling symlink"}: left out, there is no file to judge` });
      continue;
    }
    files.push(r.value);
    pushAll(evidence, r.evidence);
    if (r.contentError) errors.push(r.contentError);
    if (r.patternUnknown) pushAll(errors, new Set(Object.values(r.patternUnknown)));
    // An element's owner printed as a bare uid could be judged as if unnamed: say why.
    if (r.namesUnknown) pushAll(errors, new Set(Object.values(r.namesUnknown)));
  }
  const value: FileGlobFactValue = { pattern, count: files.length, files, ...(dangling.length > 0 ? { dangling } : {}) };
  if (errors.length === 0) return { value, evidence };
  return { value, evidence, unknown: { files: [...new Set(errors)].join("; ") } };
}

type KeyHit = { error: string } | { found: false } | { found: true; value: StructuredValue; line?: number };

/** Files whose readers disagree on a repeated key: shadow-utils' getdef keeps the last value, PAM's search the first. */
const READERS_DISAGREE = new Set(["/etc/login.defs"]);

function lookupKey(text: string, format: Params["format"], key: string, ignoreCase = false, hostPath = ""): KeyHit {
  if (format === "yaml" || format === "json") {
    const r = lookupStructured(text, format, key);
    if (!r.ok) return { error: r.error };
    return r;
  }
  if (format === "space") {
    const entries = parseSpaceKeyValue(text).entries;
    const entry = lookupSpace(entries, key);
    // login.defs: shadow-utils' getdef (useradd, passwd) keeps the last value of a key, PAM's
    // pam_modutil_search_key (pam_umask) the first, case-insensitively. Set twice with
    // different values, which one a program runs with depends on the program: unseen.
    // (sshd_config has one reader, sshd, for which the first counts.)
    const want = key.toLowerCase();
    const stop = entries.findIndex((e) => e.key.toLowerCase() === "match" && want !== "match");
    const all = (stop === -1 ? entries : entries.slice(0, stop)).filter((e) => e.key.toLowerCase() === want);
    if (entry && READERS_DISAGREE.has(hostPath) && all.some((e) => e.value !== entry.value)) {
      return { error: `${key} is set ${all.length} times with different values (${all.slice(0, 4).map((e) => `line ${e.line}: ${e.value.slice(0, 40)}`).join(", ")}): programs reading this file do not agree on which counts (login.defs: shadow-utils takes the last, PAM the first)` };
    }
    return entry ? { found: true, value: entry.value, line: entry.line } : { found: false };
  }
  const entry = lookupEquals(parseEqualsKeyValue(text).entries, key, ignoreCase);
  return entry ? { found: true, value: entry.value, line: entry.line } : { found: false };
}

function contentUnknown(p: Params, reason: string): Record<string, string> {
  const u: Record<string, string> = {};
  if (p.key !== undefined) {
    u.value = reason;
    u.found = reason;
  }
  if (p.document !== undefined) u.document = reason;
  return u;
}

export default defineProbe({
  id: "file",
  summary: "A host file's type, mode and owner, and optionally a config value, a pattern or the parsed document (path, glob, a kubelet file, or a file a component names)",
  params,
  fields: [
    "path", "exists", "type", "symlink", "mode", "owner", "group", "uid", "gid", "size",
    "value", "found", "matched", "match", "document", "note", "pattern", "count", "files", "dangling",
  ],
  /** What it read, and the Kubernetes processes when the file is one a kubelet or component names. */
  watch(p, seen) {
    const poll = (p.pathOf !== undefined && p.pathOf !== "auditd-log-dir") || p.pathFrom !== undefined ? [KUBERNETES_PROCESSES] : [];
    // Without key/pattern/document the answer about the files judged is their type, mode,
    // owner and emptiness (`size: {gt: 0}` of the banners): an append to an audit log does
    // not change it. How they were found (a resolved config, passwd) stays watched whole.
    const contentRead = p.key !== undefined || p.pattern !== undefined || p.document !== undefined;
    return readsAnd(seen.reads, { poll, ...(contentRead ? {} : { metaOnly: judgedPaths(seen.fact?.value) }) });
  },
  async collect(ctx, p): Promise<Fact<FileFactValue | FileGlobFactValue>> {
    if (p.glob !== undefined) return globFact(ctx, p, p.glob, []);

    // Which file a kubelet/component path names could not be told: nothing about it may pass.
    const notObserved = (why: string): Fact<FileFactValue> => {
      const unknown: Record<string, string> = { path: why, exists: why, type: why, mode: why, owner: why, group: why, uid: why, gid: why, size: why, symlink: why };
      if (p.entries) Object.assign(unknown, { pattern: why, count: why, files: why, dangling: why });
      return { value: { path: null, exists: false, note: why }, evidence: [{ detail: why }], unknown: { ...unknown, ...contentUnknown(p, why) } };
    };
    let hostPath: string;
    // What was not seen while finding the file but does not decide which file it is.
    let notes: string[] = [];
    // Where the path came from (auditd.conf's log_file line), shown beside what is found there.
    let where: Evidence[] = [];
    if (p.pathOf === "auditd-log-dir") {
      const r = await auditdLogDir(ctx);
      if ("unobserved" in r) return notObserved(r.unobserved);
      hostPath = r.dir;
      where = [r.evidence];
    } else if (p.pathOf !== undefined) {
      const r = kubeletFile(await kubeletInfo(ctx), p.pathOf);
      if ("unobserved" in r) return notObserved(`which file is the kubelet's ${p.pathOf} could not be observed: ${r.unobserved}`);
      if ("note" in r) return { value: { path: null, exists: false, note: r.note }, evidence: [] };
      hostPath = r.path;
      notes = r.notes ?? [];
    } else if (p.pathFrom !== undefined) {
      const r = await componentFile(ctx, p.pathFrom);
      if ("unobserved" in r) return notObserved(`which file ${p.pathFrom.component} uses could not be observed: ${r.unobserved}`);
      if ("note" in r) {
        const value: FileFactValue = { path: null, exists: false, note: r.note };
        if (p.key !== undefined) value.found = false;
        if (p.pattern !== undefined) value.matched = false;
        if (p.document !== undefined) value.document = null;
        // The note is the only "where": a failed check must say why there is no file.
        return { value, evidence: [{ detail: r.note }] };
      }
      hostPath = r.path;
      notes = r.notes ?? [];
    } else {
      hostPath = p.path as string;
    }
    if (p.entries) {
      // A directory name with glob characters would be read as a pattern.
      if (/[*?[]/.test(hostPath)) return notObserved(`${hostPath} has glob characters in its name: its entries were not listed`);
      return globFact(ctx, p, `${trimTrailingSlashes(hostPath)}/*`, where); // not /\/+$/: quadratic on a long run of slashes
    }
    const r = await inspectNamed(ctx, p, hostPath, false);
    const evidence = [...where, ...r.evidence, ...notes.map((detail) => ({ detail }))];
    const unknown = { ...r.namesUnknown, ...(r.contentError ? contentUnknown(p, r.contentError) : {}), ...r.patternUnknown };
    if (Object.keys(unknown).length > 0) return { value: r.value, evidence, unknown };
    return { value: r.value, evidence };
  },
});

/**
 * config-line: set one setting in a config file, keeping its comments and layout.
 *
 * - `sshd`   `Key value`, keywords case-insensitive, FIRST value wins (sshd_config(5)), and
 *            `Match` blocks scope what follows them: the setting goes before the first
 *            `Match`, replacing the first global occurrence; later global occurrences with
 *            another value are commented out so a reader is not misled.
 * - `space`  `key value`, last value wins (modprobe.d-style files).
 * - `equals` `key = value` / `key=value`, last value wins (sysctl.d); the file's own
 *            spacing around `=` is kept.
 * - `yaml`   a dotted key in a YAML file (the kubelet's --config) through the yaml
 *            package's Document API, which keeps comments and key order.
 * A missing file is created (not for yaml: a kubelet config that is not there is not the
 * file the kubelet reads).
 */
import { loadYaml, yamlNow } from "../util/yaml.js";
import { z } from "zod";
import { kubeletInfo } from "../probes/k8s/kubelet-info.js";
import { missingDirs } from "./atomic.js";
import { exactlyOneTarget, resolveTarget, targetShape } from "./target.js";
import { defineFix, FixRefused, type Change } from "./types.js";

type Scalar = string | number | boolean;

interface Lines {
  lines: string[];
  eol: string;
}

function split(text: string): Lines {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(eol);
  if (lines.at(-1) === "") lines.pop();
  return { lines, eol };
}

function join(l: Lines): string {
  return l.lines.length === 0 ? "" : l.lines.join(l.eol) + l.eol;
}

// `(.*)` then trimEnd(), not `(.*?)\s*$`: the lazy group rescanned every run of blanks (quadratic).
const LINE_RE = /^(\s*)([^\s=#]+)(\s*=\s*|\s+)(.*)$/s;

function parseLine(line: string): { indent: string; key: string; sep: string; value: string } | null {
  if (/^\s*(#|;|$)/.test(line)) return null;
  const m = LINE_RE.exec(line);
  if (!m) return null;
  return { indent: m[1] as string, key: m[2] as string, sep: m[3] as string, value: (m[4] as string).trimEnd().replace(/^"(.*)"$/s, "$1") };
}

/** sshd_config: first value wins; the setting must be global (before the first Match). */
export function setSshdOption(text: string, key: string, value: string): string {
  const l = split(text);
  const lower = key.toLowerCase();
  let matchIdx = l.lines.findIndex((x) => /^\s*match\s/i.test(x));
  if (matchIdx === -1) matchIdx = l.lines.length;
  const occ: number[] = [];
  for (let i = 0; i < matchIdx; i++) {
    const p = parseLine(l.lines[i] as string);
    if (p && p.key.toLowerCase() === lower) occ.push(i);
  }
  const wanted = `${key} ${value}`;
  const same = (i: number) => parseLine(l.lines[i] as string)?.value.toLowerCase() === value.toLowerCase();
  if (occ.length > 0) {
    const first = occ[0] as number;
    if (same(first)) return text;
    l.lines[first] = `${parseLine(l.lines[first] as string)?.indent ?? ""}${wanted}`;
    for (const i of occ.slice(1)) if (!same(i)) l.lines[i] = `# ${(l.lines[i] as string).trim()}  # nodeward: superseded by ${wanted}`;
    return join(l);
  }
  // Insert before the comment block that introduces the first Match (it describes the block).
  let at = matchIdx;
  if (matchIdx < l.lines.length) {
    while (at > 0 && /^\s*#/.test(l.lines[at - 1] as string)) at--;
    l.lines.splice(at, 0, wanted, "");
  } else {
    l.lines.push(wanted);
  }
  return join(l);
}

/** `key value` or `key = value`, the last occurrence wins; `same` compares keys (sysctl: . and / are equal). */
export function setLastWins(
  text: string,
  key: string,
  value: string,
  style: "space" | "equals",
  sameKey: (a: string, b: string) => boolean = (a, b) => a === b,
): string {
  const l = split(text);
  let last = -1;
  for (let i = 0; i < l.lines.length; i++) {
    const p = parseLine(l.lines[i] as string);
    if (p && sameKey(p.key, key) && (style === "equals" ? p.sep.includes("=") : !p.sep.includes("="))) last = i;
  }
  if (last >= 0) {
    const p = parseLine(l.lines[last] as string) as NonNullable<ReturnType<typeof parseLine>>;
    if (p.value === value) return text;
    l.lines[last] = `${p.indent}${p.key}${p.sep}${value}`;
    return join(l);
  }
  l.lines.push(style === "equals" ? `${key} = ${value}` : `${key} ${value}`);
  return join(l);
}

/** Set a dotted key in a YAML document, keeping comments; unchanged text when already set (after `loadYaml()`). */
export function setYamlKey(text: string, dotted: string, value: Scalar): string {
  const { Document, isScalar, parseDocument } = yamlNow();
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) throw new FixRefused("FIX_NOT_YAML", { reason: String(parsed.errors[0]?.message.split("\n")[0]) });
  const doc = parsed.contents === null ? new Document({}) : parsed;
  if (doc.errors.length > 0) throw new FixRefused("FIX_NOT_YAML", { reason: String(doc.errors[0]?.message.split("\n")[0]) });
  const keys = dotted.split(".");
  const cur = doc.getIn(keys, true);
  if (isScalar(cur) && cur.value === value) return text;
  doc.setIn(keys, value);
  return doc.toString();
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export default defineFix({
  id: "config-line",
  summary: "Set `key value` / `key = value` / a YAML key in a config file, keeping comments and layout (sshd first-value-wins aware)",
  params: z
    .strictObject({
      ...targetShape,
      format: z.enum(["sshd", "space", "equals", "yaml"]),
      key: z.string().min(1).regex(/^[^\s=#]+$/, "a key has no spaces, '=' or '#'"),
      value: scalar,
      /** Mode for a file that has to be created. */
      mode: z.string().regex(/^0?[0-7]{3,4}$/).default("0644"),
      /** A kubelet flag that, when set, overrides this config key: refuse rather than change a file that would not matter. */
      overriddenByFlag: z.string().min(1).optional(),
      /** What the change needs to take effect (a kubelet config key: kubelet-restart). */
      needs: z.enum(["reboot", "kubelet-restart", "sshd-reload", "relogin"]).optional(),
    })
    .refine(exactlyOneTarget, "give exactly one of path, pathOf"),
  async plan(ctx, p) {
    const path = await resolveTarget(ctx, p);
    if (p.overriddenByFlag) {
      const info = await kubeletInfo(ctx.probe);
      const flag = p.overriddenByFlag.replace(/^-+/, "");
      if (info.flags[flag] !== undefined) {
        const src = info.flagSources?.[flag];
        const where = src?.file ? ` (${src.file}${src.line ? `:${src.line}` : ""})` : src?.pid ? ` (pid ${src.pid})` : "";
        throw new FixRefused("FIX_KUBELET_FLAG", { flag, value: String(info.flags[flag]), where, key: p.key, path });
      }
    }
    const cur = await ctx.readFile(path);
    if (!cur && p.format === "yaml") throw new FixRefused("FIX_NO_TARGET_FILE", { path });
    const text = cur?.content ?? "";
    if (p.format === "yaml") await loadYaml();
    const value = String(p.value);
    const next =
      p.format === "sshd" ? setSshdOption(text, p.key, value)
      : p.format === "yaml" ? setYamlKey(text, p.key, p.value)
      : setLastWins(text, p.key, value, p.format);
    if (cur && next === text) return [];
    const after = { content: next, mode: cur?.mode ?? parseInt(p.mode, 8), uid: cur?.uid ?? 0, gid: cur?.gid ?? 0 };
    const mkdirs = cur ? [] : await missingDirs(ctx.host, path);
    const change: Change = { kind: "write-file", path, before: cur, after, ...(mkdirs.length ? { mkdirs } : {}) };
    return [change];
  },
});

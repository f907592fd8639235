/** How a planned change reads to a person: a unified diff for files, the command for the rest. */
import type { HostRoot } from "../host/host-root.js";
import { assertNever } from "../util/assert-never.js";
import { redactText } from "../util/redact.js";
import type { Change, FileState } from "./types.js";

const oct = (m: number): string => m.toString(8).padStart(4, "0");

/** Line diff (LCS) with `context` lines around each change; big files fall back to a summary. */
export function unifiedDiff(a: string, b: string, context = 2): string[] {
  const x = a === "" ? [] : a.replace(/\n$/, "").split("\n");
  const y = b === "" ? [] : b.replace(/\n$/, "").split("\n");
  if (x.length * y.length > 4_000_000) return [`@@ file replaced: ${x.length} → ${y.length} lines @@`];
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      (lcs[i] as Uint32Array)[j] = x[i] === y[j] ? ((lcs[i + 1] as Uint32Array)[j + 1] as number) + 1 : Math.max((lcs[i + 1] as Uint32Array)[j] as number, (lcs[i] as Uint32Array)[j + 1] as number);
    }
  }
  const ops: { t: " " | "-" | "+"; s: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({ t: " ", s: x[i++] as string, ai: i, bi: ++j });
    else if (i < n && (j >= m || ((lcs[i + 1] as Uint32Array)[j] as number) >= ((lcs[i] as Uint32Array)[j + 1] as number))) ops.push({ t: "-", s: x[i++] as string, ai: i, bi: j });
    else ops.push({ t: "+", s: y[j++] as string, ai: i, bi: j });
  }
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if ((ops[k] as { t: string }).t === " ") {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are within 2*context of each other.
    for (;;) {
      while (end < ops.length && (ops[end] as { t: string }).t !== " ") end++;
      let next = end;
      while (next < ops.length && (ops[next] as { t: string }).t === " " && next - end < 2 * context) next++;
      if (next < ops.length && (ops[next] as { t: string }).t !== " ") end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aStart = hunk.filter((o) => o.t !== "+").length ? (hunk.find((o) => o.t !== "+")?.ai ?? 0) : 0;
    const bStart = hunk.filter((o) => o.t !== "-").length ? (hunk.find((o) => o.t !== "-")?.bi ?? 0) : 0;
    out.push(`@@ -${aStart},${hunk.filter((o) => o.t !== "+").length} +${bStart},${hunk.filter((o) => o.t !== "-").length} @@`);
    for (const o of hunk) out.push(`${o.t}${o.s}`);
    k = stop;
    start = stop;
  }
  return out;
}

function meta(s: FileState | null): string {
  return s ? `mode ${oct(s.mode)}, owner ${s.uid}:${s.gid}` : "does not exist";
}

export function renderChange(c: Change, host?: HostRoot): string[] {
  switch (c.kind) {
    case "write-file": {
      const lines = [`--- ${c.before ? c.path : "/dev/null"}\t(${meta(c.before)})`, `+++ ${c.path}\t(${meta(c.after)})`];
      if (c.mkdirs?.length) lines.push(`(creates ${c.mkdirs.join(", ")})`);
      return [...lines, ...unifiedDiff(c.before?.content ?? "", c.after.content)];
    }
    case "chmod":
      return [`chmod ${oct(c.from)} → ${oct(c.to)}  ${c.path}`];
    case "chown":
      return [`chown ${c.from.uid}:${c.from.gid} → ${c.to.uid}:${c.to.gid}  ${c.path}`];
    case "unit":
      return c.ops.map((op) =>
        host && !host.isLive
          ? op === "stop" ? `(skip: systemctl stop ${c.unit} — live host only)` : `systemctl --root=${host.root} ${op} ${c.unit}`
          : `systemctl ${op} ${c.unit}`,
      );
    case "command":
      return [`$ ${c.env ? Object.entries(c.env).map(([k, v]) => `${k}=${v} `).join("") : ""}${c.argv.join(" ")}    # ${c.why}`, ...(c.manualUndo ? [`  (not undoable by nodeward: ${c.manualUndo})`] : c.undo ? [`  (undo: ${c.undo.join(" ")})`] : [])];
    default:
      return assertNever(c, "change kind");
  }
}

/**
 * renderChange, redacted for any output a person or a tool sees (the CLI's dry run, the
 * dashboard's previews). The change is redacted whole first, so a secret spanning lines (a
 * PEM block a fix would write) is masked as a block; then each `+`/`-` line as the file line
 * it quotes (`+password = x` is `password = x` in the file).
 */
export function renderChangeRedacted(c: Change, host?: HostRoot): string[] {
  return redactText(renderChange(c, host).join("\n")).split("\n").map(redactDiffLine);
}

function redactDiffLine(l: string): string {
  if (!/^[-+](?![-+]{2} )/.test(l)) return l;
  return l[0] + redactText(` ${l.slice(1)}`).slice(1);
}

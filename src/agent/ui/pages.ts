/**
 * The dashboard's pages, rendered on the server from the HTML reporter's view-model
 * (report/html-view.ts): plain HTML, no script, one stylesheet, an inline SVG sparkline,
 * filters as query strings (a GET form). Pure functions of `UiData` — the route plugin
 * (routes/ui.ts) gathers it from the agent — so what a page shows is testable without
 * HTTP. Every value goes through `esc`; nothing here reads a file. Actions are commands
 * to copy: the pages change nothing, and no page links to a route that does.
 */
import type { CheckResult, Severity, Status, WaiverStatus } from "../../engine/result.js";
import { SEVERITIES, STATUSES } from "../../engine/result.js";
import type { FixPreview } from "../../remediation/preview.js";
import {
  bySeverity,
  checkAnchor,
  esc,
  evidenceHtml,
  failsFirst,
  kubernetesText,
  referencesHtml,
  SEVERITY_ORDER,
  STATUS_GROUP,
  STATUS_LABEL,
  STATUS_ORDER,
} from "../../report/html-view.js";
import type { ScanSummary } from "../state.js";
import type { WaivedReport } from "../waivers.js";
import { UI_CSS_PATH } from "./style.js";

/** What a check's catalog entry adds to its result on the check page. */
export interface CheckInfo {
  key: string;
  pack: string;
  id: string;
  title: string;
  benchmark: string;
  severity: Severity;
  level?: number;
  description?: string;
  rationale?: string;
  remediation?: string;
  fix?: string;
}

/** Everything a page shows, gathered by the route from the agent at request time. */
export interface UiData {
  now: Date;
  /** The running agent's version. */
  agentVersion: string;
  /** The latest report with today's waivers, or undefined before the first scan. */
  view: WaivedReport | undefined;
  /** Scan summaries, newest first. */
  history: readonly ScanSummary[];
  /** The scan in progress. */
  running?: { id: string; trigger: string; startedAt: string } | undefined;
  profile?: string | undefined;
  schedule: string;
  /** A finished scan older than this is stale (twice the schedule's interval). */
  staleAfterMs: number;
  /** Drift detection, when the agent's config has the setting. */
  drift?: boolean | undefined;
  /** The root the agent scans ("/", or /host in a DaemonSet). */
  root: string;
  tokenFile: string;
  /** Base URL a person on the node uses for the API (for the commands to copy). */
  apiBase: string;
  /** Formatted pack load errors. */
  loadErrors: readonly string[];
  /** Why the agent is degraded (readiness), pack errors excluded. */
  degraded: readonly string[];
  /** Check key → start of the scan since which it fails without a break. */
  failingSince: Readonly<Record<string, string>>;
  /** Check key → the dry run of its fix, as of the latest scan. */
  previews: ReadonlyMap<string, FixPreview>;
  /** The catalog entry of a check key. */
  checkInfo(key: string): CheckInfo | undefined;
}

/** Filters of the overview's check list (query string). */
export interface UiFilter {
  statuses: Status[];
  severities: Severity[];
  pack?: string | undefined;
  q?: string | undefined;
}

export const DEFAULT_FILTER: UiFilter = { statuses: ["fail"], severities: [...SEVERITIES] };
const LIST_TITLE: Record<Status, string> = { fail: "Failing checks", error: "Checks in error", manual: "Checks for manual review", skip: "Checks not applicable", pass: "Passing checks" };

/** Checks shown in full on the overview; past this the list says how many more match. */
export const OVERVIEW_LIMIT = 40;
/** Characters of a message, observed or expected value the overview quotes; the check page has them whole. */
export const OVERVIEW_TEXT_CHARS = 240;
/** Lines of a fix's dry run the overview quotes; the check page has them all. */
export const OVERVIEW_PREVIEW_LINES = 6;
/** Characters of a check's remediation text the overview quotes; the check page has it all. */
export const OVERVIEW_REMEDIATION_CHARS = 600;
/** A waiver expiring within this many days is listed as expiring. */
export const EXPIRING_DAYS = 14;

const DAY_MS = 86_400_000;

// ---- small formatting helpers --------------------------------------------------------------

/** "2026-12-04 23:36 UTC" */
export function utc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "45 s", "12 min", "3 h 12 min", "2 d 4 h" */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ""}`;
  const d = Math.floor(h / 24);
  return `${d} d${h % 24 ? ` ${h % 24} h` : ""}`;
}

/** A word for a shell: as is when plain, else in single quotes. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function checkHref(r: { pack: string; id: string }): string {
  return `/ui/checks/${encodeURIComponent(r.pack)}/${encodeURIComponent(r.id)}`;
}

function filterHref(f: Partial<UiFilter>): string {
  const p = new URLSearchParams();
  for (const s of f.statuses ?? []) p.append("status", s);
  for (const s of f.severities ?? []) p.append("severity", s);
  if (f.pack) p.set("pack", f.pack);
  if (f.q) p.set("q", f.q);
  const qs = p.toString();
  return `/ui${qs ? `?${qs}` : ""}#checks`;
}

// ---- the page frame ---------------------------------------------------------------------------

type NavItem = "overview" | "errors" | "check" | "none";

function page(d: UiData, title: string, current: NavItem, main: string): string {
  const host = d.view?.host.hostname ?? d.root;
  const errors = (d.view?.summary.error ?? 0) + d.loadErrors.length + d.degraded.length;
  const nav = (href: string, item: NavItem, label: string) => `<a href="${href}"${current === item ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · nodeward · ${esc(host)}</title>
<link rel="stylesheet" href="${UI_CSS_PATH}">
</head>
<body>
<header class="top"><a class="brand" href="/ui">nodeward</a> <span class="node" id="node-name">${esc(host)}</span>
<nav>${nav("/ui", "overview", "Overview")} ${nav("/ui/errors", "errors", `Errors <span class="count${errors === 0 ? " zero" : ""}" id="nav-errors">${errors}</span>`)} <a href="/api/v1/scans/latest?format=html">Full report</a></nav></header>
<main>
${main}
</main>
<footer>nodeward ${esc(d.agentVersion)} · read-only page: it changes nothing on this node; every action is a command to run on the node.</footer>
</body>
</html>
`;
}

// ---- shared blocks ------------------------------------------------------------------------------

function staleness(d: UiData): string {
  const out: string[] = [];
  if (d.running) out.push(`<p class="banner info" id="scanning">A ${esc(d.running.trigger)} scan is running (started ${esc(utc(d.running.startedAt))}).</p>`);
  const v = d.view;
  if (!v) {
    out.push(`<p class="banner" id="no-scan">No scan has finished yet${d.running ? "" : `; the schedule is <code>${esc(d.schedule)}</code>`}.</p>`);
    return out.join("\n");
  }
  const finished = Date.parse(v.startedAt) + v.durationMs;
  const age = d.now.getTime() - finished;
  if (age > d.staleAfterMs) {
    out.push(
      `<p class="banner" id="stale"><strong>Stale:</strong> the last scan finished ${esc(duration(age))} ago, more than twice the schedule's interval (<code>${esc(d.schedule)}</code>). ` +
        `These results may no longer describe the node; see the agent's log (<code>journalctl -u nodeward</code>).</p>`,
    );
  }
  return out.join("\n");
}

function nodeHeader(d: UiData): string {
  const v = d.view;
  const rows: [string, string][] = [];
  const row = (k: string, html: string) => rows.push([k, html]);
  if (v) {
    const h = v.host;
    row("Kubernetes", v.kubernetes ? esc(kubernetesText(v.kubernetes)) : "(not recorded by this scan)");
    row("System", esc([h.os, h.osVersion].filter(Boolean).join(" ") || "(unknown)"));
    row("Kernel", esc([h.kernel, h.arch].filter(Boolean).join(" ") || "(unknown)"));
    row("Root", esc(h.live ? `${h.root} (live system)` : `${h.root} (mounted root)`));
  } else {
    row("Root", esc(d.root));
  }
  row("Agent", `nodeward ${esc(d.agentVersion)}${v && v.tool.version !== d.agentVersion ? ` (the last scan was made by ${esc(v.tool.version)})` : ""}`);
  row("Profile", d.profile ? `<code>${esc(d.profile)}</code>` : "none: the benchmarks' own values");
  if (v) {
    // Folded: a node runs a dozen packs, and the failing checks should be above the fold.
    const list = `<ul class="packs">${v.packs.map((p) => `<li>${esc(p.benchmark)} <span class="pack-tag">${esc(p.id)} ${esc(p.version)} · ${p.checks} checks</span></li>`).join("")}</ul>`;
    const names = v.packs.map((p) => `${p.id} ${p.version}`).join(", ");
    row("Packs", `<details class="packs" id="packs" data-count="${v.packs.length}"><summary>${v.packs.length} pack(s): ${esc(names.length > 90 ? `${names.slice(0, 90)}…` : names)}</summary>${list}</details>`);
    const finished = Date.parse(v.startedAt) + v.durationMs;
    const age = d.now.getTime() - finished;
    row(
      "Last scan",
      `<span id="last-scan" data-started="${esc(v.startedAt)}">${esc(utc(v.startedAt))}</span>, <span id="scan-age">${esc(duration(age))} ago</span>` +
        `${age > d.staleAfterMs ? ' <span class="badge s-error">STALE</span>' : ""} · ${esc(v.trigger ?? "scan")} · took ${esc((v.durationMs / 1000).toFixed(2))} s`,
    );
  }
  row("Schedule", `<code>${esc(d.schedule)}</code>`);
  if (d.drift !== undefined) row("Drift detection", d.drift ? "on" : "off");
  return `<section id="node" aria-label="Node">
<h1>${esc(v?.host.hostname ?? d.root)}</h1>
<dl class="meta">${rows.map(([k, html]) => `<dt${k === "Packs" ? ' class="wide"' : ""}>${esc(k)}</dt><dd${k === "Packs" ? ' class="wide"' : ""}>${html}</dd>`).join("")}</dl>
</section>`;
}

function counts(d: UiData, v: WaivedReport): string {
  const cards = STATUS_ORDER.map(
    (s) =>
      `<a class="card s-${s}" id="count-${s}" data-count="${v.summary[s]}" href="${esc(filterHref({ statuses: [s] }))}"><span class="n">${v.summary[s]}</span> <span class="badge s-${s}">${STATUS_LABEL[s]}</span></a>`,
  ).join("\n");
  const waived = v.results.filter((r) => r.waiver !== undefined).length;
  const rows = bySeverity(v.results)
    .filter((r) => r.total > 0)
    .map(
      (r) =>
        `<tr id="sev-row-${r.severity}"><td>${r.severity}</td>${STATUS_ORDER.map((s) => `<td class="${r.counts[s] === 0 ? "zero" : s === "fail" || s === "error" ? `s-${s}-text` : ""}">${r.counts[s]}</td>`).join("")}<td>${r.total}</td></tr>`,
    )
    .join("");
  return `<section id="counts" aria-label="Counts">
<h2>Checks <span class="n" id="count-total" data-count="${v.results.length}">${v.results.length}</span>${waived > 0 ? ` <span class="waived" id="count-waived" data-count="${waived}">${waived} under a waiver</span>` : ""}</h2>
<div class="cards">
${cards}
</div>
<div class="split">
<table class="data"><caption>By severity and status</caption><thead><tr><th>Severity</th>${STATUS_ORDER.map((s) => `<th>${STATUS_LABEL[s]}</th>`).join("")}<th>Total</th></tr></thead><tbody>${rows}</tbody></table>
${d.history.length > 0 ? `<div><span class="lbl">FAIL (solid) and ERROR (dashed) over the last ${Math.min(20, d.history.length)} scan(s) · <a href="#history">table</a></span>${sparkline(d.history.slice(0, 20))}</div>` : ""}
</div>
</section>`;
}

function diffHtml(lines: readonly string[]): string {
  return lines
    .map((l) => {
      const cls = l.startsWith("+++") || l.startsWith("---") ? "" : l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : "";
      return cls ? `<span class="${cls}">${esc(l)}</span>` : esc(l);
    })
    .join("\n");
}

function commands(d: UiData, key: string): { scan: string; dryRun: string; apply: string } {
  const base = ["nodeward", "remediate", "--check", shq(key), ...(d.profile ? ["--profile", shq(d.profile)] : []), ...(d.root !== "/" ? ["--root", shq(d.root)] : [])].join(" ");
  return {
    scan: ["nodeward", "scan", "--check", shq(key), ...(d.profile ? ["--profile", shq(d.profile)] : []), ...(d.root !== "/" ? ["--root", shq(d.root)] : [])].join(" "),
    dryRun: base,
    apply: `sudo ${base} --apply`,
  };
}

/** The remediation text, the dry-run preview and the commands to copy. */
function remedy(d: UiData, r: CheckResult, info: CheckInfo | undefined, textCap = Infinity): string {
  const key = `${r.pack}/${r.id}`;
  const parts: string[] = [];
  const text = r.remediation ?? info?.remediation;
  if (text) {
    const t = text.trimEnd();
    const cut = t.length > textCap ? `${t.slice(0, textCap)}…` : t;
    parts.push(`<span class="lbl">Remediation</span><pre>${esc(cut)}</pre>${cut !== t ? `<p class="why"><a href="${esc(checkHref(r))}#remedy">The whole text</a></p>` : ""}`);
  }
  const p = d.previews.get(key);
  const cmd = commands(d, key);
  if (p) {
    parts.push(`<span class="lbl">Dry run of the fix <code>${esc(p.action)}</code>${p.needs ? ` (then: ${esc(p.needs)})` : ""}, as of the last scan</span>`);
    if (p.error) parts.push(`<p class="why">The fix cannot be planned: ${esc(p.error)}</p>`);
    else if (p.lines.length === 0 && p.skipped.length === 0) parts.push(`<p class="why">Nothing to change.</p>`);
    // On the overview a preview is cut to OVERVIEW_PREVIEW_LINES short lines; the check page has it whole.
    const short = Number.isFinite(textCap);
    const shown = (ls: readonly string[]) => (short ? ls.slice(0, OVERVIEW_PREVIEW_LINES).map((l) => (l.length > OVERVIEW_TEXT_CHARS ? `${l.slice(0, OVERVIEW_TEXT_CHARS)}…` : l)) : ls);
    const more = (ls: readonly string[], omitted = 0) => {
      const cut = ls.length - shown(ls).length;
      if (cut > 0) return `\n<a href="${esc(checkHref(r))}#remedy">… ${cut + omitted} more line(s)</a>`;
      return omitted ? `\n… ${omitted} more line(s): run the dry run below` : "";
    };
    if (p.lines.length > 0) parts.push(`<pre class="diff" id="preview-${esc(checkAnchor(r))}">${diffHtml(shown(p.lines))}${more(p.lines, p.omitted)}</pre>`);
    if (p.skipped.length > 0) parts.push(`<span class="lbl">Not done from here</span><pre class="diff">${diffHtml(shown(p.skipped))}${more(p.skipped)}</pre>`);
    parts.push(`<span class="lbl">Preview, then apply (on the node, as root)</span><pre class="cmd">${esc(cmd.dryRun)}</pre><pre class="cmd">${esc(cmd.apply)}</pre>`);
  } else if (r.status === "fail" && (r.fix ?? info?.fix)) {
    parts.push(`<span class="lbl">Preview the automatic fix (on the node, as root)</span><pre class="cmd">${esc(cmd.dryRun)}</pre>`);
  }
  parts.push(`<span class="lbl">Check again</span><pre class="cmd">${esc(cmd.scan)}</pre>`);
  return parts.join("\n");
}

function sinceText(d: UiData, r: CheckResult): string {
  const since = d.failingSince[`${r.pack}/${r.id}`];
  if (r.status !== "fail" || !since) return "";
  const first = d.view && since === d.view.startedAt;
  return `<span class="since">failing since ${esc(utc(since))}${first ? " (this scan)" : ` (${esc(duration(d.now.getTime() - Date.parse(since)))})`}</span>`;
}

/** Checks in error the overview lists by name; the errors page lists them all. */
export const OVERVIEW_ERRORS = 10;

/** Evidence items an overview entry lists; the check page lists them all. */
export const OVERVIEW_EVIDENCE = 5;

function checkArticle(d: UiData, r: CheckResult, withRemedy: boolean, evidenceCap = Infinity): string {
  const refs = referencesHtml(r);
  const since = sinceText(d, r);
  const line = [refs, since, r.waiver ? `<span class="waived">waived until ${esc(r.waiver.expires)}: ${esc(r.waiver.reason)}</span>` : ""].filter((s) => s !== "");
  // On the overview (a finite evidence cap) long texts are cut; the check page quotes them whole.
  const cut = (t: string) => (Number.isFinite(evidenceCap) && t.length > OVERVIEW_TEXT_CHARS ? `${t.slice(0, OVERVIEW_TEXT_CHARS)}…` : t);
  const oe =
    r.observed !== undefined || r.expected !== undefined
      ? `<div class="oe"><div><span class="lbl">Observed</span><code>${esc(cut(r.observed ?? "(nothing)"))}</code></div><div><span class="lbl">Expected</span><code>${esc(cut(r.expected ?? "(see the check)"))}</code></div></div>`
      : "";
  const evs = r.evidence.slice(0, evidenceCap);
  const hidden = r.evidence.length - evs.length;
  const ev =
    evs.length > 0
      ? `<ul class="evidence">${evs.map((e) => `<li>${evidenceHtml(e)}</li>`).join("")}${hidden > 0 ? `<li class="pack-tag"><a href="${esc(checkHref(r))}">${hidden} more</a></li>` : ""}</ul>`
      : "";
  return `<article class="check s-${r.status}" id="${esc(checkAnchor(r))}" data-status="${r.status}" data-severity="${r.severity}" data-pack="${esc(r.pack)}">
<h4><span class="badge s-${r.status}">${STATUS_LABEL[r.status]}</span> <span class="sev sev-${r.severity}">${r.severity}</span> <a href="${esc(checkHref(r))}"><span class="cid">${esc(r.id)}</span> ${esc(r.title)}</a> <span class="pack-tag">${esc(r.pack)}</span></h4>
${r.message ? `<p class="why">${esc(cut(r.message))}</p>` : ""}${oe}${ev}${line.length > 0 ? `<p class="line">${line.join(" · ")}</p>` : ""}${withRemedy ? `<details class="more"><summary>Remediation, dry run and commands</summary>${remedy(d, r, d.checkInfo(`${r.pack}/${r.id}`), OVERVIEW_REMEDIATION_CHARS)}</details>` : ""}
</article>`;
}

function errorsBlock(d: UiData, full: boolean): string {
  const v = d.view;
  const errs = v ? failsFirst(v).filter((r) => r.status === "error") : [];
  const items: string[] = [];
  for (const e of d.loadErrors) items.push(`<li class="load-error"><strong>Pack did not load:</strong> <code>${esc(e)}</code></li>`);
  for (const e of d.degraded) items.push(`<li class="agent-error"><strong>Agent:</strong> ${esc(e)}</li>`);
  const total = errs.length + items.length;
  // The overview lists the first OVERVIEW_ERRORS (agent and pack problems, then checks, most
  // severe first) and links to them all: the count is always whole (here, in the nav), and the
  // errors page lists every one.
  const shownItems = full ? items : items.slice(0, OVERVIEW_ERRORS);
  const listed = full ? errs : errs.slice(0, Math.max(0, OVERVIEW_ERRORS - shownItems.length));
  const list = full
    ? errs.map((r) => checkArticle(d, r, false)).join("\n")
    : listed.length > 0
      ? `<ul>${listed.map((r) => `<li><span class="sev sev-${r.severity}">${r.severity}</span> <a href="${esc(checkHref(r))}"><span class="cid">${esc(r.id)}</span> ${esc(r.title)}</a> <span class="pack-tag">${esc(r.pack)}</span>${r.message ? `: ${esc(r.message)}` : ""}</li>`).join("")}</ul>`
      : "";
  const hidden = total - shownItems.length - listed.length;
  const more = !full && hidden > 0 ? `<p id="more-errors"><a href="/ui/errors">All ${total} errors</a> (${hidden} more)</p>` : "";
  return `<section id="errors" class="errors" aria-label="Errors" data-count="${total}">
<h2>Errors <span class="n">${total}</span></h2>
${total === 0 ? `<p class="none">No check errored${d.loadErrors.length === 0 ? " and every pack loaded" : ""}.</p>` : `<p>A check in error could not be evaluated: it is not a pass. These are never filtered out.</p>`}
${shownItems.length > 0 ? `<ul>${shownItems.join("")}</ul>` : ""}
${list}
${more}
</section>`;
}

function sparkline(history: readonly ScanSummary[]): string {
  const scans = [...history].reverse(); // oldest first
  if (scans.length === 0) return "";
  const W = 240;
  const H = 48;
  const pad = 4;
  let max = 1;
  for (const s of scans) max = Math.max(max, s.summary.fail, s.summary.error);
  const x = (i: number) => (scans.length === 1 ? W / 2 : pad + (i * (W - 2 * pad)) / (scans.length - 1));
  const y = (n: number) => H - pad - (n * (H - 2 * pad)) / max;
  const pts = (f: (s: ScanSummary) => number) => scans.map((s, i) => `${x(i).toFixed(1)},${y(f(s)).toFixed(1)}`).join(" ");
  const last = scans.at(-1) as ScanSummary;
  const fails = scans.map((s) => s.summary.fail).join(", ");
  let lo = Infinity;
  let hi = 0;
  for (const s of scans) {
    lo = Math.min(lo, s.summary.fail);
    hi = Math.max(hi, s.summary.fail);
  }
  return `<svg class="spark" id="sparkline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="spark-title" data-points="${scans.length}">
<title id="spark-title">Failing checks in the last ${scans.length} scan(s), oldest first: ${fails}</title>
<line class="axis" x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}"/>
<polyline class="error" points="${pts((s) => s.summary.error)}"/>
<polyline class="fail" points="${pts((s) => s.summary.fail)}"/>
<circle class="dot" cx="${x(scans.length - 1).toFixed(1)}" cy="${y(last.summary.fail).toFixed(1)}" r="3"/>
</svg>
<span class="line" id="spark-range">FAIL now ${last.summary.fail} · lowest ${lo} · highest ${hi}</span>`;
}

function historyBlock(d: UiData): string {
  const h = d.history.slice(0, 20);
  if (h.length === 0) return `<section id="history"><h2>Last scans</h2><p class="none">No scan recorded yet.</p></section>`;
  const rows = h
    .map(
      (s) =>
        `<tr><td class="l">${esc(utc(s.startedAt))}</td><td class="l">${esc(s.trigger)}</td><td>${esc((s.durationMs / 1000).toFixed(2))} s</td>` +
        `<td class="${s.summary.fail > 0 ? "s-fail-text" : "zero"}">${s.summary.fail}</td><td class="${s.summary.error > 0 ? "s-error-text" : "zero"}">${s.summary.error}</td>` +
        `<td>${s.summary.manual}</td><td>${s.summary.skip}</td><td>${s.summary.pass}</td><td>${s.waived}</td></tr>`,
    )
    .join("\n");
  return `<section id="history" aria-label="Last scans">
<h2>Last scans <span class="n">${h.length}</span></h2>
<table class="data" id="history-table"><caption>Newest first</caption>
<thead><tr><th>Started</th><th>Trigger</th><th>Took</th><th>FAIL</th><th>ERROR</th><th>MANUAL</th><th>SKIP</th><th>PASS</th><th>Waived</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
}

/** Waivers by state as of today: active, expiring within EXPIRING_DAYS, expired, matching nothing. */
export function waiverBuckets(waivers: readonly WaiverStatus[], now: Date): { active: WaiverStatus[]; expiring: WaiverStatus[]; expired: WaiverStatus[]; unmatched: WaiverStatus[] } {
  const out = { active: [] as WaiverStatus[], expiring: [] as WaiverStatus[], expired: [] as WaiverStatus[], unmatched: [] as WaiverStatus[] };
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  for (const w of waivers) {
    if (w.state === "expired") out.expired.push(w);
    else if (w.state === "unmatched") out.unmatched.push(w);
    else if (Date.parse(`${w.expires}T00:00:00Z`) - today <= EXPIRING_DAYS * DAY_MS) out.expiring.push(w);
    else out.active.push(w);
  }
  return out;
}

function waiversBlock(d: UiData): string {
  const ws = d.view?.waivers ?? [];
  const b = waiverBuckets(ws, d.now);
  const today = Date.parse(`${d.now.toISOString().slice(0, 10)}T00:00:00Z`);
  const left = (w: WaiverStatus) => Math.round((Date.parse(`${w.expires}T00:00:00Z`) - today) / DAY_MS);
  const item = (w: WaiverStatus, note: string) =>
    `<li><code>${esc(w.check)}</code>: ${esc(w.reason)} <span class="pack-tag">until ${esc(w.expires)}${note}${w.applied.length > 0 ? ` · covers ${w.applied.map((k) => esc(k)).join(", ")}` : ""}</span></li>`;
  const list = (id: string, title: string, cls: string, items: WaiverStatus[], note: (w: WaiverStatus) => string) =>
    `<h3 id="${id}" class="${cls}" data-count="${items.length}">${title} <span class="n">${items.length}</span></h3>${items.length > 0 ? `<ul>${items.map((w) => item(w, note(w))).join("")}</ul>` : ""}`;
  return `<section id="waivers" class="waivers" aria-label="Waivers">
<h2>Waivers <span class="n">${ws.length}</span></h2>
${ws.length === 0 ? `<p class="none">No waivers configured (<code>waivers:</code> in the agent's config).</p>` : ""}
${list("waivers-expiring", `Expiring within ${EXPIRING_DAYS} days`, "expiring", b.expiring, (w) => ` (${left(w) === 0 ? "last day today" : `${left(w)} day(s) left`})`)}
${list("waivers-active", "Active", "", b.active, () => "")}
${list("waivers-expired", "Expired (no longer applied)", "expired", b.expired, (w) => ` (${-left(w)} day(s) ago)`)}
${b.unmatched.length > 0 ? list("waivers-unmatched", "Matching no check", "expired", b.unmatched, () => "") : ""}
</section>`;
}

function filterForm(d: UiData, f: UiFilter): string {
  const v = d.view as WaivedReport;
  const box = (name: string, value: string, on: boolean, label: string) => `<label><input type="checkbox" name="${name}" value="${value}"${on ? " checked" : ""}> ${label}</label>`;
  const packs = v.packs.map((p) => `<option value="${esc(p.id)}"${f.pack === p.id ? " selected" : ""}>${esc(p.id)}</option>`).join("");
  return `<form class="filters" id="filters" method="get" action="/ui">
<fieldset><legend>Status</legend>${STATUS_ORDER.map((s) => box("status", s, f.statuses.includes(s), `<span class="badge s-${s}">${STATUS_LABEL[s]}</span>`)).join(" ")}</fieldset>
<fieldset><legend>Severity</legend>${SEVERITY_ORDER.map((s) => box("severity", s, f.severities.includes(s), `<span class="sev sev-${s}">${s}</span>`)).join(" ")}</fieldset>
<label>Pack <select name="pack"><option value="">all</option>${packs}</select></label>
<label>Text <input type="search" name="q" value="${esc(f.q ?? "")}" maxlength="200" placeholder="id, title, path…"></label>
<button type="submit">Show</button> <a href="/ui#checks">reset</a>
</form>`;
}

/** The results the overview lists for a filter, fails first. */
export function filterResults(v: WaivedReport, f: UiFilter): CheckResult[] {
  const words = (f.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  return failsFirst(v).filter((r) => {
    if (!f.statuses.includes(r.status) || !f.severities.includes(r.severity)) return false;
    if (f.pack && r.pack !== f.pack) return false;
    if (words.length === 0) return true;
    const hay = [r.pack, r.id, r.title, r.benchmark, r.message ?? "", r.observed ?? "", r.expected ?? "", JSON.stringify(r.evidence), JSON.stringify(r.references)].join("\n").toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

function checksBlock(d: UiData, f: UiFilter): string {
  const v = d.view as WaivedReport;
  const shown = filterResults(v, f);
  const isDefault = f.statuses.length === 1 && f.statuses[0] === "fail" && f.severities.length === SEVERITIES.length && !f.pack && !f.q;
  const title = f.statuses.length === 1 ? LIST_TITLE[f.statuses[0] as Status] : `Checks: ${f.statuses.map((s) => STATUS_GROUP[s].toLowerCase()).join(", ")}`;
  const groups = SEVERITY_ORDER.map((sev) => {
    const rs = shown.filter((r) => r.severity === sev);
    return { sev, rs };
  }).filter((g) => g.rs.length > 0);
  let budget = OVERVIEW_LIMIT;
  const body = groups
    .map((g) => {
      const take = g.rs.slice(0, Math.max(0, budget));
      budget -= take.length;
      if (take.length === 0) return "";
      return `<h3 id="sev-${g.sev}" data-count="${g.rs.length}"><span class="sev sev-${g.sev}">${g.sev}</span> <span class="n">${g.rs.length}</span></h3>\n${take.map((r) => checkArticle(d, r, true, OVERVIEW_EVIDENCE)).join("\n")}`;
    })
    .join("\n");
  const more = shown.length > OVERVIEW_LIMIT ? `<p class="banner info" id="more">${shown.length - OVERVIEW_LIMIT} more check(s) match; narrow the filters, or open the full report.</p>` : "";
  return `<section id="checks" aria-label="Checks">
<h2>${esc(title)} <span class="n" id="shown-count" data-count="${shown.length}">${shown.length}</span>${isDefault ? "" : ` <span class="pack-tag">(filtered)</span>`}</h2>
${filterForm(d, f)}
${shown.length === 0 ? `<p class="none" id="no-match">${isDefault ? "No check fails." : "No check matches these filters."}</p>` : ""}
${body}
${more}
</section>`;
}

function actionsBlock(d: UiData): string {
  const profile = d.profile ? ` --profile ${shq(d.profile)}` : "";
  const root = d.root !== "/" ? ` --root ${shq(d.root)}` : "";
  return `<section id="actions" aria-label="Actions">
<h2>Actions</h2>
<p>This page changes nothing. To act, run on the node:</p>
<span class="lbl">Scan now (the agent's API; the token is in ${esc(d.tokenFile)})</span>
<pre class="cmd">${esc(`curl -sS -X POST -H "Authorization: Bearer $(sudo cat ${shq(d.tokenFile)})" ${d.apiBase}/api/v1/scans`)}</pre>
<span class="lbl">Preview every automatic fix, then apply (journaled; undo with nodeward rollback)</span>
<pre class="cmd">${esc(`sudo nodeward remediate${profile}${root}`)}</pre>
<pre class="cmd">${esc(`sudo nodeward remediate${profile}${root} --apply`)}</pre>
</section>`;
}

// ---- pages ------------------------------------------------------------------------------------

export function overviewPage(d: UiData, f: UiFilter = DEFAULT_FILTER): string {
  const v = d.view;
  const main = [staleness(d), nodeHeader(d), v ? counts(d, v) : "", errorsBlock(d, false), v ? checksBlock(d, f) : "", historyBlock(d), waiversBlock(d), actionsBlock(d)];
  return page(d, "Overview", "overview", main.filter((s) => s !== "").join("\n"));
}

export function errorsPage(d: UiData): string {
  return page(d, "Errors", "errors", [staleness(d), errorsBlock(d, true)].filter((s) => s !== "").join("\n"));
}

/** The check page; undefined when the agent knows no such check. */
export function checkPage(d: UiData, pack: string, id: string): string | undefined {
  const key = `${pack}/${id}`;
  const info = d.checkInfo(key);
  const r = d.view?.results.find((x) => x.pack === pack && x.id === id);
  if (!info && !r) return undefined;
  const title = r?.title ?? info?.title ?? key;
  const severity = r?.severity ?? info?.severity ?? "medium";
  const rows: [string, string][] = [];
  const row = (k: string, html: string) => rows.push([k, html]);
  row("Benchmark", `${esc(r?.benchmark ?? info?.benchmark ?? "")} <span class="pack-tag">${esc(pack)}</span>`);
  row("Severity", `${esc(severity)}${(r?.level ?? info?.level) !== undefined ? ` · level ${r?.level ?? info?.level}` : ""}`);
  if (r) {
    const refs = referencesHtml(r);
    if (refs) row("References", refs);
    if (r.tailoring) row("Tailoring", `profile <code>${esc(r.tailoring.profile)}</code>: ${esc(r.tailoring.reason)}`);
    if (r.waiver) row("Waiver", `${esc(r.waiver.reason)} (until ${esc(r.waiver.expires)})`);
    const since = sinceText(d, r);
    if (since) row("Failing", since);
  }
  const result = r
    ? `<section id="result"><h2>Result of the last scan</h2>${checkArticle(d, r, false)}</section>
<section id="remedy"><h2>Remediation</h2>${remedy(d, r, info)}</section>`
    : `<section id="result"><p class="banner info">The last scan has no result for this check${d.view ? "" : " (no scan has finished yet)"}.</p></section>`;
  const main = `${staleness(d)}
<section id="check" data-status="${r?.status ?? "none"}">
<h1>${r ? `<span class="badge s-${r.status}">${STATUS_LABEL[r.status]}</span> ` : ""}<span class="cid">${esc(id)}</span> ${esc(title)}</h1>
<dl class="detail">${rows.map(([k, html]) => `<dt>${esc(k)}</dt><dd>${html}</dd>`).join("")}</dl>
${info?.description ? `<h2>Description</h2><p>${esc(info.description)}</p>` : ""}
${info?.rationale ? `<h2>Rationale</h2><p>${esc(info.rationale)}</p>` : ""}
</section>
${result}`;
  return page(d, `${id} ${title}`, "check", main);
}

/** An HTML error page (404, 400) in the dashboard's frame. */
export function messagePage(d: UiData, title: string, message: string): string {
  return page(d, title, "none", `<section id="message"><h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="/ui">Back to the overview</a></p></section>`);
}

/** Parse the overview's query (already shape-checked by the route's schema). */
export function parseFilter(q: { status?: string | string[]; severity?: string | string[]; pack?: string; q?: string }): UiFilter {
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).filter((s) => s !== "");
  const statuses = list(q.status).filter((s): s is Status => (STATUSES as readonly string[]).includes(s));
  const severities = list(q.severity).filter((s): s is Severity => (SEVERITIES as readonly string[]).includes(s));
  return {
    statuses: statuses.length > 0 ? [...new Set(statuses)] : [...DEFAULT_FILTER.statuses],
    severities: severities.length > 0 ? [...new Set(severities)] : [...DEFAULT_FILTER.severities],
    ...(q.pack ? { pack: q.pack } : {}),
    ...(q.q?.trim() ? { q: q.q.trim() } : {}),
  };
}

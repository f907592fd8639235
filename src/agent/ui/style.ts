/**
 * The dashboard's one static stylesheet, served at UI_CSS_PATH (the pages' CSP admits
 * styles from the agent itself only: no inline style, no style attribute). Kept as a
 * module so the build needs no asset step and the bundle carries it.
 */
export const UI_CSS_PATH = "/ui/static/dashboard.css";

export const UI_CSS = `:root { --fg: #1d2228; --muted: #5b6570; --line: #d8dde3; --bg: #ffffff; --panel: #f5f7f9; --link: #1f5fa8;
  --pass: #1f7a3a; --fail: #b42318; --error: #7a3fb0; --manual: #9a6200; --skip: #5b6570; --warn-bg: #fff4e0; --warn: #8a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK KR", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
code, pre, .cid, .cmd { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { margin: 4px 0; white-space: pre-wrap; word-break: break-word; background: var(--panel); padding: 6px 8px; border-radius: 4px; }
header.top { display: flex; align-items: center; gap: 16px; padding: 8px 24px; background: #1d2228; color: #fff; }
header.top .brand { color: #fff; font-weight: 700; } header.top .node { color: #c9d1d9; }
header.top nav { margin-left: auto; display: flex; gap: 16px; } header.top nav a { color: #c9d1d9; } header.top nav a[aria-current] { color: #fff; font-weight: 600; }
.count { display: inline-block; min-width: 18px; padding: 0 5px; border-radius: 9px; background: var(--error); color: #fff; font-size: 11px; text-align: center; }
.count.zero { background: #5b6570; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 24px 32px; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; } h3 .n, h2 .n { color: var(--muted); font-weight: 400; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; } .meta dt { color: var(--muted); } .meta dd { margin: 0; }
@media (min-width: 900px) { .meta { grid-template-columns: max-content 1fr max-content 1fr; } .meta dd.wide { grid-column: 2 / -1; } .meta dt.wide { grid-column: 1; } }
details.packs > summary { cursor: pointer; } details.packs ul { margin: 4px 0 0; padding-left: 18px; }
.banner { border: 1px solid var(--warn); background: var(--warn-bg); color: var(--warn); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.banner.info { border-color: var(--line); background: var(--panel); color: var(--fg); }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 4px; }
.card { display: block; border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 6px 12px; min-width: 120px; background: var(--panel); color: var(--fg); }
.card .n { font-size: 22px; font-weight: 600; margin-right: 4px; }
.card.s-pass { border-left-color: var(--pass); } .card.s-fail { border-left-color: var(--fail); } .card.s-error { border-left-color: var(--error); }
.card.s-manual { border-left-color: var(--manual); } .card.s-skip { border-left-color: var(--skip); }
.badge { display: inline-block; min-width: 58px; text-align: center; font-size: 11px; font-weight: 700; letter-spacing: .04em; color: #fff; border-radius: 3px; padding: 1px 6px; }
.badge.s-pass { background: var(--pass); } .badge.s-fail { background: var(--fail); } .badge.s-error { background: var(--error); }
.badge.s-manual { background: var(--manual); } .badge.s-skip { background: var(--skip); }
.sev { display: inline-block; min-width: 56px; color: var(--muted); font-size: 12px; } .sev-critical, .sev-high { color: var(--fg); font-weight: 600; }
.pack-tag { color: var(--muted); font-size: 12px; font-weight: 400; } .waived { color: var(--manual); font-size: 12px; font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 8px 0; padding: 8px 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
form.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; } form.filters legend { float: left; margin-right: 4px; color: var(--muted); }
form.filters select { max-width: 22em; } form.filters input[type="search"] { width: 16em; }
article.check { border: 1px solid var(--line); border-left-width: 4px; border-radius: 4px; margin: 6px 0; padding: 6px 10px; }
article.check.s-fail { border-left-color: var(--fail); } article.check.s-error { border-left-color: var(--error); } article.check.s-manual { border-left-color: var(--manual); }
article.check.s-skip { border-left-color: var(--skip); } article.check.s-pass { border-left-color: var(--pass); }
article.check h4 { margin: 0 0 4px; font-size: 14px; font-weight: 500; }
.why { margin: 2px 0; }
.oe { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; margin: 4px 0; } .oe > div { background: var(--panel); border-radius: 4px; padding: 4px 8px; min-width: 0; overflow-wrap: anywhere; }
.lbl { display: block; color: var(--muted); font-size: 12px; }
ul.evidence { margin: 2px 0; padding-left: 18px; } .ev-label { color: var(--muted); font-size: 12px; }
.ref { display: inline-block; border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; margin: 0 2px 2px 0; font-size: 12px; }
.line { color: var(--muted); font-size: 12.5px; margin: 2px 0; } .since { color: var(--fail); }
details.more > summary { cursor: pointer; color: var(--link); font-size: 13px; }
pre.diff .add { color: var(--pass); } pre.diff .del { color: var(--fail); } pre.diff .hunk { color: var(--muted); }
pre.cmd { border-left: 3px solid var(--link); user-select: all; }
.detail { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; } .detail dt { color: var(--muted); } .detail dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
table.data { border-collapse: collapse; margin: 4px 0; } table.data th, table.data td { border: 1px solid var(--line); padding: 3px 8px; text-align: right; }
table.data th:first-child, table.data td:first-child, table.data td.l { text-align: left; } table.data caption { text-align: left; color: var(--muted); }
.s-fail-text { color: var(--fail); font-weight: 600; } .s-error-text { color: var(--error); font-weight: 600; } .zero { color: #aab2bb; }
.split { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
svg.spark { display: block; margin: 4px 0 8px; background: var(--panel); border-radius: 4px; }
svg.spark .fail { fill: none; stroke: var(--fail); stroke-width: 2; } svg.spark .error { fill: none; stroke: var(--error); stroke-width: 1.5; stroke-dasharray: 3 2; }
svg.spark .dot { fill: var(--fail); } svg.spark .axis { stroke: var(--line); stroke-width: 1; }
.errors li { margin: 4px 0; } .errors .none { color: var(--muted); }
.waivers ul { margin: 4px 0; padding-left: 18px; } .expiring { color: var(--warn); } .expired { color: var(--fail); }
footer { max-width: 1180px; margin: 0 auto; padding: 12px 24px 24px; color: var(--muted); font-size: 12px; }
@media (max-width: 720px) { .oe { grid-template-columns: 1fr; } header.top { flex-wrap: wrap; } }
`;

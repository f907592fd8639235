import { describe, expect, it } from "vitest";
import { getReporter } from "../../../src/report/index.js";
import { createHash } from "node:crypto";
import { HTML_REPORT_CSP, htmlReporter } from "../../../src/report/html.js";
import { expectGolden } from "../../helpers/golden.js";
import { sampleReport } from "../../helpers/sample-report.js";
import { failsFirst } from "../../../src/report/html-view.js";

describe("html reporter", () => {
  const report = sampleReport();
  const html = htmlReporter.render(report);

  it("matches the golden file", () => expectGolden("sample.html", html));

  it("is registered for --format html", () => {
    expect(getReporter("html")).toBe(htmlReporter);
    expect(htmlReporter.contentType).toBe("text/html; charset=utf-8");
  });

  it("is self-contained: no external src/href, no <link>, no imports; CSP forbids fetches", () => {
    expect(html).not.toMatch(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/\bfetch\(|XMLHttpRequest|import\(/);
    expect(html.match(/<script\b/g)).toHaveLength(1); // ours; the hostile title must not add one
  });

  it("its CSP admits exactly its own style and script, by hash, and nothing else", () => {
    const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    expect(HTML_REPORT_CSP).toBe(`default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; base-uri 'none'; form-action 'none'`);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_REPORT_CSP}">`);
    expect(html).not.toContain("unsafe-inline");
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it("escapes every piece of report text", () => {
    expect(html).toContain("root 계정 원격 접속 제한 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;");
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).toContain("backdoor&lt;1&gt;.service");
    // eslint-disable-next-line no-control-regex -- asserting they are gone
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
  });

  it("has summary counts by status and by severity with stable ids", () => {
    const s = report.summary;
    for (const st of ["pass", "fail", "error", "manual", "skip"] as const) {
      expect(html).toMatch(new RegExp(`id="summary-${st}" data-count="${s[st]}"><span class="n">${s[st]}</span> <span class="badge s-${st}">${st.toUpperCase()}</span>`));
    }
    expect(html).toContain(`id="summary-total" data-count="9"`);
    // severity row: Severity, FAIL, ERROR, MANUAL, SKIP, PASS, Total
    expect(html).toMatch(/<tr id="severity-high" data-count="3"><th scope="row">high<\/th><td class="s-fail-text">1<\/td><td class="s-error-text">1<\/td><td class="zero">0<\/td><td class="zero">0<\/td><td class="s-pass-text">1<\/td><td>3<\/td><\/tr>/);
  });

  it("renders one <details> per check with data-status, open when failing, with evidence and remediation", () => {
    const checks = [...html.matchAll(/<details class="check s-(\w+)" id="([^"]+)" data-status="(\w+)" data-pack="([^"]+)" data-severity="(\w+)"( open)?>/g)];
    expect(checks).toHaveLength(report.results.length);
    for (const m of checks) expect(m[6] === " open").toBe(m[3] === "fail" || m[3] === "error");
    const k = html.slice(html.indexOf('id="check-cis-kubernetes-node-4.2.1"'));
    const block = k.slice(0, k.indexOf("</details>"));
    expect(block).toContain("<dt>Why</dt><dd>value is true, expected false</dd>");
    expect(block).toContain("<dt>Observed</dt><dd><code>value=true (config file)</code></dd>");
    expect(block).toContain('<span class="ev-label">file</span> <code>/var/lib/kubelet/config.yaml:12</code>');
    expect(block).toContain('<span class="ev-label">process</span> <code>kubelet (pid 1234)</code>');
    expect(block).toContain('<span class="ev-label">exe</span> <code>/usr/bin/kubelet</code>');
    expect(block).toContain('<span class="ref">CCE-83815-1</span>');
    expect(block).toContain("<pre>Set authentication.anonymous.enabled: false");
    const ports = html.slice(html.indexOf('id="check-cis-debian-12-2.1.22"'));
    expect(ports.slice(0, ports.indexOf("</details>"))).toContain('<span class="ev-label">listening</span> <code>tcp 0.0.0.0:2024</code>');
    expect(html).toContain('<span class="ref">KISA U-01 (2021)</span>');
  });

  it("hides the filter form until the script shows it, so without JS everything is visible", () => {
    expect(html).toContain('<form id="filters" class="filters" hidden>');
    expect(html).not.toMatch(/<details[^>]*\bhidden\b/);
    expect(html).not.toMatch(/<section[^>]*\bhidden\b/);
  });

  it("orders the checks fails first: groups by status, most severe first, then pack order", () => {
    const order = [...html.matchAll(/<details class="check[^"]*" id="check-([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      "cis-kubernetes-node-4.2.1", // fail critical
      "kisa-u-linux-U-01", // fail high
      "cis-debian-12-2.1.22", // fail medium
      "cis-debian-12-1.6.1", // fail info
      "cis-kubernetes-node-4.2.6", // error high
      "kisa-u-linux-U-05", // manual
      "cis-debian-12-1.1.1.1", // skip
      "cis-kubernetes-node-4.1.1", // pass high
      "cis-debian-12-3.3.5", // pass medium
    ]);
    const groups = [...html.matchAll(/<section class="group s-(\w+)" id="group-\1" data-status="\1">\n<h2>([^<]+) <span class="group-count">(\d+)<\/span><\/h2>/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(groups).toEqual(["fail Failing 4", "error Errors 1", "manual Manual review 1", "skip Not applicable 1", "pass Passing 2"]);
  });

  it("failsFirst: status, severity, pack in report order (a pack the report does not list last), then each pack's own order", () => {
    const base = sampleReport().results[0] as ReturnType<typeof sampleReport>["results"][number];
    const mk = (pack: string, id: string, status: typeof base.status, severity: typeof base.severity) => ({ ...base, pack, id, status, severity });
    const results = [
      mk("b", "1", "pass", "high"),
      mk("a", "2", "fail", "low"),
      mk("zz", "3", "fail", "high"),
      mk("b", "4", "fail", "high"),
      mk("a", "5", "fail", "high"),
      mk("b", "6", "fail", "high"),
      mk("a", "7", "error", "critical"),
    ];
    const packs = [{ id: "a" }, { id: "b" }] as ReturnType<typeof sampleReport>["packs"];
    const order = failsFirst({ packs, results }).map((r) => `${r.pack}/${r.id}`);
    expect(order).toEqual(["a/5", "b/4", "b/6", "zz/3", "a/2", "a/7", "b/1"]);
    // Asked again for the same results: the same (shared) array.
    expect(failsFirst({ packs, results })).toBe(failsFirst({ packs, results }));
  });

  it("has a search box, status and severity checkboxes and a benchmark select (all on by default)", () => {
    const form = html.slice(html.indexOf('<form id="filters"'), html.indexOf("</form>"));
    expect(form).toContain('<input type="search" id="filter-q" name="q"');
    expect([...form.matchAll(/name="status" value="(\w+)" checked/g)].map((m) => m[1])).toEqual(["fail", "error", "manual", "skip", "pass"]);
    expect([...form.matchAll(/name="severity" value="(\w+)" checked/g)].map((m) => m[1])).toEqual(["critical", "high", "medium", "low", "info"]);
    expect(form).toContain('<option value="kisa-u-linux">');
    // The filters live in the fragment, never the query (the agent's route takes ?format=).
    expect(html).toContain("history.replaceState(null, \"\", url)");
    expect(html).toContain("location.hash.slice(1)");
  });

  it("shows the node's Kubernetes and a waiver on a waived result", () => {
    const r = sampleReport();
    r.kubernetes = { distribution: "k3s", variant: "agent", version: "1.34.2", kubelet: "embedded" };
    (r.results[1] as (typeof r.results)[number]).waiver = { reason: "ticket OPS-1 <b>", expires: "2026-01-31" };
    const page = htmlReporter.render(r);
    expect(page).toContain("<dt>Kubernetes</dt><dd>k3s agent, kubelet 1.34.2</dd>");
    expect(page).toContain("<dt>Waiver</dt><dd>ticket OPS-1 &lt;b&gt; (until 2026-01-31)</dd>");
    expect(page).toContain('(1 under a waiver)');
    expect(html).not.toContain("<dt>Kubernetes</dt>");
  });

  it("lists pack load errors", () => {
    expect(html).toContain('id="load-errors"');
    expect(html).toContain("unknown key &quot;expct&quot;");
  });
});

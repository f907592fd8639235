import { describe, expect, it } from "vitest";
import { getReporter } from "../../../src/report/index.js";
import { htmlReporter } from "../../../src/report/html.js";
import { expectGolden } from "../../helpers/golden.js";
import { sampleReport } from "../../helpers/sample-report.js";

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
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
    expect(html.match(/<script\b/g)).toHaveLength(1); // ours; the hostile title must not add one
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

  it("lists pack load errors", () => {
    expect(html).toContain('id="load-errors"');
    expect(html).toContain("unknown key &quot;expct&quot;");
  });
});

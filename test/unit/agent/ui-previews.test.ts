/**
 * The dashboard's dry-run previews: planned right after a scan where the packs are loaded
 * (in-process here, the scan child in `serve`), kept with the latest report and its state,
 * shown on the check page (whole) and the overview (cut) — escaped and redacted.
 */
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

// fx/1 fails (sshd_config is 0666) and its fix sets Banner; fx/2 fails with a chmod fix; fx/3 passes with a fix; fx/4 fails with no fix.
const FIX_PACK = `pack: { id: fx, title: Fixes, benchmark: Fix Benchmark v1, version: "1" }
checks:
  - id: "1"
    title: sshd shows the banner
    severity: high
    audit: { probe: file, params: { path: /etc/ssh/sshd_config }, expect: { mode: { mode-at-most: "0600" } } }
    fix: { action: config-line, params: { path: /etc/ssh/sshd_config, format: sshd, key: Banner, value: /etc/issue.net, needs: sshd-reload } }
  - id: "2"
    title: passwd is not world-writable
    severity: medium
    audit: { probe: file, params: { path: /etc/passwd }, expect: { mode: { mode-at-most: "0644" } } }
    fix: { action: file-mode, params: { path: /etc/passwd, max: "0644" } }
  - id: "3"
    title: shadow is private
    severity: high
    audit: { probe: file, params: { path: /etc/shadow }, expect: { mode: { mode-at-most: "0640" } } }
    fix: { action: file-mode, params: { path: /etc/shadow, max: "0640" } }
  - id: "4"
    title: app config is private
    severity: low
    audit: { probe: file, params: { path: /etc/app.conf }, expect: { mode: { mode-at-most: "0600" } } }
  - id: "5"
    title: app password is rotated
    severity: medium
    audit: { probe: file, params: { path: /etc/app.conf }, expect: { mode: { mode-at-most: "0600" } } }
    fix: { action: config-line, params: { path: /etc/app.conf, format: equals, key: password, value: "new-secret-value-9" } }
`;

async function fixAgent() {
  const t = await makeAgent({ packs: { "fx/pack.yaml": FIX_PACK } });
  const sshd = path.join(t.root, "etc/ssh/sshd_config");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(path.dirname(sshd), { recursive: true });
  await writeFile(sshd, "Port 22\nBanner <script>alert(1)</script>\nPermitRootLogin no\n");
  await chmod(sshd, 0o666);
  await writeFile(path.join(t.root, "etc/app.conf"), "user = app\npassword = hunter2-old-value\n");
  await chmod(path.join(t.root, "etc/app.conf"), 0o644);
  await t.agent.triggerScan("start").run.done;
  return t;
}

const ROOT_CMD = (key: string, root: string) =>
  `<span class="lbl">Preview, then apply (on the node, as root)</span><pre class="cmd">nodeward remediate --check ${key} --root ${root}</pre><pre class="cmd">sudo nodeward remediate --check ${key} --root ${root} --apply</pre>`;

describe("fix previews on /ui", () => {
  it("the check page shows what the fix would change: changed lines only, markup escaped, secrets redacted", async () => {
    const t = await fixAgent();
    expect(t.agent.view()?.results.map((r) => `${r.id}:${r.status}`)).toEqual(["1:fail", "2:fail", "3:pass", "4:fail", "5:fail"]);
    // Failing checks with a typed fix only: fx/3 passes, fx/4 has no fix.
    expect([...t.agent.previews().keys()].sort()).toEqual(["fx/1", "fx/2", "fx/5"]);
    const page = (await t.app.inject({ url: "/ui/checks/fx/1" })).body;
    expect(page).toContain(
      `<section id="remedy"><h2>Remediation</h2><span class="lbl">Dry run of the fix <code>config-line</code> (then: sshd-reload), as of the last scan</span>
<pre class="diff" id="preview-check-fx-1">--- /etc/ssh/sshd_config\t(mode 0666, owner ${process.getuid?.()}:${process.getgid?.()})
+++ /etc/ssh/sshd_config\t(mode 0666, owner ${process.getuid?.()}:${process.getgid?.()})
<span class="hunk">@@ -1,3 +1,3 @@</span>
<span class="del">-Banner &lt;script&gt;alert(1)&lt;/script&gt;</span>
<span class="add">+Banner /etc/issue.net</span></pre>
${ROOT_CMD("fx/1", t.root)}`,
    );
    // The file's unchanged lines are not quoted; the hostile line is text, not an element.
    expect(page).not.toContain("PermitRootLogin");
    expect(page).not.toContain("Port 22");
    expect(page).not.toContain("<script");
    const chmod = (await t.app.inject({ url: "/ui/checks/fx/2" })).body;
    expect(chmod).toContain(`<pre class="diff" id="preview-check-fx-2">chmod 0666 → 0644  /etc/passwd</pre>`);
    // A changed line holding a secret is redacted on both sides of the diff.
    const secret = (await t.app.inject({ url: "/ui/checks/fx/5" })).body;
    expect(secret).toContain(`<span class="del">-password = [redacted]</span>
<span class="add">+password = [redacted]</span></pre>`);
    for (const url of ["/ui", "/ui/checks/fx/5", "/ui?status=fail&status=pass"]) {
      const body = (await t.app.inject({ url })).body;
      expect(body, url).not.toMatch(/hunter2|new-secret-value-9|user = app/);
    }
    // No fix: the page offers no preview and no remediate command.
    const nofix = (await t.app.inject({ url: "/ui/checks/fx/4" })).body;
    expect(nofix).not.toContain("Dry run of the fix");
    expect(nofix).not.toContain("nodeward remediate");
  });

  it("the overview shows each failing check's preview inside its details, cut to a few lines that link to the whole", async () => {
    const t = await fixAgent();
    const o = (await t.app.inject({ url: "/ui" })).body;
    expect(o).toContain(`<span class="add">+Banner /etc/issue.net</span></pre>`);
    expect(o).toContain(`<pre class="diff" id="preview-check-fx-2">chmod 0666 → 0644  /etc/passwd</pre>`);
    expect(o.match(/<pre class="diff"/g)).toHaveLength(3);
  });

  it("a long preview: the overview shows OVERVIEW_PREVIEW_LINES lines and links to the check page, which shows them all", async () => {
    const MANY = `pack: { id: many, title: Many, benchmark: Many v1, version: "1" }
checks:
  - id: "1"
    title: conf is private
    severity: high
    audit: { probe: file, params: { path: /etc/many.conf }, expect: { mode: { mode-at-most: "0600" } } }
    fix: { action: config-line, params: { path: /etc/many.conf, format: sshd, key: Banner, value: "<b>new</b>" } }
`;
    const t = await makeAgent({ packs: { "many/pack.yaml": MANY } });
    // Ten occurrences of the key, first wins: the first is replaced, the other nine commented out.
    await writeFile(path.join(t.root, "etc/many.conf"), Array.from({ length: 10 }, (_, i) => `Banner old${i}\n${"Port 22\n".repeat(8)}`).join(""));
    await chmod(path.join(t.root, "etc/many.conf"), 0o644);
    await t.agent.triggerScan("start").run.done;
    expect(t.agent.previews().get("many/1")?.lines).toHaveLength(32);
    const owner = `${process.getuid?.()}:${process.getgid?.()}`;
    const o = (await t.app.inject({ url: "/ui" })).body;
    expect(o).toContain(`<pre class="diff" id="preview-check-many-1">--- /etc/many.conf\t(mode 0644, owner ${owner})
+++ /etc/many.conf\t(mode 0644, owner ${owner})
<span class="hunk">@@ -1,3 +1,3 @@</span>
<span class="del">-Banner old0</span>
<span class="add">+Banner &lt;b&gt;new&lt;/b&gt;</span>
<span class="hunk">@@ -8,5 +8,5 @@</span>
<a href="/ui/checks/many/1#remedy">… 26 more line(s)</a></pre>`);
    const whole = (await t.app.inject({ url: "/ui/checks/many/1" })).body;
    expect(whole).toContain(`<span class="del">-Banner old9</span>
<span class="add">+# Banner old9  # nodeward: superseded by Banner &lt;b&gt;new&lt;/b&gt;</span></pre>`);
    expect(whole.match(/<span class="del">/g)).toHaveLength(10);
    expect(whole).not.toContain("more line(s)");
  });

  it("a drift re-check that finds the check passing drops its preview; the previews are saved with the state", async () => {
    const t = await fixAgent();
    const fx1 = t.agent.view()?.results.find((r) => r.id === "1");
    if (!fx1) throw new Error("no fx/1");
    const merged = await t.agent.mergeRecheck([{ ...fx1, status: "pass" }], Date.now());
    expect(merged.merged).toBe(true);
    expect([...t.agent.previews().keys()].sort()).toEqual(["fx/2", "fx/5"]);
    expect((await t.app.inject({ url: "/ui/checks/fx/1" })).body).not.toContain("Dry run of the fix");
    // A restarted agent reads the previews back from its state file.
    const again = await makeAgent({ packs: { "fx/pack.yaml": FIX_PACK }, stateDir: t.stateDir });
    expect([...again.agent.previews().keys()].sort()).toEqual(["fx/2", "fx/5"]);
    expect(again.agent.previews().get("fx/2")?.lines).toEqual(["chmod 0666 → 0644  /etc/passwd"]);
  });
});

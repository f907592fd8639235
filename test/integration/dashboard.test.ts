/**
 * The node dashboard (issue 18) in a real browser: `nodeward serve` on a loopback port runs
 * a full scan of this machine (every shipped pack that applies, plus a fixture pack with a
 * failing high-severity check whose title holds markup, and a check in error), and Debian's
 * `chromium`, headless, opens `/ui` over HTTP. The overview must come out as a 1280×800
 * PNG; the DOM must hold the counts of `/api/v1/scans/latest` (same scan id); the overview,
 * the errors page and a check page must log no console message at all — a CSP violation is
 * one, and so would be any script made from report text. For a full scan the overview is
 * at most 150 KB. The failing check's page shows the dry run of its fix, planned in the scan
 * child. Chromium flags as in html-report.test.ts; setup.sh installs it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, consoleLines, runChromium } from "./chromium.js";
import { CLI_PATH, ensureBuilt, inCI, REPO_ROOT } from "./helpers.js";

const WIDTH = 1280;
const HEIGHT = 800;
const OVERVIEW_MAX_BYTES = 150 * 1024;

const FIXTURE_PACK = `pack: { id: it-ui, title: Dashboard fixture, benchmark: nodeward dashboard fixture v1, version: "1" }
checks:
  - id: "1"
    title: passwd has no permission bits <script>alert("ui")</script>
    severity: high
    audit: { probe: file, params: { path: /etc/passwd }, expect: { mode: { mode-at-most: "0000" } } }
    fix: { action: file-mode, params: { path: /etc/passwd, max: "0000" } }
  - id: "2"
    title: a command that cannot be run
    severity: high
    audit: { probe: command, params: { argv: [/nonexistent/nodeward-ui] }, expect: { exitCode: 0 } }
`;

type Status = "pass" | "fail" | "manual" | "skip" | "error";
const STATUSES: Status[] = ["fail", "error", "manual", "skip", "pass"];

interface Latest {
  id: string;
  startedAt: string;
  summary: Record<Status, number>;
  results: { pack: string; id: string; status: Status; severity: string }[];
}

/**
 * One report for the whole test: with drift on, re-checks would merge into it whenever
 * something on this shared machine changes (a process that looks like a kubelet coming and
 * going flips dozens of checks between error and skip), and the pages would not match the
 * counts read at the start.
 */
const DRIFT_OFF = "drift: { enabled: false }";

let work = "";
let agent: ChildProcess | undefined;
let agentOutput = "";

/** A free TCP port in 19500–19899 on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 19500 + Math.floor(Math.random() * 400);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 19500-19899");
}

/** Headless chromium with a fresh profile (no scrollbars in the screenshot); its stderr is kept beside the artifacts. */
const chromium = (args: string[]) => runChromium(work, ["--hide-scrollbars", ...args]);

describe("the dashboard in headless Chromium", () => {
  if (!existsSync(CHROMIUM)) {
    if (inCI()) it("has chromium", () => expect.fail(`${CHROMIUM} is missing: test/integration/setup.sh installs the chromium package`));
    else it.skip("needs Debian's chromium package: run `sudo bash test/integration/setup.sh`", () => {});
    return;
  }

  let base = "";
  let latest: Latest;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-ui-it-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await mkdir(path.join(work, "extra"));
    await writeFile(path.join(work, "extra/pack.yaml"), FIXTURE_PACK);
    await writeFile(path.join(work, "token"), "ui-integration-token-0123456789\n", { mode: 0o600 });
    const config = path.join(work, "config.yaml");
    await writeFile(
      config,
      [`listen: 127.0.0.1:${port}`, `stateDir: ${path.join(work, "state")}`, `tokenFile: ${path.join(work, "token")}`, `packs: [${path.join(REPO_ROOT, "benchmarks")}, ${path.join(work, "extra")}]`, DRIFT_OFF, ""].join(
        "\n",
      ),
    );
    const child = spawn(process.execPath, [CLI_PATH, "serve", "--config", config], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    agent = child;
    child.stdout.on("data", (b: Buffer) => (agentOutput += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (agentOutput += b.toString("utf8")));
    const t0 = Date.now();
    for (;;) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`the agent did not get ready:\n${agentOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await fetch(`${base}/api/v1/scans/latest`);
    latest = (await res.json()) as Latest;
    expect(res.headers.get("x-nodeward-scan-id")).toBe(latest.id);
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((r) => agent?.once("exit", r));
      agent.kill("SIGTERM");
      const t = setTimeout(() => agent?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (process.env.NODEWARD_KEEP_ARTIFACTS) process.stderr.write(`dashboard artifacts kept in ${work}\n`);
    else if (work) await rm(work, { recursive: true, force: true });
  });

  it("the fixture scan has what the page must show: a failing high-severity check and a check in error", () => {
    const byKey = new Map(latest.results.map((r) => [`${r.pack}/${r.id}`, r]));
    expect(byKey.get("it-ui/1")).toMatchObject({ status: "fail", severity: "high" });
    expect(byKey.get("it-ui/2")?.status).toBe("error");
    // A full scan: every shipped pack that applies, hundreds of checks.
    expect(latest.results.length).toBeGreaterThan(300);
  });

  it("the overview of a full scan is at most 150 KB, and its headers are the dashboard's", async () => {
    const res = await fetch(`${base}/ui`);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(OVERVIEW_MAX_BYTES);
    expect(body).toContain(`data-count="${latest.results.length}"`);
  });

  it("takes a 1280×800 screenshot of the overview", async () => {
    const png = path.join(work, "overview.png");
    const { stderr } = await chromium([`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${png}`, `${base}/ui`]);
    expect(consoleLines(stderr)).toEqual([]);
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([WIDTH, HEIGHT]);
    // A blank or unstyled page compresses to a few KB; the styled overview is tens of KB.
    expect((await stat(png)).size).toBeGreaterThan(30_000);
  });

  it("the rendered overview holds the API's counts and the failing check, inert; no console message, no CSP violation", async () => {
    const { stdout: dom, stderr } = await chromium(["--dump-dom", `${base}/ui`]);
    expect(consoleLines(stderr)).toEqual([]);
    for (const s of STATUSES) {
      const n = latest.summary[s];
      expect(dom, s).toMatch(new RegExp(`id="count-${s}" data-count="${n}" href="[^"]*"><span class="n">${n}</span>`));
    }
    expect(dom).toContain(`id="count-total" data-count="${latest.results.length}"`);
    const fails = latest.results.filter((r) => r.status === "fail").length;
    expect(dom).toContain(`id="shown-count" data-count="${fails}"`);
    const at = dom.indexOf('<article class="check s-fail" id="check-it-ui-1" data-status="fail" data-severity="high"');
    expect(at).toBeGreaterThan(0);
    const block = dom.slice(at, dom.indexOf("</article>", at));
    expect(block).toContain("passwd has no permission bits &lt;script&gt;alert(\"ui\")&lt;/script&gt;");
    expect(block).toContain("/etc/passwd");
    expect(dom).not.toMatch(/<script\b/i);
    // The errors list counts every check in error (the fixture's among them).
    expect(dom).toMatch(new RegExp(`<section id="errors" class="errors" aria-label="Errors" data-count="${latest.summary.error}">`));
  });

  it("the errors page and a check page load clean too", async () => {
    const errors = await chromium(["--dump-dom", `${base}/ui/errors`]);
    expect(consoleLines(errors.stderr)).toEqual([]);
    expect([...errors.stdout.matchAll(/<article class="check s-error" /g)]).toHaveLength(latest.summary.error);
    expect(errors.stdout).toContain('id="check-it-ui-2"');
    const check = await chromium(["--dump-dom", `${base}/ui/checks/it-ui/1`]);
    expect(consoleLines(check.stderr)).toEqual([]);
    expect(check.stdout).toContain('<section id="check" data-status="fail">');
    expect(check.stdout).toContain("nodeward scan --check it-ui/1");
    // The fix's dry run, planned in the scan child (where the packs are) and kept by the agent.
    const mode = ((await stat("/etc/passwd")).mode & 0o7777).toString(8).padStart(4, "0");
    expect(check.stdout).toContain(`<pre class="diff" id="preview-check-it-ui-1">chmod ${mode} → 0000  /etc/passwd</pre>`);
    // Failing since the start-up scan, the only one.
    expect(check.stdout).toContain(`<dt>Failing</dt><dd><span class="since">failing since ${latest.startedAt.slice(0, 16).replace("T", " ")} UTC (this scan)</span></dd>`);
    // What a person sees: the failing high-severity check's page, with its preview.
    const png = path.join(work, "check.png");
    const shot = await chromium([`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${png}`, `${base}/ui/checks/it-ui/1`]);
    expect(consoleLines(shot.stderr)).toEqual([]);
    expect((await stat(png)).size).toBeGreaterThan(20_000);
    expect(check.stdout).not.toMatch(/<script\b/i);
  });
});

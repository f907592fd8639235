/**
 * The HTML report in a real browser (issue 8): Debian's `chromium`, headless, renders
 * the sample report from a file: URL. A screenshot must come out as a PNG of the window
 * size, and the DOM after the page's script ran must show the summary counts and a
 * failing check with its evidence. The filter script is exercised by a copy of the page
 * with a few extra lines that flip the controls, and the no-JS view by a run with
 * scripts disabled. Flags from ../shared/lab.md §4; setup.sh installs chromium.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { htmlReporter } from "../../src/report/html.js";
import { sampleReport } from "../helpers/sample-report.js";
import { inCI, run } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const WIDTH = 1200;
const HEIGHT = 1500;

let dir: string;
let page: string;

/** Run headless chromium with a fresh profile; stderr (D-Bus noise) goes to a log file. */
async function chromium(args: string[]): Promise<string> {
  const profile = await mkdtemp(path.join(dir, "profile-"));
  const r = await run(
    [
      CHROMIUM,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=3000",
      ...args,
    ],
    { timeoutMs: 90_000 },
  );
  await writeFile(path.join(dir, `chromium-${path.basename(profile)}.log`), r.stderr);
  if (r.exitCode !== 0) throw new Error(`chromium ${args.join(" ")} exited ${r.exitCode ?? r.signal}:\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}

describe("the HTML report in headless Chromium", () => {
  if (!existsSync(CHROMIUM)) {
    if (inCI()) {
      it("has chromium", () => expect.fail(`${CHROMIUM} is missing: test/integration/setup.sh installs the chromium package`));
    } else {
      it.skip("needs Debian's chromium package: run `sudo bash test/integration/setup.sh`", () => {});
    }
    return;
  }

  const report = sampleReport();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-html-"));
    page = path.join(dir, "report.html");
    await writeFile(page, htmlReporter.render(report));
  });

  afterAll(async () => {
    if (process.env.NODEWARD_KEEP_ARTIFACTS) process.stderr.write(`html report artifacts kept in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  });

  it("takes a screenshot: a PNG of the window size", async () => {
    const png = path.join(dir, "report.png");
    await chromium([`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${png}`, pathToFileURL(page).href]);
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([WIDTH, HEIGHT]);
    // A blank page compresses to a few KB; the rendered report is tens of KB.
    expect((await stat(png)).size).toBeGreaterThan(30_000);
  });

  it("the rendered DOM shows the counts, the filters and a failing check with its evidence", async () => {
    const dom = await chromium(["--dump-dom", pathToFileURL(page).href]);
    for (const s of ["pass", "fail", "error", "manual", "skip"] as const) {
      expect(dom).toContain(`id="summary-${s}" data-count="${report.summary[s]}"><span class="n">${report.summary[s]}</span>`);
    }
    // The script ran: the filter form is shown, every check counted.
    expect(dom).toMatch(/<form id="filters" class="filters">/);
    expect(dom).toContain(`<span id="shown-count">${report.results.length}</span>`);
    const at = dom.indexOf('id="check-cis-kubernetes-node-4.2.1"');
    expect(at).toBeGreaterThan(0);
    const block = dom.slice(at, dom.indexOf("</details>", at));
    expect(block).toContain('data-status="fail"');
    expect(block).toContain("open");
    expect(block).toContain("/var/lib/kubelet/config.yaml:12");
    expect(block).toContain("kubelet (pid 1234)");
    // The hostile title stayed text: no element was made from it.
    expect(dom).toContain("&lt;script&gt;alert(\"x\")&lt;/script&gt;");
    expect(dom.match(/<script\b/g)).toHaveLength(1);
  });

  it("the filters work: status checkboxes and the benchmark select hide checks", async () => {
    const driven = path.join(dir, "driven.html");
    const html = await readFile(page, "utf8");
    const drive = `<script>
      var f = document.getElementById("filters");
      f.querySelector('input[value="pass"]').checked = false;
      document.getElementById("filter-pack").value = "kisa-u-linux";
      f.dispatchEvent(new Event("change"));
    </script>`;
    await writeFile(driven, html.replace("</body>", `${drive}\n</body>`));
    const dom = await chromium(["--dump-dom", pathToFileURL(driven).href]);
    const checks = [...dom.matchAll(/<details class="check[^"]*" id="([^"]+)" data-status="(\w+)" data-pack="([^"]+)"[^>]*>/g)];
    expect(checks).toHaveLength(report.results.length);
    const visible = checks.filter((m) => !/\shidden(=""|\s|>)/.test(m[0])).map((m) => m[1]);
    expect(visible).toEqual(["check-kisa-u-linux-U-01", "check-kisa-u-linux-U-05"]);
    expect(dom).toContain('<span id="shown-count">2</span>');
    expect(dom).toMatch(/<section class="pack" data-pack="cis-debian-12" hidden(="")?>/);
  });

  it("with JavaScript off every check is visible and the (useless) filter form stays hidden", async () => {
    // --blink-settings=scriptEnabled=false also stops --dump-dom (it prints nothing), so
    // the page's script is taken out instead: what a browser with JS off would show.
    const noJs = path.join(dir, "no-js.html");
    const html = await readFile(page, "utf8");
    const stripped = html.replace(/<script>[\s\S]*?<\/script>/, "");
    expect(stripped).not.toContain("<script");
    await writeFile(noJs, stripped);
    const dom = await chromium(["--dump-dom", pathToFileURL(noJs).href]);
    expect(dom).toMatch(/<form id="filters" class="filters" hidden(="")?>/);
    const checks = [...dom.matchAll(/<details class="check[^>]*>/g)].map((m) => m[0]);
    expect(checks).toHaveLength(report.results.length);
    for (const c of checks) expect(c).not.toMatch(/\shidden/);
  });
});

/**
 * The HTML report in a real browser (issue 8): Debian's `chromium`, headless, renders
 * the sample report from a file: URL. A screenshot must come out as a PNG of the window
 * size, and the DOM after the page's script ran must show the summary counts and a
 * failing check with its evidence, with no console message at all (a CSP violation is
 * one). The filters are exercised from a URL fragment (what a bookmark restores) and by
 * a copy of the page with a few extra lines that flip the controls (its hash added to
 * the page's CSP), and the no-JS view by a copy without the script. Chromium flags as
 * in the lab notes (headless, no sandbox, no GPU, fresh profile); setup.sh installs it.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { htmlReporter } from "../../src/report/html.js";
import { sampleReport } from "../helpers/sample-report.js";
import { CHROMIUM, consoleLines, runChromium } from "./chromium.js";
import { inCI } from "./helpers.js";

const WIDTH = 1200;
const HEIGHT = 1500;

let dir: string;
let page: string;

/** Headless chromium with a fresh profile; stderr (D-Bus noise) goes to a log file. */
const chromiumRun = (args: string[]) => runChromium(dir, args);
const chromium = async (args: string[]): Promise<string> => (await chromiumRun(args)).stdout;

/** Visible checks' ids, in page order, from a dumped DOM. */
function visibleChecks(dom: string): string[] {
  return [...dom.matchAll(/<details class="check[^"]*" id="([^"]+)"[^>]*>/g)].filter((m) => !/\shidden(=""|\s|>)/.test(m[0])).map((m) => m[1] as string);
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

  it("the rendered DOM shows the counts, the filters and a failing check with its evidence; no console message, no CSP violation", async () => {
    const { stdout: dom, stderr } = await chromiumRun(["--dump-dom", pathToFileURL(page).href]);
    expect(consoleLines(stderr)).toEqual([]);
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

  it("the filters work: status checkboxes and the benchmark select hide checks, and land in the URL fragment", async () => {
    const driven = path.join(dir, "driven.html");
    const html = await readFile(page, "utf8");
    const drive = `
      var f = document.getElementById("filters");
      f.querySelector('input[value="pass"]').checked = false;
      document.getElementById("filter-pack").value = "kisa-u-linux";
      f.dispatchEvent(new Event("change"));
      document.title = "fragment:" + location.hash;
    `;
    // The page's CSP admits only its own script: add the driver's hash to it.
    const driverHash = `'sha256-${createHash("sha256").update(drive).digest("base64")}'`;
    const withDriver = html.replace(/(script-src '[^']+')/, `$1 ${driverHash}`).replace("</body>", `<script>${drive}</script>\n</body>`);
    expect(withDriver).toContain(driverHash);
    await writeFile(driven, withDriver);
    const { stdout: dom, stderr } = await chromiumRun(["--dump-dom", pathToFileURL(driven).href]);
    expect(consoleLines(stderr)).toEqual([]);
    const checks = [...dom.matchAll(/<details class="check[^"]*" id="([^"]+)" data-status="(\w+)" data-pack="([^"]+)"[^>]*>/g)];
    expect(checks).toHaveLength(report.results.length);
    expect(visibleChecks(dom)).toEqual(["check-kisa-u-linux-U-01", "check-kisa-u-linux-U-05"]);
    expect(dom).toContain('<span id="shown-count">2</span>');
    expect(dom).toMatch(/<section class="group s-pass" id="group-pass" data-status="pass" hidden(="")?>/);
    expect(dom).toMatch(/<section class="group s-fail" id="group-fail" data-status="fail">\n<h2>Failing <span class="group-count">1<\/span>/);
    expect(dom).toContain("<title>fragment:#status=fail%2Cerror%2Cmanual%2Cskip&amp;pack=kisa-u-linux</title>");
  });

  it("a URL fragment restores text search and severity filters", async () => {
    const url = `${pathToFileURL(page).href}#q=kubelet&severity=critical,high`;
    const { stdout: dom, stderr } = await chromiumRun(["--dump-dom", url]);
    expect(consoleLines(stderr)).toEqual([]);
    expect(visibleChecks(dom)).toEqual(["check-cis-kubernetes-node-4.2.1", "check-cis-kubernetes-node-4.2.6", "check-cis-kubernetes-node-4.1.1"]);
    expect(dom).toContain('<span id="shown-count">3</span>');
    // Korean text is searchable too.
    const ko = await chromium(["--dump-dom", `${pathToFileURL(page).href}#q=${encodeURIComponent("패스")}`]);
    expect(visibleChecks(ko)).toEqual(["check-kisa-u-linux-U-05"]);
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
    // Fails first, without any script.
    expect(visibleChecks(dom).slice(0, 4)).toEqual(["check-cis-kubernetes-node-4.2.1", "check-kisa-u-linux-U-01", "check-cis-debian-12-2.1.22", "check-cis-debian-12-1.6.1"]);
  });
});

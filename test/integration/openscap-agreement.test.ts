/**
 * Agreement with OpenSCAP, explained (issue 15, item 5).
 *
 * Scans the cached debootstrap Debian 12 root (test/integration/setup.sh) read-only, with:
 *   - OpenSCAP (`oscap xccdf eval`, OSCAP_PROBE_ROOT=<root>, what upstream's oscap-chroot sets)
 *     over two ComplianceAsCode data streams Debian packages, each a temp copy whose platform
 *     check is widened to this root:
 *       debian11   `ssg-debian`'s ssg-debian11-ds.xml (Debian 12's ssg-debian 0.1.65 ships Debian
 *                  10 and 11 content only): the version check `^11.` → `^1[12].` (as
 *                  bench/compare.mjs does) and every rule selected (no profile; it has no CIS one);
 *       ubuntu2204 `ssg-debderived`'s ssg-ubuntu2204-ds.xml, profile cis_level1_server: its "Ubuntu
 *                  22.04 installed" check reduced to "a Unix system".
 *   - nodeward: `scan --root <root> --deep --format json`, every bundled pack.
 * Then every entry of openscap-map.ts is compared in each content that has its rules, where both
 * tools give a verdict (pass or fail). Every disagreement must be listed in
 * docs/openscap-agreement.md with the fact and who is right, and none may be one where nodeward
 * is wrong; a listed disagreement that no longer happens fails too, so the document stays true.
 * The overlap figures in the document must be the run's.
 *
 * It also holds issue 15's "0 error results on the debootstrap Debian root" for the
 * kubernetes-node profile and for `--deep` (debian-root.test.ts holds it for the default scan).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianRoot, inCI, isRoot, REPO_ROOT, run, runCli } from "./helpers.js";
import { OPENSCAP_PAIRS } from "./openscap-map.js";

const SSG = "/usr/share/xml/scap/ssg/content";
const SSG_DEBIAN11 = `${SSG}/ssg-debian11-ds.xml`;
const SSG_UBUNTU2204 = `${SSG}/ssg-ubuntu2204-ds.xml`;
const DOC = path.join(REPO_ROOT, "docs/openscap-agreement.md");
const RULE_PREFIX = "xccdf_org.ssgproject.content_rule_";

const haveTools = existsSync("/usr/bin/oscap") && existsSync(SSG_DEBIAN11) && existsSync(SSG_UBUNTU2204);
if (!haveTools && inCI()) {
  throw new Error(`oscap, ${SSG_DEBIAN11} or ${SSG_UBUNTU2204} missing: test/integration/setup.sh installs them (openscap-scanner, ssg-debian, ssg-debderived)`);
}

type Verdict = "pass" | "fail";
type Content = "debian11" | "ubuntu2204";
interface Pair {
  check: string;
  content: Content;
  /** The entry's rules present in this content, with their results. */
  rules: string;
  nodeward: string;
  openscap: string;
}
interface Listed {
  check: string;
  content: string;
  nodeward: string;
  openscap: string;
  right: string;
  why: string;
}
interface ScanReport {
  summary: Record<string, number>;
  results: Array<{ id: string; pack: string; status: string; message?: string; title?: string }>;
  loadErrors?: unknown[];
}

const isVerdict = (s: string | undefined): s is Verdict => s === "pass" || s === "fail";
const key = (p: { check: string; content: string }): string => `${p.check} (${p.content})`;

/** Debian 11's data stream, its version check widened to Debian 12 and every rule selected. */
function widenDebian11(xml: string): string {
  const version = /\^11\.\[0-9\]\+\$/g;
  if ((xml.match(version)?.length ?? 0) === 0) throw new Error(`${SSG_DEBIAN11}: no "^11.[0-9]+$" platform pattern to widen (content changed?)`);
  return xml.replace(version, "^1[12].[0-9]+$").replaceAll('<xccdf-1.2:Rule selected="false"', '<xccdf-1.2:Rule selected="true"');
}

/** Ubuntu 22.04's data stream with its "Ubuntu 22.04 is installed" check reduced to "a Unix system". */
function widenUbuntu2204(xml: string): string {
  const jammy = /<oval-def:criteria comment="current Ubuntu version is Jammy" operator="AND">[\s\S]*?<\/oval-def:criteria>/g;
  if ((xml.match(jammy)?.length ?? 0) === 0) throw new Error(`${SSG_UBUNTU2204}: no "current Ubuntu version is Jammy" criteria to widen (content changed?)`);
  return xml.replace(
    jammy,
    '<oval-def:criteria comment="widened: any Unix system" operator="AND"><oval-def:extend_definition comment="Installed OS is part of the Unix family" definition_ref="oval:ssg-installed_OS_is_part_of_Unix_family:def:1"/></oval-def:criteria>',
  );
}

/** rule id (no prefix) → result word, from an XCCDF 1.2 results file. */
function ruleResults(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<rule-result\b[^>]*\bidref="([^"]+)"[^>]*>[\s\S]*?<result>([a-z]+)<\/result>/g;
  for (const m of xml.matchAll(re)) {
    const id = m[1] ?? "";
    if (m[2] !== "notselected") out.set(id.startsWith(RULE_PREFIX) ? id.slice(RULE_PREFIX.length) : id, m[2] ?? "");
  }
  return out;
}

/** OpenSCAP's verdict for an entry: fail when one of its rules fails, pass when all pass, else their results. */
function conjunction(results: readonly string[]): string {
  if (results.includes("fail")) return "fail";
  if (results.every((r) => r === "pass")) return "pass";
  return results.join("/");
}

/** The disagreement table of docs/openscap-agreement.md: rows of backquoted check and rule. */
function listedDisagreements(md: string): Listed[] {
  const rows: Listed[] = [];
  // | `check` | content | rules (informative) | nodeward | OpenSCAP | right | why |
  const re = /^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|[^|]*\|\s*(\w+)\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|(.*)\|\s*$/gm;
  for (const m of md.matchAll(re)) {
    rows.push({ check: m[1] ?? "", content: m[2] ?? "", nodeward: m[3] ?? "", openscap: m[4] ?? "", right: m[5] ?? "", why: (m[6] ?? "").trim() });
  }
  return rows;
}

describe("OpenSCAP (ComplianceAsCode ssg-debian) and nodeward on the debootstrap Debian 12 root", () => {
  if (!isRoot() || !haveTools) {
    if (inCI()) it("has root, oscap and ssg-debian", () => expect.fail("needs root, oscap and ssg-debian under CI"));
    else it.skip("needs root, openscap-scanner and ssg-debian: run `sudo npm run test:integration`", () => {});
    return;
  }

  let work = "";
  let root = "";
  const oscap = new Map<Content, Map<string, string>>();
  const nodeward = new Map<string, string>();
  const messages = new Map<string, string>();

  /** oscap over one widened content; rule id → result. */
  async function evaluate(name: Content, xml: string, profile: string[]): Promise<Map<string, string>> {
    const content = path.join(work, `${name}-ds.xml`);
    const results = path.join(work, `${name}-results.xml`);
    await writeFile(content, xml);
    // A fixed PATH and locale: nothing of this machine's environment reaches the verdicts.
    const o = await run(["oscap", "xccdf", "eval", ...profile, "--results", results, content], {
      env: { OSCAP_PROBE_ROOT: root, PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      timeoutMs: 540_000,
    });
    // oscap: 0 every rule passed, 2 some rule failed; anything else is an evaluation error.
    if (o.exitCode !== 0 && o.exitCode !== 2) throw new Error(`oscap (${name}) exited ${o.exitCode} (${o.signal ?? ""}):\n${o.stderr.slice(-3000)}`);
    return ruleResults(await readFile(results, "utf8"));
  }

  beforeAll(async () => {
    root = debianRoot();
    work = await mkdtemp(path.join(tmpdir(), "nodeward-oscap-"));
    const [deb, ubu, scan] = await Promise.all([
      readFile(SSG_DEBIAN11, "utf8").then((x) => evaluate("debian11", widenDebian11(x), [])),
      readFile(SSG_UBUNTU2204, "utf8").then((x) => evaluate("ubuntu2204", widenUbuntu2204(x), ["--profile", "xccdf_org.ssgproject.content_profile_cis_level1_server"])),
      runCli(["scan", "--root", root, "--deep", "--format", "json"]),
    ]);
    oscap.set("debian11", deb);
    oscap.set("ubuntu2204", ubu);
    if (scan.exitCode !== 0 && scan.exitCode !== 1) throw new Error(`nodeward scan exited ${scan.exitCode}:\n${scan.stderr}`);
    for (const r of (JSON.parse(scan.stdout) as ScanReport).results) {
      nodeward.set(`${r.pack}/${r.id}`, r.status);
      messages.set(`${r.pack}/${r.id}`, r.message ?? "");
    }
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("the widened contents evaluate on Debian 12 (their rules are not all notapplicable)", () => {
    const verdicts = (c: Content): number => [...(oscap.get(c)?.values() ?? [])].filter(isVerdict).length;
    expect(oscap.get("debian11")?.size, "debian11 rule results").toBeGreaterThan(300);
    expect(verdicts("debian11"), "debian11 rules with a pass or fail verdict").toBeGreaterThan(200);
    expect(oscap.get("ubuntu2204")?.size, "ubuntu2204 cis_level1_server rule results").toBeGreaterThan(150);
    expect(verdicts("ubuntu2204"), "ubuntu2204 rules with a pass or fail verdict").toBeGreaterThan(150);
  });

  it("every mapped check and rule exists (no typo in openscap-map.ts)", () => {
    const missingChecks = OPENSCAP_PAIRS.map(([c]) => c).filter((c) => !nodeward.has(c));
    const missingRules = OPENSCAP_PAIRS.flatMap(([, rs]) => rs).filter((r) => ![...oscap.values()].some((m) => m.has(r)));
    expect(missingChecks, "checks not in nodeward's report").toEqual([]);
    expect(missingRules, "rules in neither content's results").toEqual([]);
  });

  it("every disagreement on overlapping verdicts is listed and explained in docs/openscap-agreement.md, none with nodeward wrong", async () => {
    const pairs: Pair[] = [];
    for (const [content, results] of oscap) {
      for (const [check, rules] of OPENSCAP_PAIRS) {
        const present = rules.filter((r) => results.has(r));
        if (present.length === 0) continue;
        pairs.push({
          check,
          content,
          rules: present.map((r) => `${r}=${results.get(r) ?? ""}`).join(", "),
          nodeward: nodeward.get(check) ?? "?",
          openscap: conjunction(present.map((r) => results.get(r) ?? "")),
        });
      }
    }
    const compared = pairs.filter((p) => isVerdict(p.nodeward) && isVerdict(p.openscap));
    const disagreements = compared.filter((p) => p.nodeward !== p.openscap);
    const notCompared = pairs.filter((p) => !(isVerdict(p.nodeward) && isVerdict(p.openscap)));
    const per = (c: Content): string => {
      const n = compared.filter((p) => p.content === c);
      return `${c} ${n.length} (${n.filter((p) => p.nodeward !== p.openscap).length} disagree)`;
    };
    console.log(
      `[openscap] ${OPENSCAP_PAIRS.length} map entries, ${pairs.length} with rules in a content; overlapping verdicts ${compared.length}: ` +
        `${per("debian11")}, ${per("ubuntu2204")}; not compared: ${notCompared.map((p) => `${key(p)} ${p.nodeward}/${p.openscap}`).join(", ")}`,
    );

    const md = await readFile(DOC, "utf8");
    const listed = listedDisagreements(md);
    const facts = (p: Pair): string => `${key(p)} [${p.rules}]: nodeward ${p.nodeward} (${messages.get(p.check) || "no message"}), OpenSCAP ${p.openscap}`;

    // Each row explains itself, and none admits nodeward is wrong.
    for (const row of listed) {
      expect(["nodeward", "both"], `${key(row)}: "right" must be nodeward or both`).toContain(row.right);
      expect(row.why.length, `${key(row)}: the row must say why`).toBeGreaterThan(20);
    }
    // The listed disagreements are exactly the observed ones, with the same verdicts.
    const seen = disagreements.map((p) => `${key(p)} ${p.nodeward}/${p.openscap}`).sort();
    const doc = listed.map((r) => `${key(r)} ${r.nodeward}/${r.openscap}`).sort();
    expect(seen, `observed disagreements vs docs/openscap-agreement.md:\n${disagreements.map(facts).join("\n")}`).toEqual(doc);

    // The document's overlap figures are this run's.
    const figure = /Overlapping verdicts: \*\*(\d+)\*\* \((\d+) agree, (\d+) disagree\)/.exec(md);
    expect(figure, "docs/openscap-agreement.md states 'Overlapping verdicts: **N** (A agree, D disagree)'").not.toBeNull();
    expect(figure?.slice(1).map(Number)).toEqual([compared.length, compared.length - disagreements.length, disagreements.length]);
  });

  it("0 error results on this root: the kubernetes-node profile, and every pack with --deep", async () => {
    for (const args of [["--profile", "kubernetes-node"], ["--profile", "kubernetes-node", "--deep"], ["--deep"]]) {
      const r = await runCli(["scan", "--root", root, ...args, "--format", "json"]);
      expect([0, 1], `${args.join(" ")}: exit ${r.exitCode}\n${r.stderr}`).toContain(r.exitCode);
      const report = JSON.parse(r.stdout) as ScanReport;
      expect(report.loadErrors ?? [], args.join(" ")).toEqual([]);
      const errors = report.results.filter((x) => x.status === "error").map((x) => `${x.pack}/${x.id}: ${x.message ?? ""}`);
      expect(errors, `${args.join(" ")}: results with status error`).toEqual([]);
      expect(report.results.length, args.join(" ")).toBeGreaterThan(100);
    }
  });
});

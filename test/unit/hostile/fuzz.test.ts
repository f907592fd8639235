/**
 * Issue 19, fuzzing: the pack loader, every host-file parser and a scan of a hostile root
 * under fast-check. In `npm test` each property runs a fixed seed and a small budget
 * (seconds); `npm run fuzz` (NODEWARD_FUZZ_MS=milliseconds per property, random seeds)
 * runs each for its time budget and prints the cases tried and the failures.
 *
 * A failure is a throw (parsers never throw: they record problems), or a case slower than
 * HANG_MS (a hang: every parser is linear, and every document is capped).
 */
import fc from "fast-check";
import { mkdtemp, readFile, rm, writeFile, mkdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadPacks } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { parseGroupEntries, parsePasswdEntries, parseShadowEntries, hashAlgorithm } from "../../../src/probes/parse/accounts.js";
import { parseDpkgStatus } from "../../../src/probes/parse/dpkg-status.js";
import { parseEqualsKeyValue, parseSpaceKeyValue } from "../../../src/probes/parse/key-value.js";
import { parseComponentConfig } from "../../../src/probes/parse/kubelet-config.js";
import { parseCmdline, parseMapFlag } from "../../../src/probes/parse/kubelet-flags.js";
import { parseModprobeConf, parseModuleList, parseProcModules } from "../../../src/probes/parse/modprobe.js";
import { parseOsRelease } from "../../../src/probes/parse/os-release.js";
import { parseGroup, parsePasswd } from "../../../src/probes/parse/passwd.js";
import { parseProcNet } from "../../../src/probes/parse/proc-net.js";
import { parseSshdConfig, sshdTimeToSeconds } from "../../../src/probes/parse/sshd-config.js";
import { parseStaticPodManifest } from "../../../src/probes/parse/static-pod.js";
import { lookupStructured, parseWhole } from "../../../src/probes/parse/structured.js";
import { parseSysctlConf } from "../../../src/probes/parse/sysctl.js";
import { parseEnvironmentFile, parseEnvironmentValue, splitWords } from "../../../src/probes/parse/unit-exec.js";
import { parseUnitFile } from "../../../src/probes/parse/unit-file.js";
import { parseMountinfo } from "../../../src/host/mount-view.js";
import { compilePackRegex, firstMatchingLine } from "../../../src/util/regex.js";
import { documentProblem } from "../../../src/util/doc-guard.js";
import { parseNft } from "../../../src/probes/parse/nft.js";
import { parseIptablesSave } from "../../../src/probes/parse/iptables.js";
import { parseListAllPolicies, parseListAllZones, parsePolicyXml, parseRichRule, parseZoneXml } from "../../../src/probes/parse/firewalld.js";
import { parseAuditRules } from "../../../src/probes/parse/audit-rules.js";
import { parseSudoers } from "../../../src/probes/parse/sudoers.js";
import { parsePam } from "../../../src/probes/parse/pam.js";
import { parseRsyslog } from "../../../src/probes/parse/rsyslog.js";
import { parseSystemdConf } from "../../../src/probes/parse/systemd-conf.js";
import { parseKeyfile } from "../../../src/probes/parse/keyfile.js";
import { parseBlsEntry, parseDefaultGrub, parseGrubCfg } from "../../../src/probes/parse/grub.js";
import { parseLimitsConf } from "../../../src/probes/parse/limits.js";
import { parseShellProfile } from "../../../src/probes/parse/shell-profile.js";
import { loadYaml } from "../../../src/util/yaml.js";

const FUZZ_MS = Number(process.env.NODEWARD_FUZZ_MS ?? 0);
const FUZZING = FUZZ_MS > 0;
const HANG_MS = 2_000;
/** Figures for `npm run fuzz`: property → cases, failures. */
const figures: { name: string; runs: number; failed: boolean; counterexample?: string }[] = [];

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  if (FUZZING) {
    const total = figures.reduce((n, f) => n + f.runs, 0);
    const failed = figures.filter((f) => f.failed);
    console.log(`\nfuzz: ${figures.length} properties, ${total} cases tried, ${failed.length} failed (budget ${FUZZ_MS} ms each)`);
    for (const f of figures) console.log(`  ${f.failed ? "FAIL" : "ok  "} ${String(f.runs).padStart(9)}  ${f.name}${f.counterexample ? `  counterexample: ${f.counterexample.slice(0, 300)}` : ""}`);
  }
});

/** Run a property: fixed seed and `runs` in npm test, a time budget and a random seed under npm run fuzz. */
async function check<T>(name: string, arb: fc.Arbitrary<T>, body: (v: T) => unknown | Promise<unknown>, runs: number, hangMs = HANG_MS): Promise<void> {
  const timed = async (v: T) => {
    const t = performance.now();
    await body(v);
    const ms = performance.now() - t;
    if (ms > hangMs) throw new Error(`took ${ms.toFixed(0)} ms (over ${hangMs} ms: a hang)`);
  };
  const prop = fc.asyncProperty(arb, timed);
  const details = FUZZING
    ? await fc.check(prop, { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_MS, markInterruptAsFailure: false })
    : await fc.check(prop, { numRuns: runs, seed: 19 });
  figures.push({ name, runs: details.numRuns, failed: details.failed, ...(details.failed ? { counterexample: JSON.stringify(details.counterexample) } : {}) });
  if (details.failed) throw new Error(`${name}: ${fc.defaultReportMessage(details)}`);
}

const timeout = (base: number) => (FUZZING ? FUZZ_MS * 2 + 60_000 : base);

// Text that looks like config files: lines of words, separators, quotes, brackets, NULs, long runs.
const token = fc.oneof(
  fc.constantFrom("=", ":", " ", "\t", "\n", "\r\n", "#", '"', "'", "\\", "[", "]", "{", "}", "-", "--", ",", "$", "*", "/", "\0", "..", "__proto__", "constructor", "toString", "$6$", "$toString$", "yes", "no", "0", "-1"),
  fc.string({ maxLength: 12 }),
  fc.nat({ max: 4096 }).map((n) => "a".repeat(n)),
  fc.nat({ max: 300 }).map((n) => "[".repeat(n)),
);
const configText = fc.array(token, { maxLength: 80 }).map((t) => t.join(""));

const PARSERS: [string, (t: string) => unknown][] = [
  ["passwd entries", parsePasswdEntries],
  ["shadow entries", (t) => parseShadowEntries(t).entries.map((e) => hashAlgorithm(e.hash))],
  ["group entries", parseGroupEntries],
  ["passwd id names", parsePasswd],
  ["group id names", parseGroup],
  ["dpkg status", parseDpkgStatus],
  ["space key-value", parseSpaceKeyValue],
  ["equals key-value", parseEqualsKeyValue],
  ["kubelet/component config (YAML)", (t) => parseComponentConfig(t, "/f")],
  ["cmdline", parseCmdline],
  ["map flag", parseMapFlag],
  ["modprobe.d", (t) => parseModprobeConf(t, "/f")],
  ["/proc/modules", parseProcModules],
  ["module list", parseModuleList],
  ["os-release", parseOsRelease],
  ["/proc/net/tcp", (t) => parseProcNet(t, "tcp")],
  ["sshd_config", parseSshdConfig],
  ["sshd time", sshdTimeToSeconds],
  ["static pod manifest", (t) => parseStaticPodManifest(t, "/f")],
  ["structured lookup (yaml)", (t) => lookupStructured(t, "yaml", "a.b.0")],
  ["structured lookup (json)", (t) => lookupStructured(t, "json", "a.b")],
  ["whole document (yaml)", (t) => parseWhole(t, "yaml")],
  ["whole document (json)", (t) => parseWhole(t, "json")],
  ["sysctl.conf", (t) => parseSysctlConf(t, "/f")],
  ["EnvironmentFile", (t) => parseEnvironmentFile(t, "/f")],
  ["Environment=", parseEnvironmentValue],
  ["ExecStart words", splitWords],
  ["unit file", (t) => parseUnitFile(t, "/f")],
  ["mountinfo", parseMountinfo],
  ["document caps", documentProblem],
  // Added since issue 19's pass (includes, firewall, auditd, boot loader, PAM, logging).
  ["nft ruleset", (t) => parseNft(t, "/f")],
  ["iptables-save", (t) => parseIptablesSave(t, "ip", "/f")],
  ["firewalld zone XML", (t) => parseZoneXml(t, "z", "/f")],
  ["firewalld policy XML", (t) => parsePolicyXml(t, "p", "/f")],
  ["firewall-cmd --list-all-zones", parseListAllZones],
  ["firewall-cmd --list-all-policies", parseListAllPolicies],
  ["firewalld rich rule", parseRichRule],
  ["audit rules", parseAuditRules],
  ["sudoers", parseSudoers],
  ["pam.d", parsePam],
  ["rsyslog.conf", parseRsyslog],
  ["systemd *.conf", (t) => parseSystemdConf(t, "/f")],
  ["keyfile (dconf)", parseKeyfile],
  ["grub.cfg", parseGrubCfg],
  ["BLS entry", parseBlsEntry],
  ["/etc/default/grub", parseDefaultGrub],
  ["limits.conf", (t) => parseLimitsConf(t, "/f")],
  ["shell profile", parseShellProfile],
];

describe("every host-file parser: never throws, never hangs", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  for (const [name, parse] of PARSERS) {
    it(name, async () => {
      await check(`parser: ${name}`, configText, (t) => {
        parse(t);
      }, 150);
    }, timeout(30_000));
  }

  it("a pack pattern over any text (linear time)", async () => {
    const pattern = fc.constantFrom("^(a+)+$", "^\\s*(\\S+)\\s*=\\s*(.*)$", "(?i)permit", "(a|aa)*b", "^\\s*(\"[^\"]*\"|/\\S*)(?:\\s*$|(?:\\s.*)?\\s\\*(?:[(\\s]|$))");
    await check("regex: firstMatchingLine", fc.tuple(pattern, configText), async ([p, t]) => {
      await firstMatchingLine(compilePackRegex(p), t);
    }, 100);
  }, timeout(30_000));
});

describe("the pack loader on mutated packs: errors, never a throw", () => {
  it("mutations of a shipped pack file", async () => {
    const base = await readFile(path.join(DEFAULT_BENCHMARKS_DIR, "kisa-unix", "3-services.yaml"), "utf8");
    const meta = "pack: { id: fz, title: Fuzz, benchmark: Fuzz v1, version: \"1\" }\n";
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-fuzz-pack-"));
    dirs.push(dir);
    const mutation = fc.array(
      fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(token, fc.constantFrom("__proto__: 1", "pattern: '(a+)+$'", "*a", "&a [", "<<: *a", "\n  - id: x\n", "$var"))),
      { minLength: 1, maxLength: 6 },
    );
    await check("pack loader: mutated pack", mutation, async (muts) => {
      let text = base;
      for (const [at, del, ins] of muts) {
        const i = at % (text.length + 1);
        text = text.slice(0, i) + ins + text.slice(i + del);
      }
      await writeFile(path.join(dir, "pack.yaml"), meta + text);
      const r = await loadPacks([dir], { cache: { get: () => undefined } as never });
      for (const e of r.errors) expect(typeof e.message).toBe("string");
    }, 40);
  }, timeout(60_000));
});

describe("a scan of a hostile root: never throws; every result has a status", () => {
  it("random files and links, many escaping", async () => {
    const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const PATHS = [
      "etc/passwd", "etc/shadow", "etc/group", "etc/ssh/sshd_config", "etc/ssh/sshd_config.d/a.conf", "etc/exports", "etc/sysctl.d/a.conf",
      "etc/modprobe.d/a.conf", "etc/os-release", "var/lib/kubelet/config.yaml", "etc/kubernetes/manifests/kube-apiserver.yaml",
      "lib/systemd/system/kubelet.service", "etc/systemd/system/kubelet.service.d/10.conf", "var/lib/dpkg/status", "etc/login.defs",
      "proc/1/cmdline", "proc/1/root", "proc/net/tcp", "proc/sys/net/ipv4/ip_forward", "proc/modules", "etc/mail/sendmail.cf", "home/u",
    ];
    const entry = fc.record({
      path: fc.constantFrom(...PATHS),
      kind: fc.constantFrom("file", "file", "link"),
      text: configText,
      target: fc.constantFrom("/", "/etc", "../../../../../../../../etc/shadow", "/proc/self", "/proc", "..", "a", "/etc/passwd", "/dev/null", "../.."),
    });
    const root0 = await mkdtemp(path.join(tmpdir(), "nodeward-fuzz-root-"));
    dirs.push(root0);
    let n = 0;
    await check("scan: hostile root", fc.array(entry, { minLength: 1, maxLength: 12 }), async (entries) => {
      const root = path.join(root0, String(n++));
      for (const e of entries) {
        const full = path.join(root, e.path);
        await mkdir(path.dirname(full), { recursive: true }).catch(() => undefined);
        if (e.kind === "link") await symlink(e.target, full).catch(() => undefined);
        else await writeFile(full, e.text).catch(() => undefined);
      }
      const report = await runScan({ host: new HostRoot({ root }), packs: loaded.packs, inventory: false, probeTimeoutMs: 5_000 });
      for (const r of report.results) expect(["pass", "fail", "manual", "skip", "error"]).toContain(r.status);
      expect(report.results.some((r) => (r.message ?? "").includes("internal"))).toBe(false);
      await rm(root, { recursive: true, force: true });
    }, 3, 60_000);
  }, timeout(120_000));
});

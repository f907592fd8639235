import { afterAll, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { PREVIEW_LINE_CHARS, PREVIEW_MAX_LINES, PREVIEWS_MAX_CHARS, previewFixes, previewOf, scanPreviews } from "../../../src/remediation/preview.js";
import { printPlan } from "../../../src/cli/commands/remediate.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { failingNode, fixChecks, KUBELET_CONFIG, treeHash } from "./helpers.js";

afterAll(cleanupFixtures);

/**
 * The 7.1.5 fix planned on a failing node, and a write-file change whose old and new
 * contents hold secrets (a password, a token, a PEM block), then `tail`.
 */
async function secretWrite(tail = "") {
  const root = await fixtureRoot(failingNode());
  const host = new HostRoot({ root });
  const plan = await planRemediation({ host, checks: (await fixChecks()).filter((c) => c.id === "7.1.5") });
  const fix = plan.fixes[0];
  if (!fix) throw new Error("no fix planned");
  const st = (content: string) => ({ content, mode: 0o600, uid: 0, gid: 0 });
  const pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oSZxLTUvR2SwoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";
  const write = {
    kind: "write-file" as const,
    path: "/etc/app.conf",
    before: st("user = app\npassword = old-hunter2\n"),
    after: st(`user = app\npassword = new-hunter3\napi_token: tok-hunter4\n${pem}${tail}`),
  };
  return { host, plan, fix, write };
}

describe("previewFixes: the dry run as data for the agent's pages", () => {
  it("one preview per failing check with a fix, each planned alone; only changed lines; changes no byte", async () => {
    const secretLine = "staticPodPath: /etc/kubernetes/manifests\ntoken: s3cr3t-value-that-must-not-show\n";
    const root = await fixtureRoot({ ...failingNode(), "var/lib/kubelet/config.yaml": { content: KUBELET_CONFIG + secretLine, mode: 0o644, uid: 0, gid: 0 } });
    const before = await treeHash(root);
    const host = new HostRoot({ root });
    const checks = await fixChecks();
    const results = await runChecks(checks, { host });
    const previews = await previewFixes({ host, checks, results });
    expect(await treeHash(root)).toBe(before);
    const byKey = Object.fromEntries(previews.map((p) => [p.check, p]));
    expect(Object.keys(byKey).sort()).toEqual([
      "cis-debian-12/1.1.1.1", "cis-debian-12/2.1.2", "cis-debian-12/2.2.4", "cis-debian-12/3.3.5",
      "cis-debian-12/7.1.5", "cis-kubernetes-node/4.1.9", "cis-kubernetes-node/4.2.1",
    ]);
    expect(byKey["cis-debian-12/7.1.5"]).toEqual({ check: "cis-debian-12/7.1.5", action: "file-mode", lines: ["chmod 0644 → 0640  /etc/shadow"], skipped: [] });
    // Planned alone: 4.2.1 sees the file as it is (0644), not as 4.1.9 would leave it.
    const k = byKey["cis-kubernetes-node/4.2.1"];
    expect(k?.needs).toBe("kubelet-restart");
    expect(k?.lines).toEqual([
      "--- /var/lib/kubelet/config.yaml\t(mode 0644, owner 0:0)",
      "+++ /var/lib/kubelet/config.yaml\t(mode 0644, owner 0:0)",
      "@@ -4,5 +4,5 @@",
      "-    enabled: true # insecure default from an old template",
      "+    enabled: false # insecure default from an old template",
    ]);
    // No context line quotes the rest of the file; nothing secret-looking anywhere.
    const all = JSON.stringify(previews);
    expect(all).not.toContain("s3cr3t");
    expect(all).not.toContain("webhook");
    // Live-only on a mounted root: skipped, with the reason.
    expect(byKey["cis-debian-12/2.2.4"]?.lines).toEqual([]);
    expect(byKey["cis-debian-12/2.2.4"]?.skipped[0]).toMatch(/^\$ .*apt-get.* purge .*telnet.*\(runs only on the live host \(this is --root .*\)\)$/);
  });

  it("a passing check has no preview", async () => {
    const root = await fixtureRoot(failingNode());
    const host = new HostRoot({ root });
    const checks = await fixChecks();
    const results = (await runChecks(checks, { host })).map((r) => (r.id === "7.1.5" ? { ...r, status: "pass" as const } : r));
    const previews = await previewFixes({ host, checks, results });
    expect(previews.map((p) => p.check)).not.toContain("cis-debian-12/7.1.5");
    expect(previews).toHaveLength(6);
  });

  it("a long change is cut at PREVIEW_MAX_LINES, saying how many lines were left out", async () => {
    const root = await fixtureRoot(failingNode());
    const host = new HostRoot({ root });
    const plan = await planRemediation({ host, checks: (await fixChecks()).filter((c) => c.id === "7.1.5") });
    const fix = plan.fixes[0];
    if (!fix) throw new Error("no fix planned");
    const many = { ...fix, changes: Array.from({ length: 55 }, (_, i) => ({ kind: "chmod" as const, path: `/etc/f${i}`, from: 0o644, to: 0o640 })) };
    const p = previewOf(many, host);
    expect(p.lines).toHaveLength(PREVIEW_MAX_LINES);
    expect(p.lines.at(-1)).toBe("chmod 0644 → 0640  /etc/f39");
    expect(p.omitted).toBe(15);
  });

  it("a written file's new lines are redacted like its old ones, a PEM block as a block; a long line is cut", async () => {
    const { host, fix, write } = await secretWrite(`long = ${"x".repeat(600)}\n`);
    const p = previewOf({ ...fix, changes: [write] }, host);
    const text = p.lines.join("\n");
    expect(text).not.toMatch(/hunter|MHcCAQEE/);
    expect(p.lines).toContain("-password = [redacted]");
    expect(p.lines).toContain("+password = [redacted]");
    expect(p.lines).toContain("+api_token: [redacted]");
    expect(p.lines).toContain("+-----BEGIN EC PRIVATE KEY----- [redacted]");
    const long = p.lines.find((l) => l.startsWith("+long = "));
    expect(long).toBe(`+long = ${"x".repeat(PREVIEW_LINE_CHARS - "+long = ".length)}…`);
    // The unchanged line is context: not quoted.
    expect(p.lines).not.toContain(" user = app");
  });

  it("one scan's previews stay within PREVIEWS_MAX_CHARS, the most severe checks first", async () => {
    const root = await fixtureRoot(failingNode());
    const host = new HostRoot({ root });
    const checks = await fixChecks();
    const results = await runChecks(checks, { host });
    const all = await scanPreviews({ host, checks, results });
    expect(all.map((p) => p.check)).toHaveLength(7);
    const sev = new Map(checks.map((c) => [c.key, c.severity]));
    const ranks = all.map((p) => ["info", "low", "medium", "high", "critical"].indexOf(sev.get(p.check) ?? "info"));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(JSON.stringify(all).length).toBeLessThan(PREVIEWS_MAX_CHARS);
    // A budget that holds the first two: the rest have no preview (their pages show the dry-run command).
    const two = all.slice(0, 2).reduce((n, p) => n + p.check.length + p.action.length + p.lines.reduce((m, l) => m + l.length + 1, 0) + p.skipped.reduce((m, l) => m + l.length + 1, 0), 0);
    const cut = await scanPreviews({ host, checks, results, maxChars: two });
    expect(cut.map((p) => p.check)).toEqual(all.slice(0, 2).map((p) => p.check));
  });
});

describe("the CLI's dry run (remediate without --apply) redacts as the previews do", () => {
  it("a written file's old and new secrets, and a PEM block, never reach the printed plan", async () => {
    const { plan, fix, write } = await secretWrite();
    let printed = "";
    printPlan({ ...plan, fixes: [{ ...fix, changes: [write], skipped: [{ change: write, reason: "already planned" }] }] }, (s) => (printed += s));
    expect(printed).not.toMatch(/hunter|MHcCAQEE/);
    const lines = printed.split("\n");
    expect(lines).toContain("    -password = [redacted]");
    expect(lines).toContain("    +password = [redacted]");
    expect(lines).toContain("    +api_token: [redacted]");
    expect(lines).toContain("    +-----BEGIN EC PRIVATE KEY----- [redacted]");
    // The dry run shows context (the preview does not): unchanged, and not a secret.
    expect(lines).toContain("     user = app");
    expect(lines).toContain("    (skipped: already planned) +password = [redacted]");
  });
});

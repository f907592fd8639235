/**
 * How the engine decides each status, over real probes on fixture roots. Checks come
 * from small inline packs loaded by the real loader, as a pack author writes them.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { countStatuses } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { probes } from "../../../src/probes/index.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, loadInline } from "../../helpers/inline-pack.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ETC = {
  "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
  "etc/group": "root:x:0:\n",
};

async function scan(yaml: string, spec: Parameters<typeof fixtureRoot>[0]) {
  const root = await fixtureRoot({ ...ETC, ...spec });
  const checks = await loadInline(yaml);
  return { root, results: await runChecks(checks, { host: new HostRoot({ root }) }) };
}

const SHADOW_CHECK = `defaults: { severity: high }
checks:
  - id: "7.1.5"
    title: shadow permissions
    audit:
      probe: file
      params: { path: /etc/shadow }
      expect:
        mode: { mode-at-most: "0640" }
        owner: root
`;

describe("evaluateCheck through runChecks", () => {
  it("pass: observed, expected and the file as evidence; no message", async () => {
    const { results } = await scan(SHADOW_CHECK, { "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 } });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      id: "7.1.5",
      pack: "t",
      benchmark: "Test Benchmark v1",
      severity: "high",
      status: "pass",
      observed: "mode=0640, owner=root",
      expected: "mode 0640 or more restrictive, owner = root",
      evidence: [{ file: "/etc/shadow" }],
    });
    expect(results[0]?.message).toBeUndefined();
  });

  it("fail: the message says which field, what was seen and what was expected", async () => {
    const { results } = await scan(SHADOW_CHECK, { "etc/shadow": { content: "root:*:1::::::\n", mode: 0o644 } });
    expect(results[0]).toMatchObject({
      status: "fail",
      message: "mode is 0644, expected 0640 or more restrictive",
      observed: "mode=0644, owner=root",
      evidence: [{ file: "/etc/shadow" }],
    });
  });

  it("fail: each over a glob lists the offending files as evidence", async () => {
    const yaml = `defaults: { severity: medium }
checks:
  - id: cron
    title: cron files
    audit:
      probe: file
      params: { glob: "/etc/cron.d/*" }
      expect:
        files: { each: { mode: { mode-at-most: "0600" } } }
`;
    const { results } = await scan(yaml, {
      "etc/cron.d/a": { content: "x\n", mode: 0o600 },
      "etc/cron.d/b": { content: "x\n", mode: 0o644 },
      "etc/cron.d/c": { content: "x\n", mode: 0o666 },
    });
    expect(results[0]).toMatchObject({
      status: "fail",
      message: "files is 2 of 3 not matching: /etc/cron.d/b, /etc/cron.d/c, expected every element: mode 0600 or more restrictive",
    });
    // Each file once, even though it is both stat evidence and offending.
    expect(results[0]?.evidence).toEqual([{ file: "/etc/cron.d/a" }, { file: "/etc/cron.d/b" }, { file: "/etc/cron.d/c" }]);
  });

  it("skip via applies: the condition's reason, and the audit is never run", async () => {
    const spy = vi.spyOn(probes.command, "collect");
    const yaml = `checks:
  - id: k
    title: kubelet thing
    severity: high
    applies:
      - probe: file
        params: { path: /usr/bin/kubelet }
        expect: { exists: true }
        reason: no kubelet binary on this node
    audit: { probe: command, params: { argv: ["true"], liveOnly: false }, expect: { exitCode: 0 } }
`;
    const { results } = await scan(yaml, {});
    expect(results[0]).toMatchObject({ status: "skip", message: "no kubelet binary on this node", evidence: [{ file: "/usr/bin/kubelet" }] });
    expect(spy).not.toHaveBeenCalled();
  });

  it("a condition shared by many checks is evaluated once per fact; each check still gets its verdict", async () => {
    const yaml = `defaults:
  severity: high
  applies:
    - probe: file
      params: { path: /etc/os-marker }
      expect: { exists: true }
      reason: not this platform
checks:
  - { id: a, title: a, audit: { probe: file, params: { path: /etc/passwd }, expect: { exists: true } } }
  - { id: b, title: b, audit: { probe: file, params: { path: /etc/group }, expect: { exists: true } } }
  - id: c
    title: c
    applies:
      - probe: file
        params: { path: /etc/os-marker }
        expect: { exists: true }
        reason: not this platform either
    audit: { probe: file, params: { path: /etc/shadow }, expect: { exists: true } }
`;
    const root = await fixtureRoot(ETC);
    const checks = await loadInline(yaml);
    // One matcher for the three equal expectations (the loader shares them).
    const shared = checks[0]!.applies[0]!.expect;
    expect(checks.flatMap((c) => c.applies.map((a) => a.expect === shared))).toEqual([true, true, true, true]);
    const spy = vi.spyOn(shared, "evaluate");
    const results = await runChecks(checks, { host: new HostRoot({ root }) });
    expect(results.map((r) => [r.id, r.status, r.message])).toEqual([
      ["a", "skip", "not this platform"],
      ["b", "skip", "not this platform"],
      ["c", "skip", "not this platform"],
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    // Another scan gathers its own facts: judged afresh, not from the first scan's memo.
    const root2 = await fixtureRoot({ ...ETC, "etc/os-marker": "x\n" });
    const again = await runChecks(checks, { host: new HostRoot({ root: root2 }) });
    expect(again.map((r) => [r.id, r.status])).toEqual([
      ["a", "pass"],
      ["b", "pass"],
      ["c", "fail"],
    ]);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("skip via precondition: its reason plus the fact's note", async () => {
    const yaml = `checks:
  - id: p
    title: kubelet config
    severity: high
    audit:
      probe: file
      params: { path: /etc/kubernetes/kubelet.conf }
      precondition: { exists: true }
      precondition-reason: the kubelet runs without a kubeconfig
      expect: { mode: { mode-at-most: "0600" } }
  - id: q
    title: same, no reason given
    severity: high
    audit:
      probe: file
      params: { path: /etc/missing.conf }
      precondition: { exists: true }
      expect: { mode: { mode-at-most: "0600" } }
`;
    const { results } = await scan(yaml, { "etc/kubernetes/kubelet.conf": { symlink: "/nowhere/kubelet.conf" } });
    expect(results.map((r) => [r.id, r.status, r.message, r.observed])).toEqual([
      ["p", "skip", "the kubelet runs without a kubeconfig (dangling symlink to /nowhere/kubelet.conf)", "exists=false"],
      ["q", "skip", "not applicable: exists is false, expected true", "exists=false"],
    ]);
  });

  it("manual: the observed value is shown, and manual without audit says so", async () => {
    const yaml = `checks:
  - id: m1
    title: look at sshd_config
    severity: medium
    manual: true
    audit: { probe: file, params: { path: /etc/ssh/sshd_config, key: PermitRootLogin }, expect: { value: "no" } }
  - id: m2
    title: ask a person
    severity: low
    manual: true
`;
    const { results } = await scan(yaml, { "etc/ssh/sshd_config": "PermitRootLogin yes\n" });
    expect(results[0]).toMatchObject({
      status: "manual",
      message: "needs a person to judge; the observed value is shown",
      observed: "value=yes",
      expected: "value = no",
    });
    expect(results[0]?.evidence).toEqual([
      { file: "/etc/ssh/sshd_config" },
      { file: "/etc/ssh/sshd_config", line: 1, key: "PermitRootLogin" },
    ]);
    expect(results[1]).toMatchObject({ status: "manual", message: "needs a person to judge (no automated audit)", evidence: [] });
  });

  it("manual: a value that could not be observed is not 'shown': the message says why", async () => {
    // The file probe cannot be made to miss a field as root in a temp dir: the fact is replaced.
    vi.spyOn(probes.file, "collect").mockResolvedValue({
      value: { path: "/etc/ssh/sshd_config", exists: true },
      evidence: [{ file: "/etc/ssh/sshd_config" }],
      unknown: { value: "/etc/ssh/sshd_config: permission denied (EACCES)" },
    });
    const yaml = `checks:
  - id: m1
    title: look at sshd_config
    severity: medium
    manual: true
    audit: { probe: file, params: { path: /etc/ssh/sshd_config, key: PermitRootLogin }, expect: { value: "no" } }
  - id: m2
    title: look at sshd_config, if it is there
    severity: medium
    manual: true
    audit:
      probe: file
      params: { path: /etc/ssh/sshd_config, key: PermitRootLogin }
      precondition: { value: { not: "absent" } }
      expect: { value: "no" }
`;
    const { results } = await scan(yaml, {});
    for (const r of results) {
      expect(r).toMatchObject({
        status: "manual",
        message: "needs a person to judge; could not be observed here: cannot determine value: /etc/ssh/sshd_config: permission denied (EACCES)",
      });
    }
    vi.restoreAllMocks();
  });

  it("error when a probe throws: the reason names the probe; the other check still passes", async () => {
    const real = probes.file.collect.bind(probes.file);
    vi.spyOn(probes.file, "collect").mockImplementation(async (ctx, p) => {
      if (p.path === "/etc/boom") throw new Error("disk on fire");
      return real(ctx, p);
    });
    const yaml = `defaults: { severity: low }
checks:
  - { id: a, title: A, audit: { probe: file, params: { path: /etc/boom }, expect: { exists: false } } }
  - { id: b, title: B, audit: { probe: file, params: { path: /etc/passwd }, expect: { exists: true } } }
`;
    const { results } = await scan(yaml, {});
    expect(results.map((r) => [r.id, r.status, r.message])).toEqual([
      ["a", "error", "[probe:file] disk on fire"],
      ["b", "pass", undefined],
    ]);
    expect(results[0]?.expected).toBe("exists = false");
  });

  it("error when an expectation reads a field the probe marks unknown (exact reason)", async () => {
    const yaml = `checks:
  - id: u
    title: command on a --root scan
    severity: medium
    audit: { probe: command, params: { argv: ["/bin/true"] }, expect: { exitCode: 0 } }
`;
    const { root, results } = await scan(yaml, {});
    const why = `commands run only on the live host; scanning ${root}`;
    expect(results[0]).toMatchObject({
      status: "error",
      message: `cannot determine exitCode: ${why}`,
      observed: `exitCode=unknown (${why})`,
      evidence: [{ command: "/bin/true", detail: "not run" }],
    });
  });

  it("error when content cannot be parsed: value is unknown, not missing", async () => {
    const yaml = `checks:
  - id: y
    title: kubelet config value
    severity: high
    audit:
      probe: file
      params: { path: /var/lib/kubelet/config.yaml, format: yaml, key: authentication.anonymous.enabled }
      expect: { value: false }
`;
    const { results } = await scan(yaml, { "var/lib/kubelet/config.yaml": "authentication: [unclosed\n" });
    expect(results[0]?.status).toBe("error");
    expect(results[0]?.message).toMatch(/^cannot determine value: \/var\/lib\/kubelet\/config\.yaml: /);
  });

  it("error applicability: the check is error, never skip or pass", async () => {
    vi.spyOn(probes.file, "collect").mockRejectedValue(new Error("EIO: i/o error"));
    const yaml = `checks:
  - id: e
    title: E
    severity: high
    applies: [{ probe: file, params: { path: /usr/bin/kubelet }, expect: { exists: true }, reason: no kubelet }]
    manual: true
`;
    const { results } = await scan(yaml, {});
    expect(results[0]).toMatchObject({ status: "error", message: "cannot tell whether the check applies: [probe:file] EIO: i/o error" });
  });

  it("error is never counted as pass, even when the expectation would hold on an empty fact", async () => {
    const yaml = `defaults: { severity: high }
checks:
  - { id: loop, title: Loop, audit: { probe: file, params: { path: /etc/loop1 }, expect: { exists: false } } }
  - { id: gone, title: Gone, audit: { probe: file, params: { path: /etc/gone }, expect: { exists: false } } }
`;
    const { results } = await scan(yaml, { "etc/loop1": { symlink: "loop2" }, "etc/loop2": { symlink: "loop1" } });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["loop", "error"],
      ["gone", "pass"],
    ]);
    expect(countStatuses(results)).toEqual({ pass: 1, fail: 0, manual: 0, skip: 0, error: 1 });
  });
});

describe("fact gathering", () => {
  it("a fact shared by two checks (params in any order) is collected once", async () => {
    const spy = vi.spyOn(probes.file, "collect");
    const yaml = `defaults: { severity: low }
checks:
  - { id: a, title: A, audit: { probe: file, params: { path: /etc/passwd, pattern: "^root:" }, expect: { matched: true } } }
  - { id: b, title: B, audit: { probe: file, params: { pattern: "^root:", path: /etc/passwd }, expect: { mode: { mode-at-most: "0644" } } } }
  - { id: c, title: C, audit: { probe: file, params: { path: /etc/group }, expect: { exists: true } } }
`;
    const { results } = await scan(yaml, {});
    expect(results.map((r) => r.status)).toEqual(["pass", "pass", "pass"]);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls.map((c) => (c[1] as { path: string }).path).sort()).toEqual(["/etc/group", "/etc/passwd"]);
  });

  it("a probe that hangs is an error after probeTimeoutMs; the other checks still finish", async () => {
    // A fake probe is fine here: this tests the engine's containment (timeout, isolation),
    // not any probe. Real commands that hang are in run-checks.test.ts.
    const root = await fixtureRoot(ETC);
    const [hang, ok] = await loadInline(`defaults: { severity: high }
checks:
  - { id: hang, title: Hangs, audit: { probe: file, params: { path: /etc/hostname }, expect: { exists: true } } }
  - { id: ok, title: OK, audit: { probe: file, params: { path: /etc/passwd }, expect: { exists: true } } }
`);
    if (!hang?.audit || !ok) throw new Error("pack did not load");
    const never = { ...probes.file, id: "fake-hang", collect: () => new Promise<never>(() => {}) };
    const hanging = { ...hang, audit: { ...hang.audit, probe: never, probeId: "fake-hang", factKey: "fake-hang:{}" } };
    const started = performance.now();
    const results = await runChecks([hanging, ok], { host: new HostRoot({ root }), probeTimeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(results.map((r) => [r.id, r.status, r.message])).toEqual([
      ["hang", "error", "[probe:fake-hang] probe fake-hang gave no answer within 300 ms"],
      ["ok", "pass", undefined],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });
});

describe("an optional field (field?) never passes what could not be observed", () => {
  const ENABLED_AND_RUNNING = `defaults: { severity: low }
checks:
  - id: "2.3.2.2"
    title: Ensure systemd-timesyncd is enabled and running
    audit:
      probe: systemd-unit
      params: { unit: systemd-timesyncd.service }
      expect:
        enabled: true
        active?: active
`;
  const UNIT = {
    "usr/lib/systemd/system/systemd-timesyncd.service": "[Unit]\nDescription=t\n[Service]\nExecStart=/x\n[Install]\nWantedBy=sysinit.target\n",
    "etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service": { symlink: "/usr/lib/systemd/system/systemd-timesyncd.service" },
  };

  it("offline root (nothing runs there): judged on enablement alone, the running state shown as n/a", async () => {
    const { root, results } = await scan(ENABLED_AND_RUNNING, UNIT);
    expect(results[0]).toMatchObject({
      status: "pass",
      observed: `enabled=true, active=n/a (not the live host (--root ${root}): nothing runs in an offline root)`,
    });
  });

  it("a root with a running system behind it whose systemd cannot be asked: error with the reason", async () => {
    const root = await fixtureRoot({ ...ETC, ...UNIT });
    const proc = await fixtureRoot({ "1/comm": "systemd\n", "1/cmdline": "/sbin/init\0" });
    const checks = await loadInline(ENABLED_AND_RUNNING);
    const [r] = await runChecks(checks, { host: new HostRoot({ root, proc }) });
    expect(r).toMatchObject({
      status: "error",
      message: `cannot determine active: PID 1 is systemd but ${root}/run/systemd/system is missing: its state is hidden from nodeward (is the host's /run mounted?)`,
    });
  });

  it("a fact hidden from the probe (unknown) is an error even where the pack writes it optional", async () => {
    const checks = await loadInline(`defaults: { severity: low }
checks:
  - id: "3.3.1"
    title: ip forwarding off
    audit:
      probe: sysctl
      params: { key: net.ipv4.ip_forward }
      expect:
        runtime?: "0"
        persisted: "0"
`);
    const root = await fixtureRoot({ ...ETC, "etc/sysctl.conf": "net.ipv4.ip_forward = 0\n" });
    const proc = await fixtureRoot({ "sys/net/ipv4/ip_forward": "0\n" });
    // /proc/sys/net/ipv4/ip_forward denied, as an LSM denies it: the kernel's EACCES.
    class Denied extends HostRoot {
      override async procReadIfExists(rel: string) {
        if (rel === "sys/net/ipv4/ip_forward") throw Object.assign(new Error(`EACCES: permission denied, open '${proc}/${rel}'`), { code: "EACCES" });
        return super.procReadIfExists(rel);
      }
    }
    const [r] = await runChecks(checks, { host: new Denied({ root, proc }) });
    expect(r?.status).toBe("error");
    expect(r?.message).toMatch(/^cannot determine runtime: cannot read \/proc\/sys\/net\/ipv4\/ip_forward: .*EACCES/);
  });
});

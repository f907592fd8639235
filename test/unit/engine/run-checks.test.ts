/**
 * The "Core" acceptance list: hostile things on a scanned root each give `error` with a
 * specific reason, within the timeout, and every other check of the same scan still
 * passes. Real probes over fixture roots, through runChecks (and the CLI for the one
 * case that needs another user).
 */
import { chmod, truncate } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { DEFAULT_MAX_FILE_BYTES, HostRoot } from "../../../src/host/host-root.js";
import { addToRoot, cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { canRunAsNobody, cleanupNobodyRoots, nobodyRoot, scanAsNobody } from "../../helpers/as-nobody.js";
import { ensureCliBuilt } from "../../helpers/cli.js";
import { cleanupPackDirs, loadInline, PACK_META } from "../../helpers/inline-pack.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
});

const ACCEPTANCE = `defaults: { severity: high }
checks:
  - { id: ok-passwd, title: passwd is there, audit: { probe: file, params: { path: /etc/passwd, pattern: "^root:" }, expect: { matched: true } } }
  - { id: loop, title: symlink loop, audit: { probe: file, params: { path: /etc/loop1 }, expect: { exists: false } } }
  - { id: escape, title: symlink out of the root, audit: { probe: file, params: { path: /etc/escape, key: root }, expect: { found: false } } }
  - { id: sparse, title: 2 GB sparse file read for content, audit: { probe: file, params: { path: /var/log/huge.log, pattern: "password" }, expect: { matched: false } } }
  - { id: no-cmd, title: missing command, audit: { probe: command, params: { argv: ["/nonexistent/cmd"], liveOnly: false }, expect: { exitCode: 0 } } }
  - { id: hang, title: command that hangs, audit: { probe: command, params: { argv: ["sleep", "60"], timeoutMs: 500, liveOnly: false }, expect: { exitCode: 0 } } }
  - { id: ok-cmd, title: a command that works, audit: { probe: command, params: { argv: ["/bin/echo", "hi"], liveOnly: false }, expect: { stdout: hi } } }
  - { id: ok-group, title: group is there, audit: { probe: file, params: { path: /etc/group }, expect: { mode: { mode-at-most: "0644" } } } }
`;

describe("acceptance: hostile roots give error with a reason, the rest of the scan passes", () => {
  let root: string;
  let results: Map<string, CheckResult>;
  let elapsed: number;

  beforeAll(async () => {
    root = await fixtureRoot({
      "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
      "etc/group": { content: "root:x:0:\n", mode: 0o644 },
      "etc/loop1": { symlink: "loop2" },
      "etc/loop2": { symlink: "loop1" },
      // Relative, climbing above the root: must be refused, not followed to the real /etc.
      "etc/escape": { symlink: "../../../../../../etc/passwd" },
      "var/log/.keep": "",
    });
    // Sparse: 2 GB of size, no blocks. The probe must refuse it, not read it.
    await addToRoot(root, { "var/log/huge.log": "" });
    await truncate(path.join(root, "var/log/huge.log"), 2 * 1024 ** 3);
    const checks = await loadInline(ACCEPTANCE);
    const started = performance.now();
    const list = await runChecks(checks, { host: new HostRoot({ root }) });
    elapsed = performance.now() - started;
    results = new Map(list.map((r) => [r.id, r]));
  });

  it.each<[string, () => string]>([
    ["loop", () => "[probe:file] too many levels of symbolic links (a symlink loop?) resolving /etc/loop1"],
    ["escape", () => `[probe:file] symlink /etc/escape -> ../../../../../../etc/passwd points outside the root ${root}`],
    ["sparse", () => `[probe:file] /var/log/huge.log is ${2 * 1024 ** 3} bytes, over the ${DEFAULT_MAX_FILE_BYTES}-byte read limit`],
    ["no-cmd", () => "[probe:command] command not found: /nonexistent/cmd"],
    ["hang", () => "[probe:command] sleep timed out after 500 ms"],
  ])("%s → error with its reason", (id, reason) => {
    expect(results.get(id)).toMatchObject({ status: "error", message: reason() });
  });

  it("the other checks of the same scan pass", () => {
    expect(["ok-passwd", "ok-cmd", "ok-group"].map((id) => [id, results.get(id)?.status])).toEqual([
      ["ok-passwd", "pass"],
      ["ok-cmd", "pass"],
      ["ok-group", "pass"],
    ]);
    expect(results.size).toBe(8);
  });

  it("the hanging command is stopped at its timeout: the whole scan takes well under its 60 s", () => {
    expect(results.get("hang")?.durationMs).toBeGreaterThanOrEqual(450);
    // Generous bounds for a loaded CI machine; the point is "not 60 s".
    expect(results.get("hang")?.durationMs).toBeLessThan(5000);
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe("acceptance: unreadable files and directories (the CLI run as nobody)", () => {
  beforeAll(async () => {
    if (canRunAsNobody) await ensureCliBuilt();
  }, 120_000);
  afterAll(cleanupNobodyRoots);

  // As root nothing is unreadable, so the scan runs as `nobody`.
  it.runIf(canRunAsNobody)("a mode-000 file read for content is error EACCES; the other check passes; exit 1", { timeout: 60_000 }, async () => {
    const root = await nobodyRoot(
      {
        "etc/passwd": { content: "root:x:0:0:root:/root:/bin/bash\n", mode: 0o644 },
        "etc/secret.conf": { content: "token = x\n", mode: 0o000 },
      },
      ["etc"],
    );
    const packs = await nobodyRoot({
      "pack.yaml": {
        mode: 0o644,
        content: `${PACK_META}defaults: { severity: high }
checks:
  - { id: secret, title: unreadable, audit: { probe: file, params: { path: /etc/secret.conf, key: token, format: equals }, expect: { found: false } } }
  - { id: ok, title: readable, audit: { probe: file, params: { path: /etc/passwd, pattern: "^root:" }, expect: { matched: true } } }
`,
      },
    });
    const { report, code, stderr } = await scanAsNobody(["--root", root, "--packs", packs]);
    expect(stderr).toBe("");
    expect(report.results.map((x) => [x.id, x.status, x.message])).toEqual([
      ["secret", "error", `[probe:file] /etc/secret.conf: EACCES: permission denied, open '${root}/etc/secret.conf'`],
      ["ok", "pass", undefined],
    ]);
    expect(report.summary).toEqual({ pass: 1, fail: 0, manual: 0, skip: 0, error: 1 });
    expect(code).toBe(1);
  });

  // The shipped KISA checks over globs under /root and /home/*: as nobody (as under an LSM
  // that denies the agent those trees) the directories cannot be listed. They passed with
  // "files=0 of 0"; now each is an error naming what was denied.
  it.runIf(canRunAsNobody)("kisa-unix U-05.root, U-14, U-14.root, U-17.rhosts: error naming the unlistable directory", { timeout: 60_000 }, async () => {
    const root = await nobodyRoot(
      {
        "etc/passwd": { content: "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n", mode: 0o644 },
        "etc/os-release": { content: "ID=debian\nVERSION_ID=\"12\"\n", mode: 0o644 },
        "root/.profile": { content: "PATH=.:$PATH\n", mode: 0o666 },
        "home/alice/.rhosts": { content: "+ +\n", mode: 0o644, uid: 1000 },
      },
      ["etc", "home"],
    );
    await chmod(path.join(root, "root"), 0o700);
    await chmod(path.join(root, "home", "alice"), 0o700);
    const checks = ["U-05.root", "U-14", "U-14.root", "U-17.rhosts"].flatMap((id) => ["--check", `kisa-unix/${id}`]);
    const { report, code } = await scanAsNobody(["--root", root, ...checks]);
    const denied = (dir: string, glob: string) => `[probe:file] cannot list ${dir} to expand ${glob}: EACCES: permission denied, scandir '${root}${dir}'`;
    expect(report.results.map((x) => [x.id, x.status, x.message])).toEqual([
      ["U-05.root", "error", denied("/root", "/root/.[bp]*[ce]")],
      ["U-14", "error", denied("/home/alice", "/home/*/.[bp]*[ce]")],
      ["U-14.root", "error", denied("/root", "/root/.[bp]*[ce]")],
      // A literal last component is not listed but stat'ed: the stat is what is denied.
      ["U-17.rhosts", "error", `[probe:file] /home/alice/.rhosts: EACCES: permission denied, stat '${root}/home/alice/.rhosts'`],
    ]);
    expect(code).toBe(1);
  });
});

describe("scan plumbing", () => {
  it("a check with no facts to gather (manual only) still yields a result", async () => {
    const root = await fixtureRoot({});
    const checks = await loadInline(`checks:\n  - { id: m, title: M, severity: info, manual: true }\n`);
    const results = await runChecks(checks, { host: new HostRoot({ root }) });
    expect(results.map((r) => [r.id, r.status])).toEqual([["m", "manual"]]);
  });

  it("results come back in check order whatever order facts finish in", async () => {
    const root = await fixtureRoot({ "etc/a": "a\n", "etc/b": "b\n" });
    const checks = await loadInline(`defaults: { severity: low }
checks:
  - { id: slow, title: S, audit: { probe: command, params: { argv: ["sleep", "0.2"], liveOnly: false }, expect: { exitCode: 0 } } }
  - { id: a, title: A, audit: { probe: file, params: { path: /etc/a }, expect: { exists: true } } }
  - { id: b, title: B, audit: { probe: file, params: { path: /etc/b }, expect: { exists: true } } }
`);
    const results = await runChecks(checks, { host: new HostRoot({ root }) });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["slow", "pass"],
      ["a", "pass"],
      ["b", "pass"],
    ]);
  });
});

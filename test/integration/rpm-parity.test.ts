/**
 * RHEL-family packages without an rpm binary (issue 12, item 3): real rpm databases made
 * by rpm itself (Debian's rpm 4.18 writes rpmdb.sqlite, as RHEL 9's does) are read by
 * nodeward's own SQLite reader and must list exactly what `rpm -qa` lists — with header
 * blobs spread over overflow pages (a package of 1,500 files), a table deep enough for
 * interior pages (60 packages), and a snapshot taken while a writer holds the database open
 * with committed pages still in its -wal file. Then a full scan of the RHEL 9 pack over the
 * root, with no rpm on PATH (the DaemonSet image has none): no package check errors.
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostRoot } from "../../src/host/host-root.js";
import { runCommand } from "../../src/host/exec.js";
import { createProbeContext } from "../../src/engine/run-checks.js";
import { readRpmSqlite } from "../../src/probes/package-rpm.js";
import { inCI, isRoot, run, runCli } from "./helpers.js";

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const haveTools = have("rpmbuild") && have("rpm") && have("sqlite3");
if (!haveTools && inCI()) throw new Error("rpm, rpmbuild or sqlite3 missing: test/integration/setup.sh installs them (Debian packages rpm, sqlite3)");

const QF = "%{NAME}\t%{VERSION}-%{RELEASE}\n";
const SUBPACKAGES = ["telnet", "ftp", "ypbind", ...Array.from({ length: 57 }, (_, i) => `nwpkg${i + 1}`)];
let work = "";
let root = "";

/** One spec, one rpmbuild: a package of 1,500 files plus one small subpackage per name. */
function spec(): string {
  const lines = [
    "Name: nwbig", "Version: 0.9", "Release: 1.el9", "Epoch: 3", "Summary: many files", "License: MIT", "BuildArch: noarch",
    "%description", "A header larger than a database page.",
    "%install",
    "mkdir -p %{buildroot}/usr/share/nwbig %{buildroot}/etc/nw",
    "for i in $(seq 1 1500); do echo $i > %{buildroot}/usr/share/nwbig/a-file-with-a-rather-long-name-$i; done",
    ...SUBPACKAGES.map((n) => `echo ${n} > %{buildroot}/etc/nw/${n}`),
    "%files", "/usr/share/nwbig",
  ];
  SUBPACKAGES.forEach((n, i) => {
    lines.push(`%package -n ${n}`, `Summary: ${n}`, `Version: 1.${i}`, `Release: ${i + 1}.el9`, `%description -n ${n}`, "x", `%files -n ${n}`, `/etc/nw/${n}`);
  });
  return lines.join("\n") + "\n";
}

async function rpmQa(r: string): Promise<string[]> {
  const q = await run(["rpm", "--root", r, "--dbpath", "/var/lib/rpm", "-qa", "--qf", QF]);
  expect(q.exitCode, q.stderr).toBe(0);
  return q.stdout.trim().split("\n").sort();
}

async function nodewardList(r: string): Promise<string[]> {
  const ctx = createProbeContext(new HostRoot({ root: r }), runCommand, 10_000);
  const q = await readRpmSqlite(ctx, "/var/lib/rpm/rpmdb.sqlite");
  expect(q.problems).toEqual([]);
  return [...q.packages.values()].flatMap((p) => p.versions.map((v) => `${p.name}\t${v}`)).sort();
}

describe("rpm databases read without rpm (RHEL 9 rpmdb.sqlite)", () => {
  if (!isRoot() || !haveTools) {
    if (inCI()) it("has root, rpm, rpmbuild and sqlite3", () => expect.fail("needs root, rpm, rpmbuild and sqlite3 under CI"));
    else it.skip("needs root, rpm, rpmbuild, sqlite3: run `sudo npm run test:integration`", () => {});
    return;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-rpm-"));
    await mkdir(path.join(work, "rpmbuild/SPECS"), { recursive: true });
    await writeFile(path.join(work, "rpmbuild/SPECS/nw.spec"), spec());
    const b = await run(["rpmbuild", "--define", `_topdir ${path.join(work, "rpmbuild")}`, "-bb", path.join(work, "rpmbuild/SPECS/nw.spec")], { timeoutMs: 300_000 });
    expect(b.exitCode, b.stderr.slice(-2000)).toBe(0);
    root = path.join(work, "root");
    await mkdir(path.join(root, "etc"), { recursive: true });
    await writeFile(path.join(root, "etc/os-release"), 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n');
    expect((await run(["rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb"])).exitCode).toBe(0);
    const rpms = spawnSync("sh", ["-c", `ls ${path.join(work, "rpmbuild/RPMS/noarch")}/*.rpm`], { encoding: "utf8" }).stdout.trim().split("\n");
    expect(rpms).toHaveLength(SUBPACKAGES.length + 1);
    const i = await run(["rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", ...rpms], { timeoutMs: 300_000 });
    expect(i.exitCode, i.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("lists exactly what rpm -qa lists (overflow and interior pages)", async () => {
    const expected = await rpmQa(root);
    expect(expected).toHaveLength(SUBPACKAGES.length + 1);
    expect(expected).toContain("nwbig\t0.9-1.el9");
    expect(await nodewardList(root)).toEqual(expected);
  });

  it("a snapshot taken while a writer holds the database open: committed pages in the -wal file count", async () => {
    const live = path.join(work, "live");
    const snap = path.join(work, "snap");
    for (const d of [live, snap]) await mkdir(path.join(d, "var/lib/rpm"), { recursive: true });
    await copyFile(path.join(root, "var/lib/rpm/rpmdb.sqlite"), path.join(live, "var/lib/rpm/rpmdb.sqlite"));
    // A writer that removes two packages, duplicates a third (a second installed version), commits,
    // and stays open without checkpointing: the changes live only in rpmdb.sqlite-wal.
    const sql = [
      "pragma journal_mode=wal;",
      "pragma wal_autocheckpoint=0;",
      "delete from Packages where rowid in (5, 7);",
      "insert into Packages(blob) select blob from Packages where rowid = 9;",
      "select 'committed';",
    ].join("\n");
    const db = path.join(live, "var/lib/rpm/rpmdb.sqlite");
    // The writer stays open 5 s; the copy is made as soon as its -wal file has the commit.
    const script = `{ printf '%s\\n' "$SQL"; sleep 5; } 2>/dev/null | sqlite3 ${db} >/dev/null 2>&1 & ` +
      `for i in $(seq 40); do [ -s ${db}-wal ] && break; sleep 0.1; done; sleep 0.3; ` +
      `cp ${db} ${db}-wal ${path.join(snap, "var/lib/rpm")}/; wait`;
    const r = await run(["sh", "-c", script], { env: { SQL: sql } });
    expect(r.exitCode, r.stderr).toBe(0);
    const expected = await rpmQa(snap);
    expect(expected).toHaveLength(SUBPACKAGES.length + 1 - 2 + 1);
    expect(await nodewardList(snap)).toEqual(expected);
  });

  it("a scan of the RHEL 9 pack with no rpm on PATH: package checks pass or fail, none errors", async () => {
    const r = await runCli(["scan", "--root", root, "--benchmark", "cis-rhel-9", "--format", "json", "--quiet"], { env: { PATH: "/nonexistent" } });
    expect([0, 1], r.stderr).toContain(r.exitCode);
    const report = JSON.parse(r.stdout) as { results: { id: string; status: string; message?: string; evidence: { package?: string; file?: string }[] }[] };
    const pkgChecks = report.results.filter((x) => x.evidence.some((e) => e.package !== undefined));
    expect(pkgChecks.length).toBeGreaterThan(5);
    expect(pkgChecks.filter((x) => x.status === "error").map((x) => `${x.id}: ${x.message}`)).toEqual([]);
    const byPkg = (name: string) => pkgChecks.find((x) => x.evidence.some((e) => e.package === name));
    expect(byPkg("telnet")?.status).toBe("fail");
    expect(byPkg("telnet")?.evidence).toContainEqual({ file: "/var/lib/rpm/rpmdb.sqlite", package: "telnet" });
    expect(byPkg("ftp")?.status).toBe("fail");
  });
});

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand, type CommandResult } from "../../../src/host/exec.js";
import packageProbe, { parseRpmQa } from "../../../src/probes/package.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { parseDpkgStatus } from "../../../src/probes/parse/dpkg-status.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(packageProbe, {
  params: [{ name: "telnet" }],
  // Neither a dpkg status file nor an rpm database: nothing tells what is installed.
  offline: { unknown: ["installed", "state", "version"] },
});

afterAll(cleanupFixtures);

const STATUS = `Package: openssh-server
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 1:9.2p1-2+deb12u3
Description: secure shell (SSH) server
 This is the portable version of OpenSSH.
 .
 More text.

Package: telnetd
Status: deinstall ok config-files
Architecture: amd64
Version: 0.17+2.4-2

Package: libc6
Status: deinstall ok config-files
Architecture: i386
Version: 2.36-9

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u7

Package: rsh-client
Status: purge ok not-installed
Architecture: amd64

Package: half
Status: install reinstreq half-installed
Version: 1.0
`;

async function collect(ctx: ProbeContext, name: string) {
  return packageProbe.collect(ctx, packageProbe.params.parse({ name }));
}

describe("package probe: dpkg", () => {
  it("reports an installed package with version and the stanza line", async () => {
    const ctx = probeContext(await fixtureRoot({ "var/lib/dpkg/status": STATUS }));
    expect(await collect(ctx, "openssh-server")).toEqual({
      value: { name: "openssh-server", state: "installed", installed: true, version: "1:9.2p1-2+deb12u3", manager: "dpkg" },
      evidence: [{ file: "/var/lib/dpkg/status", line: 1, package: "openssh-server", detail: "Status: install ok installed" }],
    });
  });

  it("reports config-files as not installed", async () => {
    const ctx = probeContext(await fixtureRoot({ "var/lib/dpkg/status": STATUS }));
    expect(await collect(ctx, "telnetd")).toEqual({
      value: { name: "telnetd", state: "config-files", installed: false, version: "0.17+2.4-2", manager: "dpkg" },
      evidence: [{ file: "/var/lib/dpkg/status", line: 11, package: "telnetd", detail: "Status: deinstall ok config-files" }],
    });
    expect((await collect(ctx, "rsh-client")).value).toEqual({ name: "rsh-client", state: "not-installed", installed: false, manager: "dpkg" });
    expect((await collect(ctx, "half")).value).toMatchObject({ state: "half-installed", installed: false });
  });

  it("keeps the installed copy of a multi-arch package", async () => {
    const ctx = probeContext(await fixtureRoot({ "var/lib/dpkg/status": STATUS }));
    const f = await collect(ctx, "libc6");
    expect(f.value).toEqual({ name: "libc6", state: "installed", installed: true, version: "2.36-9+deb12u7", manager: "dpkg" });
    expect(f.evidence[0]?.line).toBe(21);
  });

  it("reports an absent package as a fact", async () => {
    const ctx = probeContext(await fixtureRoot({ "var/lib/dpkg/status": STATUS }));
    expect(await collect(ctx, "nis")).toEqual({
      value: { name: "nis", state: "absent", installed: false, manager: "dpkg" },
      evidence: [{ file: "/var/lib/dpkg/status", package: "nis" }],
    });
  });

  it("reads the status file once per scan", async () => {
    const root = await fixtureRoot({ "var/lib/dpkg/status": STATUS });
    const ctx = probeContext(root);
    const keys: string[] = [];
    const counting: ProbeContext = { ...ctx, once: (k, load) => (keys.push(k), ctx.once(k, load)) };
    await collect(counting, "telnetd");
    await collect(counting, "nis");
    expect(keys).toEqual(["dpkg-status", "dpkg-status"]);
  });
});

describe("package probe: no database / rpm", () => {
  it("says unknown when the root has no package database", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    expect(await collect(probeContext(root), "bash")).toEqual({
      value: { name: "bash", manager: "none" },
      evidence: [],
      unknown: {
        installed: `no dpkg or rpm database under ${root}`,
        state: `no dpkg or rpm database under ${root}`,
        version: `no dpkg or rpm database under ${root}`,
      },
    });
  });

  it("rpm database present but no rpm command: unknown, not absent", async () => {
    const root = await fixtureRoot({ "var/lib/rpm": { dir: true } });
    const ctx = probeContext(root);
    const missing: ProbeContext = { ...ctx, run: (argv, o) => runCommand(["nodeward-no-such-rpm", ...argv.slice(1)], o) };
    const reason = "rpm database in /var/lib/rpm is not SQLite (no rpmdb.sqlite), and the rpm command that reads other formats is not installed";
    expect(await collect(missing, "bash")).toEqual({
      value: { name: "bash", manager: "rpm" },
      evidence: [{ file: "/var/lib/rpm", package: "bash" }],
      unknown: { state: reason, installed: reason, version: reason },
    });
  });

  it("rpm: runs one rpm -qa per scan over the root and parses it", async () => {
    const root = await fixtureRoot({ "usr/lib/sysimage/rpm": { dir: true } });
    const ctx = probeContext(root);
    const calls: (readonly string[])[] = [];
    // rpm is not installed on this test machine, so its output is given here.
    const fake: ProbeContext = {
      ...ctx,
      run: async (argv): Promise<CommandResult> => {
        calls.push(argv);
        return { argv, exitCode: 0, stdout: "bash\t5.2.26-3.el10\nkernel-core\t6.12.0-1.el10\nkernel-core\t6.12.0-2.el10\n", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1 };
      },
    };
    const cmd = `rpm --root ${root} -qa --qf %{NAME}\t%{VERSION}-%{RELEASE}\n`;
    expect(await collect(fake, "bash")).toEqual({
      value: { name: "bash", state: "installed", installed: true, version: "5.2.26-3.el10", manager: "rpm" },
      evidence: [{ file: "/usr/lib/sysimage/rpm", command: cmd, package: "bash" }],
    });
    expect((await collect(fake, "kernel-core")).evidence[0]?.detail).toBe("installed versions: 6.12.0-1.el10, 6.12.0-2.el10");
    expect((await collect(fake, "telnet")).value).toEqual({ name: "telnet", state: "absent", installed: false, manager: "rpm" });
    expect(calls).toEqual([["rpm", "--root", root, "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"]]);
  });
});

describe("package parsers", () => {
  it("parseDpkgStatus records problems and keeps going", () => {
    const r = parseDpkgStatus("junk\n continuation\nPackage: a\nStatus: install ok installed\nStatus: dup\n\nVersion: 1\n\nPackage: b\n\nPackage: c\nStatus: weird\n");
    expect([...r.packages.keys()]).toEqual(["a", "c"]);
    expect(r.packages.get("c")?.state).toBe("weird");
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 5, 7, 9, 11]);
  });

  it("parseDpkgStatus: a line of only blanks (space, tab, CR, NBSP) ends a stanza, a blank-led line with text continues it, CRLF lines read as LF", () => {
    const text = "Package: a\r\nStatus: install ok installed\r\n Description line\r\n \t\r\nPackage: b\nStatus: install ok installed\n\u00a0\nPackage: c\nStatus: deinstall ok config-files\n \u00a0x\nVersion: 2";
    const r = parseDpkgStatus(text);
    expect([...r.packages.values()]).toEqual([
      { name: "a", status: "install ok installed", state: "installed", line: 1 },
      { name: "b", status: "install ok installed", state: "installed", line: 5 },
      { name: "c", status: "deinstall ok config-files", state: "config-files", line: 8, version: "2" },
    ]);
    expect(r.problems).toEqual([]);
    expect(parseDpkgStatus(" lead\n\nPackage: d").problems).toEqual([
      { line: 1, message: "continuation line outside a field" },
      { line: 3, message: "package d has no Status field" },
    ]);
  });

  it("parseRpmQa", () => {
    const r = parseRpmQa("a\t1-1\nbroken\n\nb\t2-1\n");
    expect([...r.packages.values()]).toEqual([{ name: "a", versions: ["1-1"], line: 1 }, { name: "b", versions: ["2-1"], line: 4 }]);
    expect(r.problems).toEqual([{ line: 2, message: 'not "name<TAB>version": "broken"' }]);
  });
});

describe("package probe: this machine's real dpkg database", () => {
  const text = readFileSync("/var/lib/dpkg/status", "utf8");

  it("parses the real status file and agrees with dpkg-query about bash", async () => {
    const expected = execFileSync("dpkg-query", ["-W", "-f=${Version}", "bash"], { encoding: "utf8" });
    const db = parseDpkgStatus(text);
    expect(db.packages.size).toBeGreaterThan(50);
    expect(db.packages.get("bash")).toMatchObject({ name: "bash", state: "installed", version: expected });

    const ctx = probeContext("/");
    expect(ctx.host.isLive).toBe(true);
    expect((await collect(ctx, "bash")).value).toEqual({ name: "bash", state: "installed", installed: true, version: expected, manager: "dpkg" });
  });

  it("agrees with dpkg-query on every installed package", () => {
    const out = execFileSync("dpkg-query", ["-W", "-f=${Package}\t${db:Status-Status}\t${Version}\n"], { encoding: "utf8" });
    const db = parseDpkgStatus(text);
    for (const row of out.trim().split("\n")) {
      const [name, state, version] = row.split("\t") as [string, string, string];
      if (state !== "installed") continue;
      expect(db.packages.get(name), name).toMatchObject({ state: "installed", version });
    }
  });
});

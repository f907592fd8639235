import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { runCommand } from "../../../src/host/exec.js";
import probe, { parseAppArmorProfiles } from "../../../src/probes/apparmor.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  offline: { notApplicable: ["enabled", "profiles", "profileCount", "unconfinedProcesses"] },
});

afterAll(cleanupFixtures);

const PROFILES = "/usr/sbin/cupsd (enforce)\n/usr/sbin/cupsd//third_party (enforce)\nnvidia_modprobe (complain)\n/usr/bin/man (enforce)\n";

/** A running system: a procfs tree with processes, sysfs with AppArmor enabled. */
function running(extra: FixtureSpec = {}): FixtureSpec {
  return {
    "proc/1/cmdline": "/sbin/init\0",
    "proc/1/attr/apparmor/current": "unconfined\n",
    "proc/1/exe": { symlink: "/usr/lib/systemd/systemd" },
    "proc/812/cmdline": "/usr/sbin/cupsd\0-l\0",
    "proc/812/attr/apparmor/current": "/usr/sbin/cupsd (enforce)\n",
    "proc/812/exe": { symlink: "/usr/sbin/cupsd" },
    "proc/2/cmdline": "",
    "proc/2/attr/apparmor/current": "unconfined\n",
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/apparmor/profiles": PROFILES,
    ...extra,
  };
}

const collect = async (spec: FixtureSpec) => {
  const root = await fixtureRoot(spec);
  return probe.collect(probeContext(root, { proc: path.join(root, "proc") }), {});
};

describe("parseAppArmorProfiles", () => {
  it("reads `name (mode)` lines; names may hold spaces and slashes; other lines are problems", () => {
    expect(parseAppArmorProfiles("/usr/bin/a b (complain)\nchild//hat (kill)\n\ngarbage\n")).toEqual({
      profiles: [{ name: "/usr/bin/a b", mode: "complain", line: 1 }, { name: "child//hat", mode: "kill", line: 2 }],
      problems: [{ line: 4, text: "garbage" }],
    });
  });
});

describe("apparmor probe", () => {
  it("enabled, the loaded profiles with their modes, no process unconfined that has a profile", async () => {
    const f = await collect(running());
    expect(f.value).toEqual({
      enabled: true,
      profiles: [
        { name: "/usr/sbin/cupsd", mode: "enforce" },
        { name: "/usr/sbin/cupsd//third_party", mode: "enforce" },
        { name: "nvidia_modprobe", mode: "complain" },
        { name: "/usr/bin/man", mode: "enforce" },
      ],
      profileCount: 4,
      unconfinedProcesses: [],
    });
    expect(f.evidence).toEqual([
      { file: "/sys/module/apparmor/parameters/enabled", detail: "Y" },
      { file: "/sys/kernel/security/apparmor/profiles", detail: "4 profiles loaded: 3 enforce, 1 complain" },
    ]);
    expect(f.unknown).toBeUndefined();
  });

  it("a process running unconfined whose executable has a loaded profile (older kernels: attr/current)", async () => {
    const f = await collect(running({
      "proc/900/cmdline": "/usr/bin/man\0",
      "proc/900/attr/current": "unconfined\n",
      "proc/900/exe": { symlink: "/usr/bin/man" },
      "sys/kernel/security/apparmor/profiles": `${PROFILES}/usr/sbin/sshd (unconfined)\n`,
    }));
    expect(f.value.unconfinedProcesses).toEqual([{ pid: 900, path: "/usr/bin/man" }]);
    expect(f.evidence).toContainEqual({ file: "/proc/900/exe", key: "/usr/bin/man", detail: "unconfined, but a profile of this name is loaded" });
    expect(f.evidence).toContainEqual({ file: "/sys/kernel/security/apparmor/profiles", line: 5, key: "/usr/sbin/sshd", detail: "mode unconfined" });
  });

  it("the kernel has no AppArmor, or it is disabled: not enabled, nothing loaded (observed)", async () => {
    const spec = running();
    delete spec["sys/module/apparmor/parameters/enabled"];
    delete spec["sys/kernel/security/apparmor/profiles"];
    const none = await collect({ ...spec, "sys/module/ext4/parameters/x": "1\n" });
    expect(none).toEqual({
      value: { enabled: false, profiles: [], profileCount: 0, unconfinedProcesses: [] },
      evidence: [{ file: "/sys/module/apparmor/parameters/enabled", detail: "does not exist: the kernel has no AppArmor (built without it, or another LSM took its place)" }],
    });
    const off = await collect({ ...spec, "sys/module/apparmor/parameters/enabled": "N\n" });
    expect(off.value).toEqual({ enabled: false, profiles: [], profileCount: 0, unconfinedProcesses: [] });
    expect(off.unknown).toBeUndefined();
  });

  it("running, but no sysfs under the root, or securityfs not mounted: unknown, never 'no profiles'", async () => {
    const spec = running();
    for (const k of Object.keys(spec)) if (k.startsWith("sys/")) delete spec[k];
    const noSys = await collect(spec);
    expect(noSys.unknown).toEqual(Object.fromEntries(["enabled", "profiles", "profileCount", "unconfinedProcesses"].map((f) => [f, "sysfs is not mounted at /sys under this root (no /sys/module)"])));
    const noSecurityfs = running();
    delete noSecurityfs["sys/kernel/security/apparmor/profiles"];
    const f = await collect(noSecurityfs);
    const why = "/sys/kernel/security/apparmor/profiles does not exist: securityfs is not mounted at /sys/kernel/security";
    expect(f.value.enabled).toBe(true);
    expect(f.unknown).toEqual({ profiles: why, profileCount: why, unconfinedProcesses: why });
  });

  it("an unparsable profiles line makes the profile list unknown", async () => {
    const f = await collect(running({ "sys/kernel/security/apparmor/profiles": `${PROFILES}???\n` }));
    expect(f.unknown).toEqual({
      profiles: "/sys/kernel/security/apparmor/profiles: 1 lines are not `name (mode)`",
      profileCount: "/sys/kernel/security/apparmor/profiles: 1 lines are not `name (mode)`",
    });
    expect(f.evidence).toContainEqual({ file: "/sys/kernel/security/apparmor/profiles", line: 5, detail: "unparsed line: (a text of 3 characters, not quoted: an unparsed line may hold a secret)" });
  });

  describe("hidden sources: unreadable is unknown, never pass", () => {
    const hiddenCollect = async (source: string, mode: "unreadable" | "missing") => {
      const root = await fixtureRoot(running());
      const host = new TableHost({ root, proc: path.join(root, "proc"), hide: { source, mode } });
      return probe.collect(createProbeContext(host, runCommand, 5000), {});
    };

    it("the enabled flag", async () => {
      const f = await hiddenCollect("root:/sys/module/apparmor/parameters/enabled", "unreadable");
      expect(Object.keys(f.unknown ?? {}).sort()).toEqual(["enabled", "profileCount", "profiles", "unconfinedProcesses"]);
      expect(f.unknown?.enabled).toMatch(/^\/sys\/module\/apparmor\/parameters\/enabled: .*EACCES/);
    });

    it("the profiles file (root-only on a real kernel)", async () => {
      const f = await hiddenCollect("root:/sys/kernel/security/apparmor/profiles", "unreadable");
      expect(Object.keys(f.unknown ?? {}).sort()).toEqual(["profileCount", "profiles", "unconfinedProcesses"]);
      const gone = await hiddenCollect("root:/sys/kernel/security/apparmor/profiles", "missing");
      expect(gone.unknown?.profiles).toBe("/sys/kernel/security/apparmor/profiles does not exist: securityfs is not mounted at /sys/kernel/security");
    });

    it("a process's label or executable", async () => {
      for (const source of ["proc:1/attr/apparmor/current", "proc:1/exe"]) {
        const f = await hiddenCollect(source, "unreadable");
        expect(Object.keys(f.unknown ?? {}), source).toEqual(["unconfinedProcesses"]);
        expect(f.unknown?.unconfinedProcesses, source).toMatch(/^cannot read the label or executable of 1 processes \(1: /);
      }
    });

    it("the process list: whether this is a running system is not known, so the probe fails (the check is error)", async () => {
      await expect(hiddenCollect("proc:", "unreadable")).rejects.toThrow(/EACCES: permission denied, open '\/proc\/'/);
    });
  });
});

import { afterAll, describe, expect, it } from "vitest";
import probe, { mountUnitName, parseFstab, parseMountinfo } from "../../../src/probes/mounts.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ path: "/tmp" }],
  mayOmit: {
    fstype: "not a separate mount (mounted: false): no filesystem of its own",
    device: "not a separate mount (mounted: false): no device of its own",
    options: "not a separate mount (mounted: false): no options of its own",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const collect = (root: string, path: string, proc?: string) => probe.collect(probeContext(root, proc ? { proc } : {}), probe.params.parse({ path }));

const MOUNTINFO = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
  "25 22 0:22 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,inode64",
  "30 22 0:30 / /tmp rw,nosuid,nodev shared:9 - tmpfs tmpfs rw,size=1024k",
  "31 22 8:2 / /var/log\\040old rw,relatime - ext4 /dev/sda2 rw",
  "32 30 0:31 / /tmp rw,nosuid,nodev,noexec shared:10 - tmpfs tmpfs rw",
  "garbage",
].join("\n") + "\n";

describe("parsers", () => {
  it("mountinfo: mount point (octal escapes), options, fstype, source, super options; odd lines are problems", () => {
    const r = parseMountinfo(MOUNTINFO);
    expect(r.entries[1]).toEqual({ mountPoint: "/dev/shm", options: ["rw", "nosuid", "nodev"], fstype: "tmpfs", source: "tmpfs", superOptions: ["rw", "inode64"], line: 2 });
    expect(r.entries[3]?.mountPoint).toBe("/var/log old");
    expect(r.problems).toEqual([{ line: 6, message: "not a mountinfo line (fields, then '-', fstype, source, super options)" }]);
  });

  it("fstab: fields, defaults, trailing slash, comments; odd lines are problems", () => {
    expect(parseFstab("# x\nUUID=1 /  ext4 errors=remount-ro 0 1\n/dev/sdb1 /home/ ext4\ntmpfs /tmp tmpfs nodev,nosuid,noexec 0 0\nbad\n")).toEqual({
      entries: [
        { spec: "UUID=1", mountPoint: "/", fstype: "ext4", options: ["errors=remount-ro"], line: 2 },
        { spec: "/dev/sdb1", mountPoint: "/home", fstype: "ext4", options: ["defaults"], line: 3 },
        { spec: "tmpfs", mountPoint: "/tmp", fstype: "tmpfs", options: ["nodev", "nosuid", "noexec"], line: 4 },
      ],
      problems: [{ line: 5, message: "expected 3 to 6 fields, found 1" }],
    });
  });

  it("mount unit names as systemd-escape --path makes them", () => {
    expect(mountUnitName("/tmp")).toBe("tmp.mount");
    expect(mountUnitName("/var/log/audit/")).toBe("var-log-audit.mount");
    expect(mountUnitName("/")).toBe("-.mount");
    expect(mountUnitName("/srv/my-data")).toBe("srv-my\\x2ddata.mount");
  });
});

describe("mounts probe: running system (/proc/1/mountinfo)", () => {
  // Without the parser test's garbage line: a line not in mountinfo's shape could mount any
  // path, so it makes the answer unknown (test/unit/hostile/unseen.test.ts).
  const TABLE = MOUNTINFO.replace("garbage\n", "");
  it("the top mount of a path wins; per-mount and super options together", async () => {
    const root = await fixtureRoot({ "etc/fstab": "# nothing\n" });
    const proc = await fixtureRoot({ "1/mountinfo": TABLE });
    expect(await collect(root, "/tmp/", proc)).toEqual({
      value: { path: "/tmp", mounted: true, view: "running", fstype: "tmpfs", device: "tmpfs", options: ["rw", "nosuid", "nodev", "noexec"] },
      evidence: [{ file: "/proc/1/mountinfo", line: 5, detail: "tmpfs on /tmp type tmpfs (rw,nosuid,nodev,noexec)" }],
    });
  });

  it("a directory on the root file system is not a mount point (fstab is not consulted)", async () => {
    const root = await fixtureRoot({ "etc/fstab": "/dev/sdb1 /home ext4 defaults 0 2\n" });
    const proc = await fixtureRoot({ "1/mountinfo": TABLE });
    expect(await collect(root, "/home", proc)).toEqual({
      value: { path: "/home", mounted: false, view: "running" },
      evidence: [{ file: "/proc/1/mountinfo", detail: "/home is not a mount point (no line for it)" }],
    });
  });

  it("a procfs with PID 1 but no readable mountinfo is unknown, never 'not mounted'", async () => {
    const root = await fixtureRoot({ "etc/fstab": "" });
    const proc = await fixtureRoot({ "1/status": "Name: systemd\n" });
    const f = await collect(root, "/tmp", proc);
    expect(f.unknown?.mounted).toBe("/proc/1/mountinfo does not exist on this running system");
    const proc2 = await fixtureRoot({ "1/mountinfo": { symlink: "/nonexistent/loop/../x" } });
    expect((await collect(root, "/tmp", proc2)).unknown?.mounted).toMatch(/^\/proc\/1\/mountinfo does not exist on this running system|^cannot read \/proc\/1\/mountinfo/);
  });
});

describe("mounts probe: offline root (fstab, mount units, systemd's /dev/shm)", () => {
  it("an fstab line: mounted with its options", async () => {
    const root = await fixtureRoot({ "etc/fstab": "UUID=1 / ext4 defaults 0 1\ntmpfs /tmp tmpfs defaults,nodev,nosuid 0 0\n", proc: { dir: true } });
    expect(await collect(root, "/tmp")).toEqual({
      value: { path: "/tmp", mounted: true, view: "boot", fstype: "tmpfs", device: "tmpfs", options: ["defaults", "nodev", "nosuid"] },
      evidence: [{ file: "/etc/fstab", line: 2, detail: "tmpfs on /tmp type tmpfs (defaults,nodev,nosuid)" }],
    });
  });

  it("noauto is not mounted at boot; a missing line is not a mount point", async () => {
    const root = await fixtureRoot({ "etc/fstab": "/dev/sdb1 /home ext4 noauto 0 0\n" });
    expect((await collect(root, "/home")).evidence).toEqual([{ file: "/etc/fstab", detail: "/home is noauto in /etc/fstab (line 1): not mounted at boot" }]);
    expect(await collect(root, "/var")).toEqual({
      value: { path: "/var", mounted: false, view: "boot" },
      evidence: [{ file: "/etc/fstab", detail: "no /var line in /etc/fstab and no enabled var.mount" }],
    });
  });

  it("an enabled tmp.mount (Debian's /usr/share/systemd/tmp.mount linked and enabled)", async () => {
    const unit = "[Unit]\nDescription=Temporary Directory /tmp\n[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,strictatime,nosuid,nodev,size=50%%,nr_inodes=1m\n[Install]\nWantedBy=local-fs.target\n";
    const root = await fixtureRoot({
      "etc/fstab": "UUID=1 / ext4 defaults 0 1\n",
      "usr/share/systemd/tmp.mount": unit,
      "etc/systemd/system/tmp.mount": { symlink: "/usr/share/systemd/tmp.mount" },
      "etc/systemd/system/local-fs.target.wants/tmp.mount": { symlink: "/usr/share/systemd/tmp.mount" },
    });
    expect(await collect(root, "/tmp")).toEqual({
      value: { path: "/tmp", mounted: true, view: "boot", fstype: "tmpfs", device: "tmpfs", options: ["mode=1777", "strictatime", "nosuid", "nodev", "size=50%%", "nr_inodes=1m"] },
      evidence: [{ file: "/etc/systemd/system/local-fs.target.wants/tmp.mount", unit: "tmp.mount", detail: "enabled by /etc/systemd/system/local-fs.target.wants/tmp.mount" }],
    });
  });

  it("/dev/shm without an fstab line: systemd's tmpfs with nosuid,nodev (no noexec)", async () => {
    const root = await fixtureRoot({ "etc/fstab": "UUID=1 / ext4 defaults 0 1\n" });
    expect(await collect(root, "/dev/shm")).toEqual({
      value: { path: "/dev/shm", mounted: true, view: "boot", fstype: "tmpfs", device: "tmpfs", options: ["rw", "nosuid", "nodev"] },
      evidence: [{ file: "/etc/fstab", detail: "no /dev/shm line: systemd mounts it at boot as tmpfs with nosuid,nodev" }],
    });
  });

  it("an fstab that cannot be read is unknown", async () => {
    const root = await fixtureRoot({ "etc/fstab": { dir: true } });
    expect((await collect(root, "/tmp")).unknown?.options).toMatch(/^cannot read \/etc\/fstab: .*directory/);
  });
});

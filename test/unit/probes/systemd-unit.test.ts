import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { directiveValues, lastDirective, parseUnitFile } from "../../../src/probes/parse/unit-file.js";
import probe from "../../../src/probes/systemd-unit.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { loadUnit, normaliseUnitName, templateOf, unitSearchPath } from "../../../src/probes/systemd-unit-files.js";
import { HostRoot } from "../../../src/host/host-root.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";

probeConformance(probe, {
  params: [{ unit: "rpcbind.socket" }, { unit: "ssh" }],
  mayOmit: { aliasOf: "set only for an alias", file: "an absent unit has no unit file" },
  // Whether a unit is active exists only on a running system.
  offline: { notApplicable: ["active"] },
});

afterAll(cleanupFixtures);

const LIB = "usr/lib/systemd/system";
const ETC = "etc/systemd/system";
const WANTED = "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/sbin/x\n[Install]\nWantedBy=multi-user.target\n";
const STATIC = "[Unit]\nDescription=static\n[Service]\nExecStart=/bin/true\n";

async function collect(spec: FixtureSpec, unit: string) {
  const root = await fixtureRoot(spec);
  const fact = await probe.collect(probeContext(root), probe.params.parse({ unit }));
  return { root, fact };
}

describe("parseUnitFile", () => {
  it("handles sections, comments, continuations and repeated keys", () => {
    const text = [
      "# comment",
      "; another",
      "[Unit]",
      "Description = A unit  ",
      "",
      "[Service]",
      "Environment=A=1",
      "Environment=B=2",
      "ExecStart=/usr/bin/kubelet \\",
      "  # a comment inside a continuation is skipped",
      "  --a=1 \\",
      "  --b=2",
      "ExecStartPre=/bin/echo trailing\\\\",
      "Literal=\\\\",
      "[Install]",
      "WantedBy=multi-user.target",
    ].join("\r\n");
    const p = parseUnitFile(text, "/x.service");
    expect(p.problems).toEqual([]);
    expect(p.sections["Unit"]).toEqual([{ key: "Description", value: "A unit", line: 4 }]);
    expect(directiveValues(p.sections, "Service", "Environment")).toEqual(["A=1", "B=2"]);
    expect(lastDirective(p.sections, "Service", "ExecStart")).toEqual({
      key: "ExecStart",
      value: "/usr/bin/kubelet    --a=1    --b=2",
      line: 9,
    });
    expect(directiveValues(p.sections, "Service", "ExecStartPre")).toEqual(["/bin/echo trailing\\\\"]);
    expect(directiveValues(p.sections, "Install", "WantedBy")).toEqual(["multi-user.target"]);
  });

  it("records odd lines as problems and never throws", () => {
    const p = parseUnitFile("Orphan=1\n[Unit\nnoequals\n[Unit]\n=value\nok=1\n[__proto__]\nx=1\nlast=\\", "/f");
    expect(p.problems.map((x) => x.line)).toEqual([1, 2, 3, 5]);
    expect(p.sections["Unit"]).toEqual([{ key: "ok", value: "1", line: 6 }]);
    expect(p.sections["__proto__"]).toEqual([
      { key: "x", value: "1", line: 8 },
      { key: "last", value: "", line: 9 },
    ]);
  });
});

describe("unit names", () => {
  it("normalises bare names and finds templates", () => {
    expect(normaliseUnitName("avahi-daemon")).toBe("avahi-daemon.service");
    expect(normaliseUnitName("rpcbind.socket")).toBe("rpcbind.socket");
    expect(normaliseUnitName("foo.bar")).toBe("foo.bar.service");
    expect(templateOf("getty@tty1.service")).toBe("getty@.service");
    expect(templateOf("getty@.service")).toBeNull();
    expect(templateOf("plain.service")).toBeNull();
    expect(() => probe.params.parse({ unit: "../etc/passwd" })).toThrow();
    expect(() => probe.params.parse({ unit: "-H.service" })).toThrow();
    expect(() => probe.params.parse({ unit: "a.service", extra: 1 })).toThrow();
  });
});

describe("systemd-unit state from the filesystem", () => {
  it("enabled: a wants symlink in /etc", async () => {
    const { fact, root } = await collect(
      {
        [`${LIB}/avahi-daemon.service`]: WANTED,
        [`${ETC}/multi-user.target.wants/avahi-daemon.service`]: { symlink: "/usr/lib/systemd/system/avahi-daemon.service" },
      },
      "avahi-daemon",
    );
    expect(fact.value).toEqual({
      unit: "avahi-daemon.service", state: "enabled", enabled: true, exists: true, masked: false,
      file: "/usr/lib/systemd/system/avahi-daemon.service",
    });
    expect(fact.evidence[0]).toEqual({
      unit: "avahi-daemon.service",
      file: "/usr/lib/systemd/system/avahi-daemon.service",
      detail: "enabled by /etc/systemd/system/multi-user.target.wants/avahi-daemon.service -> /usr/lib/systemd/system/avahi-daemon.service",
    });
    expect(fact.unknown).toBeUndefined();
    expect(fact.notApplicable).toEqual({ active: `not the live host (--root ${root}): nothing runs in an offline root` });
  });

  it("enabled: a runtime wants symlink in /run, a requires link, an Alias= link", async () => {
    const run = await collect(
      { [`${LIB}/a.service`]: WANTED, "run/systemd/system/multi-user.target.wants/a.service": { symlink: "/usr/lib/systemd/system/a.service" } },
      "a.service",
    );
    expect(run.fact.value.state).toBe("enabled");
    expect(run.fact.evidence[0]?.detail).toMatch(/^enabled \(runtime\) by \/run/);
    const req = await collect(
      { [`${LIB}/a.service`]: WANTED, [`${ETC}/x.target.requires/a.service`]: { symlink: "../../../../usr/lib/systemd/system/a.service" } },
      "a.service",
    );
    expect(req.fact.value.state).toBe("enabled");
    const alias = await collect(
      {
        [`${LIB}/systemd-timesyncd.service`]: "[Install]\nAlias=dbus-org.freedesktop.timesync1.service\n",
        [`${ETC}/dbus-org.freedesktop.timesync1.service`]: { symlink: "/lib/systemd/system/systemd-timesyncd.service" },
        lib: { symlink: "usr/lib" },
      },
      "systemd-timesyncd.service",
    );
    expect(alias.fact.value.state).toBe("enabled");
    expect(alias.fact.evidence[0]?.detail).toMatch(/dbus-org\.freedesktop\.timesync1\.service/);
  });

  it("a unit asked by its alias name is an alias (as systemctl says) whose enablement is the real unit's", async () => {
    const spec: FixtureSpec = {
      [`${LIB}/ssh.service`]: "[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
      [`${ETC}/sshd.service`]: { symlink: "/lib/systemd/system/ssh.service" },
      [`${ETC}/multi-user.target.wants/ssh.service`]: { symlink: "/lib/systemd/system/ssh.service" },
      lib: { symlink: "usr/lib" },
    };
    expect((await collect(spec, "sshd")).fact.value).toMatchObject({
      state: "alias", aliasOf: "ssh.service", enabled: true, file: "/etc/systemd/system/sshd.service",
    });
    expect((await collect(spec, "ssh")).fact.value.state).toBe("enabled");
  });

  it("disabled, static and indirect from the [Install] section", async () => {
    expect((await collect({ [`${LIB}/a.service`]: WANTED }, "a")).fact.value).toMatchObject({
      state: "disabled", enabled: false, exists: true, masked: false,
    });
    expect((await collect({ [`${LIB}/a.service`]: STATIC }, "a")).fact.value.state).toBe("static");
    expect((await collect({ [`${LIB}/a.service`]: STATIC + "[Install]\n" }, "a")).fact.value.state).toBe("static");
    expect((await collect({ [`${LIB}/a.service`]: STATIC + "[Install]\nAlso=a.socket\n" }, "a")).fact.value.state).toBe("indirect");
    // Vendor wants links (in /usr/lib) do not make a unit enabled.
    const vendor = await collect(
      {
        [`${LIB}/a.service`]: WANTED,
        [`${LIB}/multi-user.target.wants/a.service`]: { symlink: "../a.service" },
      },
      "a",
    );
    expect(vendor.fact.value.state).toBe("disabled");
  });

  it("masked: a /dev/null link found first; the name exists for systemd with or without a real file under it", async () => {
    const { fact } = await collect(
      { [`${LIB}/rpcbind.socket`]: WANTED, [`${ETC}/rpcbind.socket`]: { symlink: "/dev/null" } },
      "rpcbind.socket",
    );
    expect(fact.value).toEqual({
      unit: "rpcbind.socket", state: "masked", enabled: false, exists: true, masked: true,
      file: "/etc/systemd/system/rpcbind.socket",
    });
    const bare = await collect({ [`${ETC}/ghost.service`]: { symlink: "/dev/null" } }, "ghost");
    expect(bare.fact.value).toMatchObject({ state: "masked", masked: true, exists: true });
    expect(bare.fact.evidence[0]?.detail).toContain("no unit file under the mask");
    // An empty file is not a mask.
    expect((await collect({ [`${ETC}/empty.service`]: "" }, "empty")).fact.value.state).toBe("static");
  });

  it("absent: no unit file anywhere, with the search path as evidence", async () => {
    const { fact } = await collect({ [`${LIB}/other.service`]: WANTED }, "telnet.socket");
    expect(fact.value).toEqual({ unit: "telnet.socket", state: "absent", enabled: false, exists: false, masked: false });
    expect(fact.evidence[0]?.detail).toContain("/usr/lib/systemd/system");
  });

  it("template instances use the template file; enabled per instance", async () => {
    const spec: FixtureSpec = {
      [`${LIB}/getty@.service`]: "[Service]\nExecStart=/sbin/agetty %I\n[Install]\nWantedBy=getty.target\n",
      [`${ETC}/getty.target.wants/getty@tty1.service`]: { symlink: "/usr/lib/systemd/system/getty@.service" },
    };
    const tty1 = await collect(spec, "getty@tty1.service");
    expect(tty1.fact.value).toMatchObject({ state: "enabled", file: "/usr/lib/systemd/system/getty@.service" });
    const tty2 = await collect(spec, "getty@tty2");
    expect(tty2.fact.value).toMatchObject({ unit: "getty@tty2.service", state: "disabled", exists: true });
    expect(tty2.fact.evidence[0]?.detail).toBe("instance of template getty@.service");
    // An instance file of its own wins over the template.
    const own = await collect({ ...spec, [`${ETC}/getty@tty2.service`]: STATIC }, "getty@tty2.service");
    expect(own.fact.value).toMatchObject({ state: "static", file: "/etc/systemd/system/getty@tty2.service" });
  });

  it("generated, transient and linked units", async () => {
    expect((await collect({ "run/systemd/generator/data.mount": "[Mount]\nWhat=/dev/x\n" }, "data.mount")).fact.value.state).toBe("generated");
    expect((await collect({ "run/systemd/transient/run-r1.service": STATIC }, "run-r1.service")).fact.value.state).toBe("transient");
    const linked = await collect(
      { "opt/app/app.service": WANTED, [`${ETC}/app.service`]: { symlink: "/opt/app/app.service" } },
      "app",
    );
    expect(linked.fact.value).toMatchObject({ state: "linked", enabled: false, exists: true });
  });

  it("an earlier search directory wins; merged /usr is not counted twice", async () => {
    const root = await fixtureRoot({
      [`${LIB}/a.service`]: WANTED,
      [`${ETC}/a.service`]: STATIC,
      lib: { symlink: "usr/lib" },
    });
    const ctx = probeContext(root);
    const dirs = (await unitSearchPath(ctx)).map((d) => d.path);
    expect(dirs).toEqual(["/etc/systemd/system", "/usr/lib/systemd/system"]);
    const fact = await probe.collect(ctx, probe.params.parse({ unit: "a" }));
    expect(fact.value).toMatchObject({ state: "static", file: "/etc/systemd/system/a.service" });
  });
});

describe("loadUnit: drop-ins", () => {
  const KUBELET = [
    "[Unit]",
    "Description=kubelet",
    "[Service]",
    "ExecStart=/usr/bin/kubelet",
    "Environment=A=vendor",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");

  it("merges drop-ins in basename order, earlier directory wins, empty assignment resets", async () => {
    const root = await fixtureRoot({
      [`${LIB}/kubelet.service`]: KUBELET,
      // Same basename in /etc overrides the vendor's one entirely.
      [`${LIB}/kubelet.service.d/10-kubeadm.conf`]: "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --vendor\n",
      [`${ETC}/kubelet.service.d/10-kubeadm.conf`]: [
        "[Service]",
        'Environment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf"',
        "ExecStart=",
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \\",
        "  $KUBELET_EXTRA_ARGS",
        "",
      ].join("\n"),
      [`${LIB}/kubelet.service.d/05-first.conf`]: "[Service]\nEnvironment=B=1\n",
      // Masked drop-in: hides the vendor's 20-extra.conf.
      [`${ETC}/kubelet.service.d/20-extra.conf`]: { symlink: "/dev/null" },
      [`${LIB}/kubelet.service.d/20-extra.conf`]: "[Service]\nEnvironment=C=masked\n",
      [`${LIB}/kubelet.service.d/notes.txt`]: "not a drop-in",
      [`${LIB}/service.d/99-all.conf`]: "[Service]\nTimeoutStopSec=5\n",
    });
    const ctx = probeContext(root);
    const u = await loadUnit(ctx, "kubelet");
    expect(u).not.toBeNull();
    if (!u) return;
    expect(u.file).toBe("/usr/lib/systemd/system/kubelet.service");
    expect(u.masked).toBe(false);
    expect(u.dropIns).toEqual([
      "/usr/lib/systemd/system/kubelet.service.d/05-first.conf",
      "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
      "/usr/lib/systemd/system/service.d/99-all.conf",
    ]);
    const svc = u.sections["Service"] ?? [];
    expect(svc.filter((d) => d.key === "ExecStart")).toEqual([
      {
        key: "ExecStart",
        value: "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS    $KUBELET_EXTRA_ARGS",
        line: 4,
        file: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
      },
    ]);
    expect(directiveValues(u.sections, "Service", "Environment")).toEqual([
      "A=vendor",
      "B=1",
      '"KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf"',
    ]);
    expect(lastDirective(u.sections, "Service", "TimeoutStopSec")?.file).toBe("/usr/lib/systemd/system/service.d/99-all.conf");
    // The fragment alone keeps its own [Install] for enablement.
    expect(directiveValues(u.fragment.sections, "Install", "WantedBy")).toEqual(["multi-user.target"]);
    // Cached per scan.
    expect(await loadUnit(ctx, "kubelet.service")).toBe(u);
  });

  it("instances get the template's drop-ins too; null for an absent unit", async () => {
    const root = await fixtureRoot({
      [`${LIB}/getty@.service`]: "[Service]\nExecStart=/sbin/agetty %I\n",
      [`${ETC}/getty@.service.d/a.conf`]: "[Service]\nExecStart=\nExecStart=/sbin/agetty --noclear %I\n",
      [`${ETC}/getty@tty1.service.d/b.conf`]: "[Service]\nTTYPath=/dev/tty1\n",
    });
    const ctx = probeContext(root);
    const u = await loadUnit(ctx, "getty@tty1.service");
    expect(u?.viaTemplate).toBe(true);
    expect(u?.dropIns).toEqual(["/etc/systemd/system/getty@.service.d/a.conf", "/etc/systemd/system/getty@tty1.service.d/b.conf"]);
    expect(directiveValues(u?.sections ?? {}, "Service", "ExecStart")).toEqual(["/sbin/agetty --noclear %I"]);
    expect(await loadUnit(ctx, "nope.service")).toBeNull();
  });

  it("reports parse problems of fragment and drop-ins", async () => {
    const root = await fixtureRoot({
      [`${LIB}/a.service`]: "[Service]\nbogus line\nExecStart=/bin/a\n",
      [`${ETC}/a.service.d/x.conf`]: "NoSection=1\n",
    });
    const u = await loadUnit(probeContext(root), "a");
    expect(u?.problems).toEqual([
      { file: "/usr/lib/systemd/system/a.service", line: 2, message: expect.stringMatching(/missing '='/) },
      { file: "/etc/systemd/system/a.service.d/x.conf", line: 1, message: expect.stringMatching(/outside of a section/) },
    ]);
  });
});

describe("systemd-unit active state", () => {
  it.skipIf(existsSync("/run/systemd/system"))("is inactive on this host, whose PID 1 is not systemd: no unit is active", async () => {
    const fact = await probe.collect(probeContext("/"), probe.params.parse({ unit: "ssh.service" }));
    const init = readFileSync("/proc/1/comm", "utf8").trim();
    expect(fact.value.active).toBe("inactive");
    expect(fact.unknown).toBeUndefined();
    expect(fact.evidence).toContainEqual({
      unit: "ssh.service",
      file: "/proc/1/comm",
      detail: `systemd does not run this host (PID 1 is ${JSON.stringify(init)}, no /run/systemd/system): no unit is active`,
    });
  });

  it("is unknown (never guessed) when systemd is PID 1 but /run/systemd/system cannot be seen", async () => {
    // A live host whose procfs says PID 1 is systemd; /run/systemd/system is absent (hidden).
    const proc = await fixtureRoot({ "1/comm": "systemd\n" });
    class NoRunSystemd extends HostRoot {
      override async stat(p: string) {
        return p === "/run/systemd/system" ? null : super.stat(p);
      }
    }
    const ctx: ProbeContext = { ...probeContext("/"), host: new NoRunSystemd({ root: "/", proc }) };
    const fact = await probe.collect(ctx, probe.params.parse({ unit: "ssh.service" }));
    expect(fact.value.active).toBeUndefined();
    expect(fact.unknown).toEqual({ active: "PID 1 is systemd but /run/systemd/system is missing: its state is hidden from nodeward" });
  });

  // systemd over D-Bus (live, /host, unreachable): test/unit/probes/systemd-manager.test.ts.
});

import { afterAll, describe, expect, it } from "vitest";
import kernelModuleProbe from "../../../src/probes/kernel-module.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { isDisablingInstall, parseModprobeConf, parseModuleList } from "../../../src/probes/parse/modprobe.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";

probeConformance(kernelModuleProbe, {
  params: [{ name: "cramfs" }],
  mayOmit: { installCommand: "set only when modprobe.d has an install line for the module", note: "set only when there is something to say" },
  // No running kernel: whether it loads modules does not apply; the rest is read from files.
  offline: { notApplicable: ["moduleSupport"] },
});

afterAll(cleanupFixtures);

const REL = "6.1.0-18-amd64";

async function ctxFor(spec: FixtureSpec): Promise<ProbeContext> {
  const root = await fixtureRoot(spec);
  return probeContext(root, { proc: root + "/proc" });
}

async function collect(ctx: ProbeContext, name: string) {
  return kernelModuleProbe.collect(ctx, kernelModuleProbe.params.parse({ name }));
}

/** A host with loadable-module support and some modules on disk. */
function modularHost(extra: FixtureSpec = {}): FixtureSpec {
  return {
    "proc/sys/kernel/osrelease": `${REL}\n`,
    "proc/modules": [
      "overlay 151552 0 - Live 0x0000000000000000",
      "usb_storage 81920 1 uas, Live 0x0000000000000000",
      "cramfs 20480 0 - Live 0x0000000000000000",
      "",
    ].join("\n"),
    [`lib/modules/${REL}/modules.dep`]: [
      "kernel/fs/overlayfs/overlay.ko: ",
      "kernel/fs/cramfs/cramfs.ko.xz: ",
      "kernel/fs/udf/udf.ko.xz: kernel/lib/crc-itu-t.ko.xz",
      "kernel/drivers/usb/storage/usb-storage.ko.zst: kernel/drivers/usb/core/usbcore.ko",
      "",
    ].join("\n"),
    [`lib/modules/${REL}/modules.builtin`]: "kernel/fs/ext4/ext4.ko\n",
    ...extra,
  };
}

describe("kernel-module probe", () => {
  it("no /proc/modules → moduleSupport false, not loaded, not loadable", async () => {
    const ctx = await ctxFor({ "proc/sys/kernel/osrelease": `${REL}\n`, "sys/module/overlay/parameters": { dir: true } });
    const fact = await collect(ctx, "cramfs");
    expect(fact.value).toMatchObject({
      name: "cramfs",
      moduleSupport: false,
      loaded: false,
      builtin: false,
      available: false,
      disabledByInstall: false,
      blacklisted: false,
      loadable: false,
    });
    expect(fact.value.note).toContain("no /proc/modules");
    expect(fact.value.note).toContain(`no /lib/modules/${REL}`);
    expect(fact.evidence).toEqual([
      { module: "cramfs", detail: "no /proc/modules: kernel without loadable module support" },
      { module: "cramfs", detail: `no /lib/modules/${REL} on this root: the running kernel has no module files installed here` },
    ]);
    expect(fact.unknown).toBeUndefined();
    // Built in: /sys/module/<name> without initstate.
    const overlay = await collect(ctx, "overlay");
    expect(overlay.value).toMatchObject({ builtin: true, loaded: false, moduleSupport: false });
    expect(overlay.evidence[0]).toMatchObject({ file: "/sys/module/overlay", module: "overlay" });
  });

  it("this real host (no loadable-module support): cramfs not loaded, no module support", async () => {
    const fact = await collect(probeContext("/"), "cramfs");
    expect(fact.value).toMatchObject({ moduleSupport: false, loaded: false, loadable: false, available: false });
  });

  it("a loaded module, with the /proc/modules line as evidence; modules.dep gives availability", async () => {
    const ctx = await ctxFor(modularHost());
    const fact = await collect(ctx, "cramfs");
    expect(fact.value).toEqual({
      name: "cramfs",
      moduleSupport: true,
      loaded: true,
      builtin: false,
      available: true,
      disabledByInstall: false,
      blacklisted: false,
      loadable: true,
    });
    expect(fact.evidence).toEqual([
      { file: "/proc/modules", line: 3, module: "cramfs", detail: "state Live" },
      { file: `/lib/modules/${REL}/modules.dep`, line: 2, module: "cramfs", detail: "kernel/fs/cramfs/cramfs.ko.xz" },
    ]);
    const udf = await collect(ctx, "udf");
    expect(udf.value).toMatchObject({ loaded: false, available: true, loadable: true });
    const hfs = await collect(ctx, "hfs");
    expect(hfs.value).toMatchObject({ loaded: false, available: false, loadable: false });
    const ext4 = await collect(ctx, "ext4");
    expect(ext4.value).toMatchObject({ builtin: true, available: false });
  });

  it("install /bin/false in /etc/modprobe.d overrides the same basename in /lib/modprobe.d", async () => {
    const ctx = await ctxFor(
      modularHost({
        "lib/modprobe.d/cis.conf": "install udf /sbin/modprobe --ignore-install udf\n",
        "etc/modprobe.d/cis.conf": "# CIS 1.1.1.7\ninstall udf /bin/false\nblacklist udf\n",
        // Applied after cis.conf (basename order): its install wins over cis.conf's.
        "usr/lib/modprobe.d/zz-vendor.conf": "install squashfs /bin/true\n",
        "etc/modprobe.d/zz-vendor.conf": "install squashfs /usr/bin/logger squashfs\n",
        "etc/modprobe.d/README": "install udf /bin/sh\n", // not *.conf: ignored
      }),
    );
    const fact = await collect(ctx, "udf");
    expect(fact.value).toMatchObject({
      available: true,
      installCommand: "/bin/false",
      disabledByInstall: true,
      blacklisted: true,
      loadable: false,
    });
    expect(fact.evidence).toContainEqual({ file: "/etc/modprobe.d/cis.conf", line: 2, module: "udf", command: "/bin/false", key: "install" });
    expect(fact.evidence).toContainEqual({ file: "/etc/modprobe.d/cis.conf", line: 3, module: "udf", key: "blacklist" });
    const sq = await collect(ctx, "squashfs");
    expect(sq.value).toMatchObject({ installCommand: "/usr/bin/logger squashfs", disabledByInstall: false });
  });

  it("the last install line for a module wins, across files in basename order", async () => {
    const ctx = await ctxFor(
      modularHost({
        "etc/modprobe.d/a.conf": "install cramfs /bin/true\n",
        "lib/modprobe.d/b.conf": "install cramfs \\\n  /sbin/modprobe --ignore-install cramfs\n",
      }),
    );
    const fact = await collect(ctx, "cramfs");
    expect(fact.value).toMatchObject({ installCommand: "/sbin/modprobe --ignore-install cramfs", disabledByInstall: false, loadable: true });
  });

  it("blacklist only: blacklisted but still loadable (modprobe by name ignores blacklist)", async () => {
    const ctx = await ctxFor(modularHost({ "etc/modprobe.d/blacklist.conf": "blacklist udf\n" }));
    const fact = await collect(ctx, "udf");
    expect(fact.value).toMatchObject({ blacklisted: true, disabledByInstall: false, loadable: true });
    expect(fact.value.installCommand).toBeUndefined();
  });

  it("usb-storage and usb_storage are the same module everywhere", async () => {
    const ctx = await ctxFor(
      modularHost({ "etc/modprobe.d/usb_storage.conf": "install usb_storage /bin/false\nblacklist usb-storage\n" }),
    );
    for (const name of ["usb-storage", "usb_storage"]) {
      const fact = await collect(ctx, name);
      expect(fact.value).toMatchObject({
        name: "usb_storage",
        loaded: true,
        available: true,
        disabledByInstall: true,
        blacklisted: true,
        loadable: false,
      });
    }
  });

  it("/lib/modules/<release> without modules.dep → available unknown, not guessed", async () => {
    const ctx = await ctxFor({
      "proc/sys/kernel/osrelease": `${REL}\n`,
      "proc/modules": "",
      [`lib/modules/${REL}/kernel`]: { dir: true },
    });
    const fact = await collect(ctx, "cramfs");
    expect(fact.value).toMatchObject({ moduleSupport: true, available: false });
    expect(fact.unknown).toEqual({
      available: `/lib/modules/${REL}/modules.dep is missing (run depmod)`,
      loadable: `/lib/modules/${REL}/modules.dep is missing (run depmod)`,
    });
  });
});

describe("kernel-module probe on an offline root (no procfs)", () => {
  it("judges from every kernel the image ships, and says module support does not apply when it ships none", async () => {
    const root = await fixtureRoot({
      proc: { dir: true },
      [`lib/modules/${REL}/modules.dep`]: "kernel/fs/cramfs/cramfs.ko.xz: \n",
    });
    const fact = await collect(probeContext(root), "cramfs");
    expect(fact.notApplicable?.["moduleSupport"]).toBeUndefined();
    expect(fact.value).toMatchObject({ moduleSupport: true, loaded: false, available: true, loadable: true, disabledByInstall: false });
    expect(fact.evidence).toContainEqual({ file: `/lib/modules/${REL}/modules.dep`, line: 1, module: "cramfs", detail: "kernel/fs/cramfs/cramfs.ko.xz" });

    const empty = await fixtureRoot({ proc: { dir: true }, "etc/hostname": "img\n" });
    const none = await collect(probeContext(empty), "cramfs");
    expect(none.notApplicable?.["moduleSupport"]).toBe(`offline root: no running kernel (no procfs at ${empty}/proc) to tell whether it loads modules`);
    expect(none.value).toMatchObject({ loaded: false, available: false, loadable: false });
    // The pass this gives says why: the image ships no module tree.
    expect(none.evidence).toEqual([
      { module: "cramfs", detail: "offline root: nothing is loaded; loadability judged from the root's modules and modprobe.d" },
      { module: "cramfs", detail: "no /lib/modules/*/modules.dep in the root: no kernel modules installed" },
    ]);
  });
});

describe("parseModprobeConf", () => {
  it("parses directives, continuations, comments and reports junk", () => {
    const text = [
      "# comment",
      "   # indented comment",
      "install usb-storage /bin/false",
      "blacklist   cramfs",
      "options snd-hda-intel model=auto \\",
      "  power_save=1",
      "alias net-pf-10 off",
      "frobnicate x",
      "install lonely",
      "",
    ].join("\n");
    const { directives, problems } = parseModprobeConf(text, "/etc/modprobe.d/x.conf");
    expect(directives).toEqual([
      { kind: "install", module: "usb_storage", args: ["/bin/false"], command: "/bin/false", line: 3, file: "/etc/modprobe.d/x.conf" },
      { kind: "blacklist", module: "cramfs", args: [], line: 4, file: "/etc/modprobe.d/x.conf" },
      { kind: "options", module: "snd_hda_intel", args: ["model=auto", "power_save=1"], line: 5, file: "/etc/modprobe.d/x.conf" },
      { kind: "alias", module: "net-pf-10", args: ["off"], line: 7, file: "/etc/modprobe.d/x.conf" },
    ]);
    expect(problems.map((p) => p.line)).toEqual([8, 9]);
  });

  it("knows which install commands disable a module", () => {
    for (const c of ["/bin/false", "/bin/true", "/usr/bin/false", "true", "false", "/bin/true # CIS"]) expect(isDisablingInstall(c)).toBe(true);
    for (const c of ["/bin/sh -c 'exit 1'", "/sbin/modprobe --ignore-install x", "/bin/falsey"]) expect(isDisablingInstall(c)).toBe(false);
  });

  it("parseModuleList maps compressed module files to names", () => {
    const m = parseModuleList("kernel/drivers/usb/storage/usb-storage.ko.zst: a.ko\nbogus line\nkernel/x/y.ko\n");
    expect([...m.keys()]).toEqual(["usb_storage", "y"]);
    expect(m.get("y")).toEqual({ path: "kernel/x/y.ko", line: 3 });
  });
});

describe("kernel-module: built in although /sys/module does not say so", () => {
  it("squashfs with CONFIG_SQUASHFS=y: registered in /proc/filesystems, no module loaded → builtin, with the line as evidence", async () => {
    const ctx = await ctxFor({
      "proc/sys/kernel/osrelease": `${REL}\n`,
      "proc/filesystems": "nodev\tsysfs\nnodev\tproc\n\text4\n\tsquashfs\nnodev\toverlay\n",
      "sys/module/overlay/parameters": { dir: true },
    });
    const fact = await collect(ctx, "squashfs");
    expect(fact.value).toMatchObject({ builtin: true, loaded: false, moduleSupport: false });
    expect(fact.evidence).toContainEqual({
      file: "/proc/filesystems",
      line: 4,
      module: "squashfs",
      detail: "filesystem squashfs is registered while module squashfs is not loaded: built into the kernel",
    });
    // freevxfs registers "vxfs"; cramfs is not registered at all.
    expect((await collect(ctx, "cramfs")).value.builtin).toBe(false);
  });

  it("a kernel without /lib/modules: the pass says why in its evidence", async () => {
    const ctx = await ctxFor({ "proc/sys/kernel/osrelease": `${REL}\n`, "proc/filesystems": "\text4\n" });
    const fact = await collect(ctx, "udf");
    expect(fact.value).toMatchObject({ available: false, loadable: false, builtin: false });
    expect(fact.evidence).toContainEqual({ module: "udf", detail: `no /lib/modules/${REL} on this root: the running kernel has no module files installed here` });
  });
});

describe("kernel-module: what cannot be read is unknown, never 'not available'", () => {
  it("modprobe.d that cannot be listed leaves disabledByInstall, blacklisted and loadable unknown", async () => {
    const root = await fixtureRoot(modularHost({ "etc/modprobe.d/cramfs.conf": "install cramfs /bin/false\nblacklist cramfs\n" }));
    const { HostRoot } = await import("../../../src/host/host-root.js");
    class Denied extends HostRoot {
      override async readdir(p: string) {
        if (p === "/usr/lib/modprobe.d") throw Object.assign(new Error(`EACCES: permission denied, scandir '${root}${p}'`), { code: "EACCES" });
        return super.readdir(p);
      }
    }
    const ctx: ProbeContext = { ...probeContext(root, { proc: root + "/proc" }), host: new Denied({ root, proc: root + "/proc" }) };
    const fact = await collect(ctx, "udf");
    const why = `modprobe.d cannot be read: /usr/lib/modprobe.d: EACCES: permission denied, scandir '${root}/usr/lib/modprobe.d'`;
    expect(fact.unknown).toEqual({ installCommand: why, disabledByInstall: why, blacklisted: why, loadable: why });
  });

  it("/proc/modules that cannot be read is not 'no module support'", async () => {
    const root = await fixtureRoot(modularHost());
    const { HostRoot } = await import("../../../src/host/host-root.js");
    class Denied extends HostRoot {
      override async procReadIfExists(rel: string) {
        if (rel === "modules") throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
        return super.procReadIfExists(rel);
      }
    }
    const ctx: ProbeContext = { ...probeContext(root, { proc: root + "/proc" }), host: new Denied({ root, proc: root + "/proc" }) };
    const fact = await collect(ctx, "cramfs");
    expect(fact.unknown).toMatchObject({ moduleSupport: "/proc/modules: EACCES: permission denied", loaded: "/proc/modules: EACCES: permission denied" });
  });
});

import { afterAll, describe, expect, it } from "vitest";
import probe, { kernelParams, parseBlsEntry, parseDefaultGrub, parseGrubCfg } from "../../../src/probes/bootloader.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  mayOmit: {
    configFile: "no GRUB configuration found (found: false)",
    defaultArgs: "no /etc/default/grub: no default kernel arguments",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const HASH = "grub.pbkdf2.sha512.10000.AAAABBBBCCCC.DDDDEEEE";

describe("GRUB parsers", () => {
  it("grub.cfg: linux lines with quoted args, superusers, password lines (user only)", () => {
    const g = parseGrubCfg(`set superusers="root"\npassword_pbkdf2 root ${HASH}\nmenuentry 'Debian' {\n\tlinux\t/vmlinuz-6.1.0-28-amd64 root=UUID=1 ro quiet apparmor=1 "x=a b"\n}\n`);
    expect(g).toEqual({
      entries: [{ kernel: "/vmlinuz-6.1.0-28-amd64", args: ["root=UUID=1", "ro", "quiet", "apparmor=1", "x=a b"], line: 4 }],
      superusers: [{ users: "root", line: 1 }],
      passwords: [{ user: "root", line: 2, fromUserCfg: false }],
    });
    // RHEL's 01_users block: the line sets nothing without user.cfg's GRUB2_PASSWORD.
    expect(parseGrubCfg("password_pbkdf2 root ${GRUB2_PASSWORD}\n").passwords).toEqual([{ user: "root", line: 1, fromUserCfg: true }]);
    expect(JSON.stringify(g)).not.toContain("pbkdf2.sha512");
  });

  it("BLS entries and /etc/default/grub", () => {
    expect(parseBlsEntry("title RHEL\nlinux /vmlinuz-5.14\noptions root=/dev/mapper/rhel-root ro $kernelopts\noptions audit=1\n")).toEqual({ kernel: "/vmlinuz-5.14", options: ["root=/dev/mapper/rhel-root", "ro", "$kernelopts", "audit=1"], line: 4 });
    expect(parseDefaultGrub('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="apparmor=1 security=apparmor"\n')).toEqual({ args: ["apparmor=1", "security=apparmor", "quiet"], lines: [2, 1] });
  });
});

describe("kernelParams", () => {
  it("key=value arguments by key, the last one winning; bare flags and a __proto__ key are not keys", () => {
    const p = kernelParams(["ro", "audit=1", "audit_backlog_limit=64", "audit_backlog_limit=8192", "x=a=b", "=v", "__proto__=polluted"]);
    expect(p).toEqual({ audit: "1", audit_backlog_limit: "8192", x: "a=b" });
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  });
});

describe("bootloader probe", () => {
  it("Debian: grub.cfg entries, superuser and password; /etc/default/grub", async () => {
    const root = await fixtureRoot({
      "boot/grub/grub.cfg": `set superusers="root"\npassword_pbkdf2 root ${HASH}\nlinux /vmlinuz ro audit=1\nlinux /vmlinuz ro single\n`,
      "etc/default/grub": 'GRUB_CMDLINE_LINUX="audit=1"\n',
    });
    const f = await probe.collect(probeContext(root), {});
    expect(f.value).toEqual({
      found: true, configFile: "/boot/grub/grub.cfg", superusers: true, password: true, entryCount: 2, defaultArgs: ["audit=1"],
      entries: [
        { kernel: "/vmlinuz", args: ["ro", "audit=1"], line: 3, file: "/boot/grub/grub.cfg", params: { audit: "1" } },
        { kernel: "/vmlinuz", args: ["ro", "single"], line: 4, file: "/boot/grub/grub.cfg", params: {} },
      ],
    });
    expect(JSON.stringify(f)).not.toContain("pbkdf2.sha512");
  });

  it("RHEL without user.cfg: grub.cfg's ${GRUB2_PASSWORD} line sets no password", async () => {
    const root = await fixtureRoot({
      "boot/grub2/grub.cfg": 'if [ -f ${prefix}/user.cfg ]; then\n  source ${prefix}/user.cfg\n  if [ -n "${GRUB2_PASSWORD}" ]; then\n    set superusers="root"\n    export superusers\n    password_pbkdf2 root ${GRUB2_PASSWORD}\n  fi\nfi\nblscfg\n',
    });
    const f = await probe.collect(probeContext(root), {});
    expect({ superusers: f.value.superusers, password: f.value.password }).toEqual({ superusers: true, password: false });
    expect(f.evidence).toContainEqual({ file: "/boot/grub2/grub.cfg", line: 6, key: "password root" });
  });

  it("RHEL: BLS entries with $kernelopts from grubenv; the password in user.cfg", async () => {
    const root = await fixtureRoot({
      "boot/grub2/grub.cfg": "set superusers=\"root\"\nexport superusers\nif [ -f ${config_directory}/user.cfg ]; then\n  source ${config_directory}/user.cfg\nfi\nblscfg\n",
      "boot/grub2/user.cfg": `GRUB2_PASSWORD=${HASH}\n`,
      "boot/grub2/grubenv": "# GRUB Environment Block\nkernelopts=root=/dev/mapper/rhel-root ro audit=1\n######\n",
      "boot/loader/entries/abc-5.14.0.conf": "title Red Hat\nlinux /vmlinuz-5.14.0\noptions $kernelopts audit_backlog_limit=8192\n",
    });
    const f = await probe.collect(probeContext(root), {});
    expect(f.value).toMatchObject({ found: true, configFile: "/boot/grub2/grub.cfg", superusers: true, password: true, entryCount: 1 });
    expect(f.value.entries[0]).toEqual({ kernel: "/vmlinuz-5.14.0", args: ["root=/dev/mapper/rhel-root", "ro", "audit=1", "audit_backlog_limit=8192"], file: "/boot/loader/entries/abc-5.14.0.conf", line: 3,
      params: { root: "/dev/mapper/rhel-root", audit: "1", audit_backlog_limit: "8192" },
    });
  });

  it("BLS: /etc/kernel/cmdline (what kernel-install gives a kernel installed later) is judged as one more entry", async () => {
    const root = await fixtureRoot({
      "boot/grub2/grub.cfg": "blscfg\n",
      "boot/loader/entries/abc-5.14.0.conf": "title Red Hat\nlinux /vmlinuz-5.14.0\noptions root=/dev/mapper/rhel-root ro audit=1\n",
      "etc/kernel/cmdline": "\nroot=/dev/mapper/rhel-root ro\n",
    });
    const f = await probe.collect(probeContext(root), {});
    expect(f.value.entryCount).toBe(2);
    expect(f.value.entries[1]).toEqual({ kernel: "(kernels installed later)", args: ["root=/dev/mapper/rhel-root", "ro"], file: "/etc/kernel/cmdline", line: 2, params: { root: "/dev/mapper/rhel-root" } });
    expect(f.evidence).toContainEqual({ file: "/etc/kernel/cmdline", line: 2, detail: "(kernels installed later) root=/dev/mapper/rhel-root ro" });
    // Not a BLS system (grub.cfg has its own entries, no blscfg): /etc/kernel/cmdline is not GRUB's.
    const deb = await fixtureRoot({ "boot/grub/grub.cfg": "menuentry 'Debian' {\n  linux /vmlinuz root=/dev/sda1 ro\n}\n", "etc/kernel/cmdline": "ro\n" });
    expect((await probe.collect(probeContext(deb), {})).value.entryCount).toBe(1);
  });

  it("BLS without a grub.cfg under the root (GRUB_ENABLE_BLSCFG=true): the entries are judged; the superuser and password are unknown, not false", async () => {
    const spec = {
      "etc/default/grub": 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="crashkernel=auto"\nGRUB_ENABLE_BLSCFG=true\n',
      "boot/loader/entries/abc-5.14.0.conf": "title Red Hat\nlinux /vmlinuz-5.14.0\noptions root=/dev/vda1 ro audit=1\n",
    };
    const f = await probe.collect(probeContext(await fixtureRoot(spec)), {});
    expect(f.value).toMatchObject({ found: true, configFile: "/boot/loader/entries", entryCount: 1 });
    expect(f.value.entries[0]?.args).toEqual(["root=/dev/vda1", "ro", "audit=1"]);
    expect(f.evidence).toContainEqual({ file: "/etc/default/grub", key: "GRUB_ENABLE_BLSCFG", detail: "GRUB_ENABLE_BLSCFG=true and no /boot/grub/grub.cfg or /boot/grub2/grub.cfg: the boot loader entries in /boot/loader/entries are judged" });
    expect(f.unknown).toEqual({
      superusers: "no /boot/grub/grub.cfg or /boot/grub2/grub.cfg under this root: GRUB's superuser and password are set there (and in user.cfg), not in the boot loader entries",
      password: "no /boot/grub/grub.cfg or /boot/grub2/grub.cfg under this root: GRUB's superuser and password are set there (and in user.cfg), not in the boot loader entries",
    });
    // Without GRUB_ENABLE_BLSCFG=true (or without entries), still not found.
    expect((await probe.collect(probeContext(await fixtureRoot({ ...spec, "etc/default/grub": 'GRUB_CMDLINE_LINUX="crashkernel=auto"\n' })), {})).value.found).toBe(false);
    expect((await probe.collect(probeContext(await fixtureRoot({ "etc/default/grub": spec["etc/default/grub"] })), {})).value.found).toBe(false);
  });

  it("no GRUB: not found (absence); an unreadable config is unknown", async () => {
    expect((await probe.collect(probeContext(await fixtureRoot({ "boot/vmlinuz": "k" })), {})).value).toMatchObject({ found: false, entryCount: 0 });
    const root = await fixtureRoot({ "boot/grub/grub.cfg": { symlink: "../../../../../x.cfg" } });
    expect((await probe.collect(probeContext(root), {})).unknown?.entries).toMatch(/^cannot read \/boot\/grub\/grub\.cfg: /);
  });
});

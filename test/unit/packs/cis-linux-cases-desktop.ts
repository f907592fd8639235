/**
 * CIS 1.7 (Debian, Ubuntu) / 1.8 (RHEL) GNOME Display Manager, and 3.1.1–3.1.2 (IPv6 status,
 * wireless interfaces): the cases shared by the four OS packs. GDM's items apply only where
 * its package is installed; the dconf key files and locks are the benchmark's remediation's.
 */
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import type { Case } from "./cis-linux-cases.js";

const GDM_DB = "etc/dconf/db/gdm.d/01-banner-message";
const LOCAL_DB = "etc/dconf/db/local.d/00-cis";
const LOCKS = "etc/dconf/db/local.d/locks/00-cis";

/** The local database's settings and locks, as the benchmark's remediation writes them. */
const LOCAL_GOOD = "[org/gnome/desktop/session]\nidle-delay=uint32 900\n\n[org/gnome/desktop/screensaver]\nlock-delay=uint32 5\n\n[org/gnome/desktop/media-handling]\nautomount=false\nautomount-open=false\nautorun-never=true\n";
const LOCKS_GOOD = ["session/idle-delay", "screensaver/lock-delay", "media-handling/automount", "media-handling/automount-open", "media-handling/autorun-never"].map((k) => `/org/gnome/desktop/${k}\n`).join("");
const GDM_GOOD = "[org/gnome/login-screen]\nbanner-message-enable=true\nbanner-message-text='Authorized uses only. All activity may be monitored and reported.'\ndisable-user-list=true\n";

export interface GdmIds {
  /** "1.7" (Debian, Ubuntu) or "1.8" (RHEL). */
  sec: string;
  pkg: string;
  /** GDM's configuration directory, root-relative: etc/gdm3 or etc/gdm. */
  confDir: string;
}

export function gdmCases({ sec, pkg, confDir }: GdmIds): Case[] {
  const notInstalled = { status: "skip" as const, message: `GDM is not installed (${pkg}): there is no graphical login to configure` };
  const good: FixtureSpec = { [GDM_DB]: GDM_GOOD, [LOCAL_DB]: LOCAL_GOOD, [LOCKS]: LOCKS_GOOD, [`${confDir}/custom.conf`]: "[daemon]\n\n[security]\n\n[xdmcp]\n\n[debug]\n#Enable=true\n" };
  const at = (file: string, line: number, key: string): Evidence[] => [{ file: `/${file}`, line, key }];
  const cases: Case[] = [
    { id: `${sec}.1`, label: "GDM not installed", spec: {}, want: { status: "pass" } },
    { id: `${sec}.1`, label: "GDM installed", pkgs: [pkg], spec: {}, want: { status: "fail", message: "installed is true, expected false" } },
  ];
  // A key file setting: pass with the good databases, fail with one bad value, skip without GDM.
  const setting = (id: string, file: string, body: string, bad: string, line: number, key: string, message: string): void => {
    cases.push(
      { id, label: "set as the benchmark says", pkgs: [pkg], spec: good, want: { status: "pass" } },
      { id, label: bad, pkgs: [pkg], spec: { ...good, [file]: body }, want: { status: "fail", message, evidence: at(file, line, key) } },
      { id, label: "GDM not installed", spec: good, want: notInstalled },
    );
  };
  setting(`${sec}.2`, GDM_DB, "[org/gnome/login-screen]\nbanner-message-enable=false\n", "banner-message-enable=false", 2, "org/gnome/login-screen/banner-message-enable", "value is false, expected matches /^true$/");
  setting(`${sec}.3`, GDM_DB, "[org/gnome/login-screen]\nbanner-message-enable=true\ndisable-user-list=false\n", "disable-user-list=false", 3, "org/gnome/login-screen/disable-user-list", "value is false, expected matches /^true$/");
  setting(`${sec}.4`, LOCAL_DB, LOCAL_GOOD.replace("uint32 900", "uint32 0"), "idle-delay 0 (never)", 2, "org/gnome/desktop/session/idle-delay",
    "value is uint32 0, expected matches /^(uint32\\s+)?([1-9]|[1-9][0-9]|[1-8][0-9][0-9]|900)$/");
  setting(`${sec}.4-lock-delay`, LOCAL_DB, LOCAL_GOOD.replace("uint32 5", "uint32 30"), "lock-delay 30", 5, "org/gnome/desktop/screensaver/lock-delay", "value is uint32 30, expected matches /^(uint32\\s+)?[0-5]$/");
  setting(`${sec}.6`, LOCAL_DB, LOCAL_GOOD.replace("automount=false", "automount=true"), "automount=true", 8, "org/gnome/desktop/media-handling/automount", "value is true, expected matches /^false$/");
  setting(`${sec}.6-automount-open`, LOCAL_DB, LOCAL_GOOD.replace("automount-open=false", "automount-open=true"), "automount-open=true", 9, "org/gnome/desktop/media-handling/automount-open", "value is true, expected matches /^false$/");
  setting(`${sec}.8`, LOCAL_DB, LOCAL_GOOD.replace("autorun-never=true", "autorun-never=false"), "autorun-never=false", 10, "org/gnome/desktop/media-handling/autorun-never", "value is false, expected matches /^true$/");
  cases.push({
    id: `${sec}.2-banner-message-text`, label: "no banner text", pkgs: [pkg], spec: { ...good, [GDM_DB]: "[org/gnome/login-screen]\nbanner-message-enable=true\n" },
    want: { status: "fail", message: "set is false, expected true", evidence: [{ file: "/etc/dconf/db/gdm.d/*", key: "org/gnome/login-screen/banner-message-text", detail: "not set in /etc/dconf/db/gdm.d/01-banner-message" }] },
  });
  cases.push({ id: `${sec}.2-banner-message-text`, label: "banner text set", pkgs: [pkg], spec: good, want: { status: "pass" } });
  cases.push({
    id: `${sec}.4`, label: "no local database at all", pkgs: [pkg], spec: { [GDM_DB]: GDM_GOOD },
    want: { status: "fail", message: "value is (not set), expected matches /^(uint32\\s+)?([1-9]|[1-9][0-9]|[1-8][0-9][0-9]|900)$/", evidence: [{ file: "/etc/dconf/db/local.d/*", key: "org/gnome/desktop/session/idle-delay", detail: "no file matches /etc/dconf/db/local.d/*" }] },
  });
  // Locks: every setting the benchmark locks is listed in a lock file of the local database.
  const locks: [string, string][] = [
    [`${sec}.5`, "session/idle-delay"], [`${sec}.5-lock-delay`, "screensaver/lock-delay"],
    [`${sec}.7`, "media-handling/automount"], [`${sec}.7-automount-open`, "media-handling/automount-open"], [`${sec}.9`, "media-handling/autorun-never"],
  ];
  for (const [id, key] of locks) {
    const path = `/org/gnome/desktop/${key}`;
    cases.push(
      { id, label: `${path} locked`, pkgs: [pkg], spec: good, want: { status: "pass" } },
      {
        id, label: `${path} not locked`, pkgs: [pkg], spec: { ...good, [LOCKS]: LOCKS_GOOD.replace(`${path}\n`, "") },
        want: { status: "fail", message: `files is 0 of 1 matching, expected some element: matched = true`, evidence: [{ file: `/${LOCKS}` }] },
      },
      { id, label: "GDM not installed", spec: good, want: notInstalled },
    );
  }
  // XDMCP: [xdmcp] Enable=true in GDM's configuration (custom.conf); the [debug] section's Enable is another key.
  cases.push(
    { id: `${sec}.10`, label: "no Enable in [xdmcp] ([debug] Enable=true is not it)", pkgs: [pkg], spec: { ...good, [`${confDir}/custom.conf`]: "[xdmcp]\n\n[debug]\nEnable=true\n" }, want: { status: "pass" } },
    { id: `${sec}.10`, label: "no GDM configuration file", pkgs: [pkg], spec: { [GDM_DB]: GDM_GOOD }, want: { status: "pass" } },
    {
      id: `${sec}.10`, label: "[xdmcp] Enable=true", pkgs: [pkg], spec: { ...good, [`${confDir}/custom.conf`]: "[daemon]\n[xdmcp]\nEnable=true\n" },
      want: { status: "fail", message: "(set is true, expected false) or (value is true, expected not (matches /(?i)^(true|1|yes)$/))", evidence: [{ file: `/${confDir}/custom.conf`, line: 3, key: "xdmcp/Enable" }] },
    },
    { id: `${sec}.10`, label: "GDM not installed", spec: good, want: notInstalled },
  );
  return cases;
}

/** 3.1.1 (manual: the IPv6 setting shown) and 3.1.2 (wireless interfaces' drivers), on a running system. */
export function networkDeviceCases(): Case[] {
  const wifi = (extra: FixtureSpec = {}): FixtureSpec => ({
    "proc/1/cmdline": "/sbin/init\0",
    "proc/modules": "iwlwifi 458752 1 iwlmvm, Live 0x0000000000000000\n",
    "sys/class/net/lo": { dir: true },
    "sys/class/net/wlp2s0/wireless": { dir: true },
    "sys/class/net/wlp2s0/device": { symlink: "../../../devices/pci0000:00/0000:02:00.0" },
    "sys/devices/pci0000:00/0000:02:00.0/driver": { symlink: "../../../bus/pci/drivers/iwlwifi" },
    "sys/bus/pci/drivers/iwlwifi/module": { symlink: "../../../../module/iwlwifi" },
    ...extra,
  });
  const disabled = { "proc/modules": "ext4 1015808 1 - Live 0x0000000000000000\n", "etc/modprobe.d/iwlwifi.conf": "install iwlwifi /bin/false\nblacklist iwlwifi\n" };
  return [
    { id: "3.1.1", label: "IPv6 on (shown for a person to judge)", proc: true, spec: { "proc/sys/net/ipv6/conf/all/disable_ipv6": "0\n" }, want: { status: "manual" } },
    { id: "3.1.2", label: "no wireless interface", proc: true, spec: { "proc/1/cmdline": "/sbin/init\0", "sys/class/net/lo": { dir: true }, "sys/class/net/eth0": { dir: true } }, want: { status: "pass" } },
    { id: "3.1.2", label: "the wireless driver disabled and not loaded", proc: true, spec: wifi(disabled), want: { status: "pass" } },
    {
      id: "3.1.2", label: "a wireless interface whose driver is loaded", proc: true, spec: wifi(),
      want: {
        status: "fail",
        message: "interfaces is 1 of 1 not matching: wlp2s0, expected every element: loaded = false, disabledByInstall = true, blacklisted = true",
      },
    },
    { id: "3.1.2", label: "offline root", spec: {}, want: { status: "skip" } },
  ];
}

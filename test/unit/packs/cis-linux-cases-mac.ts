/**
 * CIS 1.3.1 AppArmor (Debian 12, Ubuntu 22.04 and 24.04): packages, the boot arguments, and
 * the running kernel's profiles (a procfs and sysfs tree in the fixture: a running system).
 */
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import type { Case } from "./cis-linux-cases.js";

const notInstalled = (pkg: string): Evidence => ({ file: "/var/lib/dpkg/status", package: pkg });
const ENABLED = "/sys/module/apparmor/parameters/enabled";
const PROFILES = "/sys/kernel/security/apparmor/profiles";

/** A running system with AppArmor on: procfs with two processes, the profiles loaded. */
export function apparmorRunning(profiles: string, extra: FixtureSpec = {}): FixtureSpec {
  return {
    "proc/1/cmdline": "/sbin/init\0",
    "proc/1/attr/apparmor/current": "unconfined\n",
    "proc/1/exe": { symlink: "/usr/lib/systemd/systemd" },
    "proc/640/cmdline": "/usr/sbin/chronyd\0",
    "proc/640/attr/apparmor/current": "/usr/sbin/chronyd (enforce)\n",
    "proc/640/exe": { symlink: "/usr/sbin/chronyd" },
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/apparmor/profiles": profiles,
    ...extra,
  };
}

const grub = (args: string): FixtureSpec => ({
  "boot/grub/grub.cfg": `menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f3c ro ${args}\n}\nmenuentry 'recovery' {\n\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f3c ro single apparmor=1 security=apparmor\n}\n`,
});

export function apparmorCases(): Case[] {
  const loaded = "/usr/sbin/chronyd (enforce)\nlsb_release (enforce)\n/usr/bin/man (complain)\n";
  const enforcing = "/usr/sbin/chronyd (enforce)\nlsb_release (enforce)\n";
  const modeEvidence = (detail: string): Evidence[] => [{ file: ENABLED, detail: "Y" }, { file: PROFILES, detail }];
  const cases: Case[] = [
    { id: "1.3.1.1", label: "installed", pkgs: ["apparmor"], spec: {}, want: { status: "pass" } },
    { id: "1.3.1.1", label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled("apparmor")] } },
    { id: "1.3.1.1-apparmor-utils", label: "installed", pkgs: ["apparmor-utils"], spec: {}, want: { status: "pass" } },
    { id: "1.3.1.1-apparmor-utils", label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled("apparmor-utils")] } },
    { id: "1.3.1.2", label: "every entry boots with apparmor=1 security=apparmor", spec: grub("quiet apparmor=1 security=apparmor"), want: { status: "pass" } },
    {
      id: "1.3.1.2", label: "the default entry lacks security=apparmor", spec: grub("quiet apparmor=1"),
      want: {
        status: "fail",
        message: "entries is 1 of 2 not matching: /boot/grub/grub.cfg:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.apparmor = 1, params.security = apparmor",
      },
    },
    // The kernel takes the last value of each: apparmor=0 after apparmor=1 boots without AppArmor.
    {
      id: "1.3.1.2", label: "apparmor=1 … apparmor=0 (the last wins)", spec: grub("quiet apparmor=1 security=apparmor apparmor=0"),
      want: { status: "fail", message: "entries is 1 of 2 not matching: /boot/grub/grub.cfg:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.apparmor = 1, params.security = apparmor" },
    },
    {
      id: "1.3.1.2", label: "security=apparmor … security=selinux (the last wins)", spec: grub("quiet apparmor=1 security=apparmor security=selinux"),
      want: { status: "fail", message: "entries is 1 of 2 not matching: /boot/grub/grub.cfg:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.apparmor = 1, params.security = apparmor" },
    },
    { id: "1.3.1.2", label: "apparmor=0 security=selinux, then apparmor=1 security=apparmor (the last wins)", spec: grub("apparmor=0 security=selinux quiet apparmor=1 security=apparmor"), want: { status: "pass" } },
    { id: "1.3.1.2", label: "no GRUB", spec: {}, want: { status: "skip", message: "no GRUB configuration under this root (another boot loader, or a container image)" } },
  ];
  for (const [id, good, badMode] of [["1.3.1.3", loaded, "kill"], ["1.3.1.4", enforcing, "complain"]] as const) {
    const expected = id === "1.3.1.3" ? "one of [enforce, complain]" : "= enforce";
    cases.push(
      { id, label: "profiles loaded, none unconfined", proc: true, spec: apparmorRunning(good), want: { status: "pass" } },
      {
        id, label: `a profile in ${badMode} mode`, proc: true, spec: apparmorRunning(`${good}/usr/sbin/cupsd (${badMode})\n`),
        want: {
          status: "fail",
          message: `profiles is 1 of ${good.split("\n").length} not matching: /usr/sbin/cupsd, expected every element: mode ${expected}`,
        },
      },
      {
        id, label: "a process unconfined although its profile is loaded", proc: true,
        spec: apparmorRunning(good, { "proc/700/cmdline": "/usr/bin/man\0", "proc/700/attr/apparmor/current": "unconfined\n", "proc/700/exe": { symlink: "/usr/sbin/chronyd" } }),
        want: {
          status: "fail",
          message: "unconfinedProcesses is 1 of 1 matching: /usr/sbin/chronyd, expected no element: pid > 0",
        },
      },
      {
        id, label: "AppArmor disabled at boot", proc: true, spec: apparmorRunning("", { "sys/module/apparmor/parameters/enabled": "N\n" }),
        want: { status: "fail", message: "enabled is false, expected true; profileCount is 0, expected > 0", evidence: [{ file: ENABLED, detail: "N" }] },
      },
      {
        id, label: "enabled, no profile loaded", proc: true, spec: apparmorRunning(""),
        want: { status: "fail", message: "profileCount is 0, expected > 0", evidence: modeEvidence("0 profiles loaded") },
      },
      { id, label: "offline root", spec: {}, want: { status: "skip" } },
    );
  }
  return cases;
}

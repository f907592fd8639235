/**
 * The probe registry: one line per probe, checked by types (ProbeId = its keys).
 * Explicit imports rather than side-effect registration: ESM has no init().
 */
import accounts from "./accounts.js";
import apparmor from "./apparmor.js";
import auditRules from "./audit-rules.js";
import bootloader from "./bootloader.js";
import command from "./command.js";
import file from "./file.js";
import fileTree from "./file-tree.js";
import firewall from "./firewall.js";
import groups from "./groups.js";
import keyfile from "./keyfile.js";
import k8sComponent from "./k8s-component.js";
import kernelModule from "./kernel-module.js";
import kubelet from "./kubelet.js";
import listeningPorts from "./listening-ports.js";
import mounts from "./mounts.js";
import osRelease from "./os-release.js";
import packageProbe from "./package.js";
import pam from "./pam.js";
import pamOption from "./pam-option.js";
import passwordAging from "./password-aging.js";
import rsyslogConf from "./rsyslog-conf.js";
import securityLimits from "./security-limits.js";
import shellProfile from "./shell-profile.js";
import sshdConfig from "./sshd-config.js";
import sudoers from "./sudoers.js";
import sysctl from "./sysctl.js";
import systemdConf from "./systemd-conf.js";
import systemdUnit from "./systemd-unit.js";
import userHomes from "./user-homes.js";
import wireless from "./wireless.js";
import type { z } from "zod";
import type { Probe } from "./types.js";

export const probes = {
  file,
  package: packageProbe,
  "systemd-unit": systemdUnit,
  "listening-ports": listeningPorts,
  "kernel-module": kernelModule,
  sysctl,
  kubelet,
  command,
  "os-release": osRelease,
  "sshd-config": sshdConfig,
  "k8s-component": k8sComponent,
  accounts,
  "file-tree": fileTree,
  "security-limits": securityLimits,
  "systemd-conf": systemdConf,
  mounts,
  groups,
  "password-aging": passwordAging,
  "user-homes": userHomes,
  "shell-profile": shellProfile,
  pam,
  "pam-option": pamOption,
  sudoers,
  "rsyslog-conf": rsyslogConf,
  "audit-rules": auditRules,
  bootloader,
  apparmor,
  firewall,
  wireless,
  keyfile,
} as const satisfies Record<string, Probe<z.ZodType, object>>;

export type ProbeId = keyof typeof probes;

export function getProbe(id: string): Probe | undefined {
  return Object.hasOwn(probes, id) ? (probes[id as ProbeId] as unknown as Probe) : undefined;
}

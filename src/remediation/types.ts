/**
 * The remediation contract. A fix action turns a failing check into typed `Change`
 * data (plan); the changes are executed by one executor per change kind (changes.ts),
 * so the journal/backup/atomic discipline lives in one place and not in eight actions.
 * Planning never changes a byte: it reads through the host root (and the plan's own
 * overlay, so two fixes that edit one file chain instead of clobbering each other).
 */
import type { z } from "zod";
import type { CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedCheck } from "../packs/load.js";
import type { ProbeContext } from "../probes/types.js";
import { NodewardError, type MessageArgs } from "../errors.js";

/** A regular file's bytes (as UTF-8 text; config files) and metadata. */
export interface FileState {
  content: string;
  /** Permission bits incl. setuid/setgid/sticky (0o7777 mask). */
  mode: number;
  uid: number;
  gid: number;
}

export interface WriteFileChange {
  kind: "write-file";
  /** Host path ("/etc/sysctl.d/60-nodeward.conf"). */
  path: string;
  /** null: the file does not exist yet (rollback removes it). */
  before: FileState | null;
  after: FileState;
  /** Directories (host paths, outermost first) created for the file; rollback removes them when empty. */
  mkdirs?: string[];
}

export interface ChmodChange {
  kind: "chmod";
  path: string;
  from: number;
  to: number;
}

export interface ChownChange {
  kind: "chown";
  path: string;
  from: { uid: number; gid: number };
  to: { uid: number; gid: number };
}

/**
 * Stop / disable / mask a systemd unit. On the live host through systemctl; on an
 * offline root through `systemctl --root=ROOT` (disable and mask work without a running
 * systemd; stop is live-only). The /etc/systemd/system link tree is backed up before,
 * so rollback restores it exactly (re-enables and unmasks).
 */
export interface UnitChange {
  kind: "unit";
  unit: string;
  ops: ("stop" | "disable" | "mask")[];
  /** `systemctl is-active` said active before the change (live host only): rollback starts it again. */
  wasActive?: boolean;
}

/** A command for the live host only (modprobe -r, sysctl -w, apt-get purge). */
export interface CommandChange {
  kind: "command";
  argv: string[];
  /** Run by rollback to undo it. */
  undo?: string[];
  /** What rollback cannot do by itself, said to the operator (e.g. the exact reinstall command). */
  manualUndo?: string;
  /** Command runs only make sense on the host nodeward runs on. */
  liveOnly: true;
  /** Why this command, in one line ("unload cramfs: it is loaded"). */
  why: string;
  /** Files to back up before the command runs (host paths), e.g. a package's conffiles. */
  backupFiles?: string[];
  /** Extra environment (DEBIAN_FRONTEND=noninteractive). */
  env?: Record<string, string>;
  /** Timeout for the command, ms (apt-get purge can take a while). */
  timeoutMs?: number;
}

export type Change = WriteFileChange | ChmodChange | ChownChange | UnitChange | CommandChange;

export type Needs = "reboot" | "kubelet-restart" | "sshd-reload" | "relogin";

/** What a plan sees: the host, a probe context (for kubelet/dpkg facts), an overlay of planned writes. */
export interface FixContext {
  host: HostRoot;
  probe: ProbeContext;
  run: CommandRunner;
  /** The current state of a file as this plan will find it (overlay first, then disk); null when missing. */
  readFile(hostPath: string): Promise<FileState | null>;
}

export interface FixAction<S extends z.ZodType = z.ZodType> {
  /** Name used by packs (`fix: { action: file-mode }`); equals the file name. */
  id: string;
  summary: string;
  params: S;
  /** Every change this action makes needs the live host (nothing to do on --root). */
  liveOnly?: boolean;
  /** A follow-up the operator must do for the change to take effect. */
  needs?: Needs;
  /** The changes that would make the check pass; [] when nothing is to be done. Throws FixRefused. */
  plan(ctx: FixContext, params: z.output<S>, check: LoadedCheck): Promise<Change[]>;
}

/** Identity helper that keeps an action's param types. */
export function defineFix<S extends z.ZodType>(action: FixAction<S>): FixAction<S> {
  return action;
}

/** A fix declines to act, with a reason the operator can act on (not a bug). */
export class FixRefused extends NodewardError {
  constructor(...args: MessageArgs<"FIX_REFUSED">) {
    super(...args);
    this.name = "FixRefused";
  }
}

/**
 * The shared case-table kit of the KISA packs (kisa-unix, 2021 numbering; kisa-unix-2026):
 * fixture builders for accounts, listening sockets and owned files, and the pass/fail/skip
 * case constructors. Both tables run every case with the real loader, probes and engine.
 */
import { expect } from "vitest";
import type { CheckResult, Status } from "../../../src/engine/result.js";
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";

// --- accounts -------------------------------------------------------------------------

export const PASSWD_LINES = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
];
export const SHADOW_LINES = [
  "root:$6$salt$hash:19000:0:99999:7:::",
  "daemon:*:19000:0:99999:7:::",
  "nobody:*:19000:0:99999:7:::",
  "alice:$y$j9T$salt$hash:19000:0:99999:7:::",
];
export const GROUP = "root:x:0:\ndaemon:x:1:\nshadow:x:42:\nnogroup:x:65534:\nalice:x:1000:\n";

/** A small, compliant account database with real home directories. */
export function accounts(o: { passwd?: string[]; shadow?: string[]; files?: FixtureSpec } = {}): FixtureSpec {
  return {
    "etc/passwd": (o.passwd ?? PASSWD_LINES).join("\n") + "\n",
    "etc/shadow": { content: (o.shadow ?? SHADOW_LINES).join("\n") + "\n", mode: 0o640, uid: 0, gid: 42 },
    "etc/group": GROUP,
    "etc/login.defs": "UID_MIN 1000\nPASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nUMASK 022\n",
    root: { dir: true, mode: 0o700, uid: 0, gid: 0 },
    "home/alice": { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
    "usr/sbin": { dir: true },
    ...o.files,
  };
}

// --- listening sockets ------------------------------------------------------------------

const TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, "0");

/** /proc/net/{tcp,udp} with listeners on these ports (0.0.0.0), sshd on 22/tcp always. */
export function sockets(tcpPorts: number[] = [], udpPorts: number[] = []): FixtureSpec {
  const line = (i: number, port: number, st: string) =>
    `   ${i}: 00000000:${hex(port)} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1`;
  return {
    "proc/net/tcp": [TCP_HEADER, ...[22, ...tcpPorts].map((p, i) => line(i, p, "0A"))].join("\n") + "\n",
    "proc/net/udp": [TCP_HEADER, ...udpPorts.map((p, i) => line(i, p, "07"))].join("\n") + "\n",
  };
}

// --- files ------------------------------------------------------------------------------

export const owned = (content: string, mode: number, uid = 0, gid = 0) => ({ content, mode, uid, gid });
export const PAM_PW = "password requisite pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n";
export const PAM_AUTH = "auth requisite pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so nullok\n";
/** A password stack without a quality module, and an auth stack without a lockout module. */
export const PAM_UNIX_ONLY = "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n";
export const AUTH_UNIX_ONLY = "auth [success=1 default=ignore] pam_unix.so nullok\n";

export interface Want {
  status: Status;
  message?: string;
  observed?: string;
  evidence?: Evidence[];
}
export interface Case {
  id: string;
  label: string;
  spec: FixtureSpec;
  want: Want;
}

export const pass = (id: string, label: string, spec: FixtureSpec): Case => ({ id, label, spec, want: { status: "pass" } });
export const fail = (id: string, label: string, spec: FixtureSpec, message: string, evidence?: Evidence[]): Case => ({
  id, label, spec, want: { status: "fail", message, ...(evidence ? { evidence } : {}) },
});
export const skip = (id: string, label: string, spec: FixtureSpec, message: string): Case => ({ id, label, spec, want: { status: "skip", message } });

/** Owner/mode of one file where the check applies only when the file exists. */
export function permCases(id: string, rel: string, max: number, ownerMsg = "root"): Case[] {
  // One bit past the limit: other-read where it is not allowed, else other-write.
  const too = max & 0o004 ? max | 0o002 : max | 0o004;
  const fmt = (m: number) => m.toString(8).padStart(4, "0");
  return [
    pass(id, `${fmt(max)} root`, { ...accounts(), [rel]: owned("x\n", max) }),
    fail(id, `${fmt(too)} root`, { ...accounts(), [rel]: owned("x\n", too) }, `mode is ${fmt(too)}, expected ${fmt(max)} or more restrictive`, [{ file: `/${rel}` }]),
    fail(id, `owner daemon`, { ...accounts(), [rel]: owned("x\n", max, 1, 0) }, `owner is daemon, expected ${ownerMsg}`, [{ file: `/${rel}` }]),
  ];
}

/** The case's status and exact message (a pass has none), and each listed evidence item among the result's. */
export function expectCase(r: CheckResult, c: Case): void {
  expect({ status: r.status, message: r.message }).toEqual({
    status: c.want.status,
    message: c.want.status === "pass" ? undefined : c.want.message === "" ? expect.any(String) : c.want.message,
  });
  for (const e of c.want.evidence ?? []) expect(r.evidence).toContainEqual(expect.objectContaining(e));
}

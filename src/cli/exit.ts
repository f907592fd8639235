/**
 * What the command dispatcher (run.ts) needs of the commands' shared code: exit codes,
 * usage errors, environment errors. Kept apart from common.ts, whose pack loading pulls in
 * every probe, zod and yaml: the dispatcher loads this for every command, `serve` included,
 * and the agent must not hold ~1 MB of probe code it never runs (its scans run in a child).
 */
import { NodewardError, type MessageArgs } from "../errors.js";

/** Documented in README "Exit codes". */
export const EXIT = {
  /** Nothing failed at or above --fail-on. */
  OK: 0,
  /** A check failed (or could not be evaluated: `error`) at or above --fail-on. */
  FAILED: 1,
  /** Bad usage, or a check pack did not load. */
  USAGE: 2,
  /** A bug or an unexpected failure in nodeward itself. */
  INTERNAL: 3,
} as const;

export class UsageError extends NodewardError {
  constructor(...args: MessageArgs<"USAGE">) {
    super(...args);
    this.name = "UsageError";
  }
}

/**
 * An error from the environment rather than from nodeward (a busy port, a path the user
 * cannot write, a missing directory) as one sentence that says what to do; undefined for
 * anything else (a real bug: exit 3).
 */
export function environmentError(e: unknown, command: string): string | undefined {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number; dest?: string };
  if (!err || typeof err !== "object" || typeof err.code !== "string") return undefined;
  const where = err.address !== undefined ? `${err.address}${err.port !== undefined ? `:${err.port}` : ""}` : "";
  const file = err.path ?? err.dest;
  switch (err.code) {
    case "EADDRINUSE":
      return `${where || "the address"} is already in use (another nodeward serve, or another service): stop it, or give --listen HOST:PORT with a free port`;
    case "EADDRNOTAVAIL":
      return `${where || "the address"} is not an address of this machine: give --listen with one of its addresses, e.g. 127.0.0.1:9850`;
    case "EACCES":
    case "EPERM":
      if (err.syscall === "listen" || err.syscall === "bind") {
        return `listening on ${where || "that port"} needs root or CAP_NET_BIND_SERVICE (ports below 1024): give --listen 127.0.0.1:9850, or run as root`;
      }
      return `permission denied${file ? `: ${file}` : ""}${err.syscall ? ` (${err.syscall})` : ""}: run as root (sudo nodeward ${command} …), or point the command at a path you may use${command === "serve" || command === "remediate" || command === "rollback" || command === "runs" ? " (--state-dir DIR)" : ""}`;
    case "EROFS":
      return `${file ?? "the target"} is on a read-only file system: choose a writable path${command === "serve" ? " (--state-dir DIR)" : ""}`;
    case "ENOSPC":
      return `no space left on the device${file ? ` holding ${file}` : ""}: free some space and run again`;
    case "ENOENT":
    case "ENOTDIR":
      return file ? `${file} does not exist (${err.syscall ?? "open"}): create it, or give another path${command === "serve" || command === "runs" || command === "rollback" ? " (--state-dir DIR)" : ""}` : undefined;
    default:
      return undefined;
  }
}

/**
 * Is there a running system behind this root? The live host always is one; a mounted
 * host (`--root /host --proc /host/proc`) is one when its procfs is there; an image or
 * a plain directory tree (`--root DIR` with no procfs) is an offline root: runtime state
 * (sockets, loaded modules, the running value of a sysctl, active services) does not
 * exist there. Every probe asks here, so they all draw the line in the same place.
 */
import type { HostRoot } from "./host-root.js";

export type RunningSystem = { running: true } | { running: false; reason: string };

export async function runningSystem(host: HostRoot): Promise<RunningSystem> {
  if (host.isLive) return { running: true };
  // A procfs that exists but cannot be listed proves nothing either way: the error
  // propagates (the probe asking fails with it) rather than reading as an offline root.
  const entries = await host.procReaddir("");
  if (entries !== null && entries.length > 0) return { running: true };
  return { running: false, reason: `${host.root} has no procfs at ${host.proc}` };
}

/**
 * The proc-relative path of a per-namespace file (`net/tcp`, `mounts`) as the scanned
 * system's init (PID 1) sees it. On the live host, `/proc/<rel>` is this process's view,
 * which is the host's. Scanning a mounted host with hostPID, `/proc/<rel>` would be our
 * pod's namespace, so PID 1's is read; a tree without `1/<rel>` (a fixture) falls back to `<rel>`.
 */
export async function initProcPath(host: HostRoot, rel: string): Promise<string> {
  if (host.isLive) return rel;
  // An unreadable 1/<rel> is not a fixture: reading our own namespace instead would answer
  // for the wrong system, so the error propagates.
  return (await host.procExists(`1/${rel}`)) ? `1/${rel}` : rel;
}

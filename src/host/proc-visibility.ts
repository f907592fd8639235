/**
 * Does the procfs nodeward reads hide processes from it? A procfs mounted with
 * hidepid=2 (hidepid=invisible; systemd's ProtectProc=invisible, some hardened hosts and
 * pods) lists only the processes the reader may ptrace: everything, for a process with
 * CAP_SYS_PTRACE or in the mount's gid= group; otherwise its own user's only. A process
 * table read there is partial without any error to say so, so "no kubelet process" would
 * not be proven. (hidepid=1/noaccess lists every pid and refuses their files: that shows
 * up as EACCES on each, already reported.)
 */

const CAP_SYS_PTRACE = 19n;

export interface ProcVisibilityInput {
  /** This process's /proc/self/mountinfo. */
  mountinfo: string;
  /** The real path of the procfs being read (e.g. /proc, /host/proc). */
  procPath: string;
  /** This process's /proc/self/status. */
  status: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The super options of the procfs mounted at procPath (the last one: a path lookup reaches it), or null. */
function procMountOptions(mountinfo: string, procPath: string): Map<string, string> | null {
  let superOptions: string | undefined;
  for (const raw of mountinfo.split("\n")) {
    const f = raw.split(" ");
    const sep = f.indexOf("-", 6);
    if (sep === -1 || f.length < sep + 3) continue;
    if (unescape(f[4] ?? "") !== procPath || f[sep + 1] !== "proc") continue;
    superOptions = f[sep + 3] ?? "";
  }
  if (superOptions === undefined) return null;
  return new Map(superOptions.split(",").map((o) => [o.split("=")[0] ?? "", o.split("=")[1] ?? ""] as const));
}

/**
 * Why the procfs at procPath shows no kernel entries (sys, net, modules, filesystems…), or
 * null: mounted `subset=pid` (Linux 5.8+; systemd's ProcSubset=pid, some container
 * runtimes), it lists process directories only, and a setting or table missing from it is
 * not missing from the kernel.
 */
export function subsetPidReason(input: Omit<ProcVisibilityInput, "status">): string | null {
  const opts = procMountOptions(input.mountinfo, input.procPath);
  if (opts?.get("subset") !== "pid") return null;
  return `${input.procPath} is mounted subset=pid: it shows processes only, not the kernel's settings and tables`;
}

/** Why processes are hidden from this reader, or null when every process is listed. */
export function hiddenProcessesReason(input: ProcVisibilityInput): string | null {
  const opts = procMountOptions(input.mountinfo, input.procPath);
  if (opts === null) return null;
  const hidepid = opts.get("hidepid");
  if (hidepid !== "2" && hidepid !== "invisible") return null;
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(input.status)?.[1]?.trim() ?? "";
  const capEff = /^[0-9a-f]+$/i.test(field("CapEff")) ? BigInt(`0x${field("CapEff")}`) : 0n;
  if ((capEff >> CAP_SYS_PTRACE) & 1n) return null;
  const gid = opts.get("gid");
  if (gid !== undefined && gid !== "" && field("Groups").split(/\s+/).concat(field("Gid").split(/\s+/)).includes(gid)) return null;
  return (
    `${input.procPath} is mounted hidepid=${hidepid} and nodeward has no CAP_SYS_PTRACE` +
    `${gid ? ` and is not in its group ${gid}` : ""}: other users' processes are not listed`
  );
}

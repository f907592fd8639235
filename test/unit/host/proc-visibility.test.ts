import { describe, expect, it } from "vitest";
import { hiddenProcessesReason, subsetPidReason } from "../../../src/host/proc-visibility.js";

const mountinfo = (procOptions: string, at = "/proc") =>
  [
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
    `23 22 0:21 / ${at} rw,nosuid,nodev,noexec,relatime shared:12 - proc proc ${procOptions}`,
    "24 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=4000k",
    "",
  ].join("\n");
const status = (capEff: string, gid = "0", groups = "") => `Name:\tnode\nGid:\t${gid}\t${gid}\t${gid}\t${gid}\nGroups:\t${groups}\nCapEff:\t${capEff}\n`;
const NO_CAPS = "0000000000000000";
const PTRACE_ONLY = "0000000000080000"; // bit 19
const DAC_READ_SEARCH_ONLY = "0000000000000004"; // bit 2

describe("hiddenProcessesReason", () => {
  it("a procfs without hidepid hides nothing", () => {
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw"), procPath: "/proc", status: status(NO_CAPS) })).toBeNull();
  });

  it("hidepid=invisible (or 2) hides other users' processes from a reader without CAP_SYS_PTRACE", () => {
    for (const v of ["invisible", "2"]) {
      expect(hiddenProcessesReason({ mountinfo: mountinfo(`rw,hidepid=${v}`), procPath: "/proc", status: status(DAC_READ_SEARCH_ONLY) })).toBe(
        `/proc is mounted hidepid=${v} and nodeward has no CAP_SYS_PTRACE: other users' processes are not listed`,
      );
    }
  });

  it("CAP_SYS_PTRACE, or the mount's gid= group, sees every process", () => {
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw,hidepid=invisible"), procPath: "/proc", status: status(PTRACE_ONLY) })).toBeNull();
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw,hidepid=invisible,gid=4"), procPath: "/proc", status: status(NO_CAPS, "1000", "4 27") })).toBeNull();
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw,hidepid=invisible,gid=4"), procPath: "/proc", status: status(NO_CAPS, "1000", "27") })).toBe(
      "/proc is mounted hidepid=invisible and nodeward has no CAP_SYS_PTRACE and is not in its group 4: other users' processes are not listed",
    );
  });

  it("an empty Groups: line is empty, not the next line's values", () => {
    const text = `Name:\tnode\nGid:\t1000\t1000\t1000\t1000\nGroups:\t\nNStgid:\t4\nCapEff:\t${NO_CAPS}\n`;
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw,hidepid=invisible,gid=4"), procPath: "/proc", status: text })).toMatch(/is not in its group 4/);
  });

  it("hidepid=1 (noaccess) lists every pid: its refusals are reported per process instead", () => {
    expect(hiddenProcessesReason({ mountinfo: mountinfo("rw,hidepid=noaccess"), procPath: "/proc", status: status(NO_CAPS) })).toBeNull();
  });

  it("judges the procfs at the path read (the host's /host/proc in a DaemonSet), the last one mounted there", () => {
    const text = mountinfo("rw") + mountinfo("rw,hidepid=invisible", "/host/proc") + mountinfo("rw", "/host/proc");
    expect(hiddenProcessesReason({ mountinfo: text, procPath: "/host/proc", status: status(NO_CAPS) })).toBeNull();
    const hidden = mountinfo("rw") + mountinfo("rw,hidepid=invisible", "/host/proc");
    expect(hiddenProcessesReason({ mountinfo: hidden, procPath: "/host/proc", status: status(NO_CAPS) })).toMatch(/^\/host\/proc is mounted hidepid=invisible/);
    expect(hiddenProcessesReason({ mountinfo: hidden, procPath: "/proc", status: status(NO_CAPS) })).toBeNull();
  });
});

describe("subsetPidReason", () => {
  it("a procfs mounted subset=pid shows no kernel entries, said with the mount point", () => {
    expect(subsetPidReason({ mountinfo: mountinfo("rw,subset=pid"), procPath: "/proc" })).toBe(
      "/proc is mounted subset=pid: it shows processes only, not the kernel's settings and tables",
    );
    expect(subsetPidReason({ mountinfo: mountinfo("rw,hidepid=invisible,subset=pid", "/host/proc"), procPath: "/host/proc" })).toMatch(/^\/host\/proc is mounted subset=pid/);
  });

  it("a full procfs, or one mounted elsewhere, hides no kernel entry", () => {
    expect(subsetPidReason({ mountinfo: mountinfo("rw"), procPath: "/proc" })).toBeNull();
    expect(subsetPidReason({ mountinfo: mountinfo("rw,subset=pid", "/other/proc"), procPath: "/proc" })).toBeNull();
    expect(subsetPidReason({ mountinfo: mountinfo("rw,hidepid=invisible"), procPath: "/proc" })).toBeNull();
  });
});

/**
 * Never pass what could not be seen — the inputs the hidden-facts tables do not make: a
 * procfs table with an unexpected shape or emptied, a command that answers nothing, a walk
 * that could not go everywhere. Each case is the input that made a check `pass` (or a
 * silent `skip`) before; after, it is `error` naming the path or command and the reason.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import type { LoadedCheck } from "../../../src/packs/load.js";
import { loadSelection } from "../../../src/packs/selection.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { compliantDebianNode, layer, mountinfo, sshdConfig } from "../../helpers/compliant-debian-node.js";
import type { CommandRunner } from "../../../src/host/exec.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import listeningPorts from "../../../src/probes/listening-ports.js";
import packageProbe from "../../../src/probes/package.js";
import mounts from "../../../src/probes/mounts.js";

afterAll(cleanupFixtures);

/** The kubernetes-node profile's checks (tailored as shipped), on which the compliant node passes. */
let selected: Map<string, LoadedCheck>;
beforeAll(async () => {
  const sel = await loadSelection({ profile: "kubernetes-node" });
  selected = new Map(sel.packs.flatMap((p) => p.checks).map((c) => [c.key, c]));
});

/** One check of the profile on the compliant node with `over` layered on (a running system: its proc/). */
async function checkOn(key: string, over: Parameters<typeof layer>[1], omit: readonly string[] = []) {
  const check = selected.get(key);
  if (!check) throw new Error(`no check ${key}`);
  const root = await fixtureRoot(layer(compliantDebianNode(), over, omit));
  const [r] = await runChecks([check], { host: new HostRoot({ root, proc: path.join(root, "proc") }), deep: true });
  if (!r) throw new Error(`no result for ${key}`);
  return r;
}

const TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const SSH = "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2000 1 0000000000000000 100 0 0 10 0";
/** A listener on 0.0.0.0:6000 whose line is cut short (a field missing): nothing allows port 6000. */
const CUT = "   1: 00000000:1770 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0";

describe("listening-ports: a socket table that does not show every socket", () => {
  it("the compliant node passes 2.1.22 (the baseline the cases below break)", async () => {
    expect((await checkOn("cis-debian-12/2.1.22", {})).status).toBe("pass");
    expect((await checkOn("cis-debian-12/1.1.2.1.2", {})).status).toBe("pass");
  });

  it("an emptied /proc/net/tcp (no header: not the kernel's table) is error, not zero listeners", async () => {
    const r = await checkOn("cis-debian-12/2.1.22", { "proc/net/tcp": "" });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine listeners: /proc/net/tcp has no header line: not the kernel's socket table (empty)");
  });

  it("a line not in the table's shape may be a listener: error naming the file and line", async () => {
    const r = await checkOn("cis-debian-12/2.1.22", { "proc/net/tcp": `${TCP_HEADER}\n${SSH}\n${CUT}\n` });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine listeners: /proc/net/tcp line 3 is not a socket line (expected at least 10 fields, got 8): a socket there is unseen");
  });

  it("the probe still lists what it parsed, with the gap as unknown", async () => {
    const root = await fixtureRoot({ "proc/net/tcp": `${TCP_HEADER}\n${SSH}\n${CUT}\nx\n`, "proc/net/udp": "" });
    const fact = await listeningPorts.collect(probeContext(root, { proc: `${root}/proc` }), listeningPorts.params.parse({}));
    expect(fact.value.listeners.map((l) => l.port)).toEqual([22]);
    expect(fact.unknown).toEqual({
      listeners: "/proc/net/tcp line 3 (and 1 more) is not a socket line (expected at least 10 fields, got 8): a socket there is unseen; /proc/net/udp has no header line: not the kernel's socket table (empty)",
      count: "/proc/net/tcp line 3 (and 1 more) is not a socket line (expected at least 10 fields, got 8): a socket there is unseen; /proc/net/udp has no header line: not the kernel's socket table (empty)",
    });
  });
});

describe("mounts: a mount table that does not show every mount", () => {
  const noTmp = mountinfo().split("\n").filter((l) => !l.includes(" /tmp ")).join("\n");

  it("an emptied /proc/1/mountinfo is error, never 'not a separate partition' (fail) or its options' skip", async () => {
    const part = await checkOn("cis-debian-12/1.1.2.1.1", { "proc/1/mountinfo": "" });
    expect(part.status).toBe("error");
    expect(part.message).toBe("cannot determine mounted: /proc/1/mountinfo lists no mount (empty): not the kernel's mount table");
    const nodev = await checkOn("cis-debian-12/1.1.2.1.2", { "proc/1/mountinfo": "" });
    expect(nodev.status).toBe("error");
    expect(nodev.message).toBe("cannot determine mounted: /proc/1/mountinfo lists no mount (empty): not the kernel's mount table");
  });

  it("a line not in mountinfo's shape may mount /tmp: its option checks are error, not a silent skip", async () => {
    const r = await checkOn("cis-debian-12/1.1.2.1.2", { "proc/1/mountinfo": `${noTmp}\n40 22 0:40 / /tmp rw,nosuid shared:20 -\n` });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine mounted: /proc/1/mountinfo line 9 is not in mountinfo's shape: a mount of /tmp there would be unseen");
  });

  it("an unparsed line after the path's own may mount over it; one before it may not", async () => {
    const root = await fixtureRoot({});
    const over = await fixtureRoot({ "1/mountinfo": `${mountinfo()}garbage\n` });
    const f = await mounts.collect(probeContext(root, { proc: over }), mounts.params.parse({ path: "/tmp" }));
    expect(f.unknown?.options).toBe("/proc/1/mountinfo line 9 is not in mountinfo's shape: a mount of /tmp there would be unseen");
    const before = await fixtureRoot({ "1/mountinfo": `garbage\n${mountinfo()}` });
    const g = await mounts.collect(probeContext(root, { proc: before }), mounts.params.parse({ path: "/tmp" }));
    expect(g.unknown).toBeUndefined();
    expect(g.value).toMatchObject({ mounted: true, options: expect.arrayContaining(["nodev", "nosuid", "noexec"]) });
  });
});

describe("accounts and groups: a line the C library reads as an entry but the parser does not", () => {
  // Each of these is a uid 0 account to glibc's nss_files (getent passwd toor: toor:x:0:0…):
  // strtoul takes leading blanks and a sign; 4 to 6 fields leave the rest empty; past 7 the
  // shell takes the rest of the line. Measured with getent on a bind-mounted /etc/passwd.
  const PASSWD = ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin", "etcd:x:998:998:etcd user:/var/lib/etcd:/usr/sbin/nologin", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", "alice:x:1000:1000:Alice:/home/alice:/bin/bash"];
  const withLine = (line: string) => ({ "etc/passwd": `${PASSWD.join("\n")}\n${line}\n` });

  it.each([
    ["toor:x:+0:0::/root:/bin/bash", "user \"toor\": uid/gid are not numbers"],
    ["toor:x: 0:0::/root:/bin/bash", "user \"toor\": uid/gid are not numbers"],
    ["toor:x:0:0:/root:/bin/bash", "expected 7 colon-separated fields, found 6"],
    ["toor:x:0:0", "expected 7 colon-separated fields, found 4"],
    ["toor:x:0:0::/root:/bin/bash:", "expected 7 colon-separated fields, found 8"],
    // A NUL ends the C string: glibc reads `toor:x:0:0`.
    ["toor:x:0:0\0:/root:/bin/bash", "expected 7 colon-separated fields, found 6"],
  ])("5.4.2.1 (root the only uid 0) with %j: error naming the line, not pass", async (line, why) => {
    const r = await checkOn("cis-debian-12/5.4.2.1", withLine(line));
    expect(r.status).toBe("error");
    expect(r.message).toBe(`cannot determine users: /etc/passwd line 6 is not in its shape (${why}) but the C library reads it as an account: what it holds is unseen`);
  });

  it("a line the C library rejects too (no numeric uid) is only evidence: 5.4.2.1 still passes", async () => {
    const r = await checkOn("cis-debian-12/5.4.2.1", withLine("toor:x:0x0:0::/root:/bin/bash"));
    expect(r.status).toBe("pass");
    expect(r.evidence).toContainEqual({ file: "/etc/passwd", line: 6, detail: "unparsed line: user \"toor\": uid/gid are not numbers" });
  });

  it("5.4.2.3 (root the only gid 0 group) with `wheel:x: 0:` in /etc/group: error, not pass", async () => {
    expect((await checkOn("cis-debian-12/5.4.2.3", {})).status).toBe("pass");
    const group = ["root:x:0:", "daemon:x:1:", "shadow:x:42:", "crontab:x:101:", "etcd:x:998:", "sshusers:x:1001:alice", "sugroup:x:1002:", "nogroup:x:65534:", "alice:x:1000:", "wheel:x: 0:"];
    const r = await checkOn("cis-debian-12/5.4.2.3", { "etc/group": `${group.join("\n")}\n` });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine gid0: /etc/group line 10 is not in its shape (empty name or non-numeric gid) but the C library reads it as a group: what it holds is unseen");
  });
});

describe("package (dpkg): a status database that does not show every package", () => {
  const stanza = (name: string, status = "install ok installed") => `Package: ${name}\nStatus: ${status}\nVersion: 1.0-1\nArchitecture: amd64\n`;
  const base = ["dpkg", "libpam-runtime", "sudo"].map((n) => stanza(n)).join("\n");

  it("the compliant node passes 2.2.4 (telnet not installed), the baseline", async () => {
    expect((await checkOn("cis-debian-12/2.2.4", {})).status).toBe("pass");
  });

  it.each([
    ["emptied", "", "it lists no package, not even dpkg: not dpkg's database"],
    ["cut short mid-line", `${base}\nPackage: telnet\nStat`, "it ends mid-line (line 17): cut short, what followed is unseen"],
    ["a stanza whose Package line is garbled", `${base}\nPackag telnet\nStatus: install ok installed\n`, "the stanza at line 17 has no Package field: it could be any package (dpkg refuses such a database)"],
    ["telnet's stanza without its Status", `${base}\n${stanza("telnet").replace("Status: ", "Status ")}`, "its stanza at line 16 has no Status field"],
  ])("2.2.4 with /var/lib/dpkg/status %s: error naming why, not pass", async (_what, status, why) => {
    const r = await checkOn("cis-debian-12/2.2.4", { "var/lib/dpkg/status": status }, ["var/lib/dpkg/status"]);
    expect(r.status).toBe("error");
    expect(r.message).toBe(`cannot determine installed: /var/lib/dpkg/status: ${why}`);
  });

  it("another package's odd stanza leaves telnet's answer alone", async () => {
    const r = await checkOn("cis-debian-12/2.2.4", { "var/lib/dpkg/status": `${base}\n${stanza("nano", "install ok")}` }, ["var/lib/dpkg/status"]);
    expect(r.status).toBe("pass");
  });
});

describe("package (rpm): an answer that does not show every package", () => {
  /** `rpm -qa` answering `stdout`, exit 0: a BerkeleyDB/ndb database only rpm reads. */
  const rpmSays = (stdout: string): CommandRunner => async (argv) => ({
    argv, exitCode: 0, stdout, stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1,
  });
  const ask = async (stdout: string) => {
    const root = await fixtureRoot({ "var/lib/rpm/Packages": "bdb" });
    const ctx = createProbeContext(new HostRoot({ root }), rpmSays(stdout), 5000);
    return packageProbe.collect(ctx, packageProbe.params.parse({ name: "telnet" }));
  };

  it("rpm -qa printing nothing (exit 0) is unknown, never 'telnet not installed'", async () => {
    const f = await ask("");
    expect(f.value.installed).toBeUndefined();
    expect(f.unknown?.installed).toMatch(/^rpm --root \/\S+ -qa --qf %\{NAME\}\t%\{VERSION\}-%\{RELEASE\}\n lists no package, not even rpm: not the rpm database's answer$/);
  });

  it("a line of rpm -qa that could not be read may be telnet: unknown naming the line", async () => {
    const f = await ask("rpm\t4.16.1.3-29.el9\ntelnet 0.17-85.el9\n");
    expect(f.unknown?.installed).toMatch(/: line 2 could not be read \(not "name<TAB>version": "telnet 0\.17-85\.el9"\): a package there is unseen$/);
    const ok = await ask("rpm\t4.16.1.3-29.el9\nbash\t5.1.8-9.el9\n");
    expect(ok.unknown).toBeUndefined();
    expect(ok.value).toMatchObject({ installed: false, state: "absent", manager: "rpm" });
  });
});

describe("systemd-unit: whether systemd runs the host", () => {
  it("PID 1 named `init` with no /run/systemd/system: no unit is active, 2.1.2 passes (the baseline)", async () => {
    expect((await checkOn("cis-debian-12/2.1.2", { "proc/1/comm": "init\n" })).status).toBe("pass");
  });

  it("an emptied /proc/1/comm is not a PID 1 that is not systemd: error, not pass", async () => {
    const r = await checkOn("cis-debian-12/2.1.2", { "proc/1/comm": "" });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine active: no /run/systemd/system, and /proc/1/comm is empty (the kernel always names PID 1): cannot confirm that systemd does not run this host");
  });
});

describe("sshd-config: a configuration sshd refuses", () => {
  it("5.1.20 (PermitRootLogin no) passes on the compliant node (the baseline)", async () => {
    expect((await checkOn("cis-debian-12/5.1.20", {})).status).toBe("pass");
  });

  it.each([
    ["an unterminated quote", 'Banner "/etc/issue.net', 'Banner: unterminated quote'],
    ["a keyword without its argument", "MaxStartups", 'no argument after keyword "MaxStartups"'],
  ])("with %s in a drop-in, sshd does not run these settings: error, not pass", async (_what, line, why) => {
    const r = await checkOn("cis-debian-12/5.1.20", { "etc/ssh/sshd_config.d/50-x.conf": `${line}\n` });
    expect(r.status).toBe("error");
    expect(r.message).toBe(`cannot determine value: sshd refuses this configuration (/etc/ssh/sshd_config.d/50-x.conf line 1: ${why}): the settings it runs with are not these files'`);
  });

  it("an Include naming a file that does not exist is not refused (sshd skips it)", async () => {
    const r = await checkOn("cis-debian-12/5.1.20", { "etc/ssh/sshd_config": `Include /etc/ssh/absent.conf\n${sshdConfig()}` });
    expect(r.status).toBe("pass");
  });
});

describe("kubelet: a --config file the kubelet refuses", () => {
  it("4.2.1 (anonymous auth off) passes on the compliant node (the baseline)", async () => {
    expect((await checkOn("cis-kubernetes-node/4.2.1", {})).status).toBe("pass");
  });

  // The kubelet decodes --config with a UniversalDecoder, which needs apiVersion and kind.
  it.each([
    ["an emptied", "", "no setting at all, no apiVersion and kind"],
    ["a comment-only", "# managed by config management\n\n", "no setting at all, no apiVersion and kind"],
    ["a bare document marker", "---\n", "no setting at all, no apiVersion and kind"],
    ["an empty mapping", "{}\n", "no setting at all, no apiVersion and kind"],
    ["a null", "null\n", "no setting at all, no apiVersion and kind"],
    ["a kind-less", "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n", "no kind (KubeletConfiguration expected)"],
    ["another kind's", "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n", "kind KubeProxyConfiguration, not KubeletConfiguration"],
    ["an apiVersion-less", "kind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n", "no apiVersion"],
  ])("%s --config is not the kubelet's defaults (it refuses the file): error, not pass", async (_what, text, why) => {
    const r = await checkOn("cis-kubernetes-node/4.2.1", { "var/lib/kubelet/config.yaml": text });
    expect(r.status).toBe("error");
    expect(r.message).toContain(`/var/lib/kubelet/config.yaml: ${why}, which the kubelet refuses to start with: the settings it runs with are unseen`);
  });
});

describe("accounts: UID_MIN as the programs that create accounts read it", () => {
  // shadow-utils' getdef (useradd) keeps the last UID_MIN, matched case-sensitively: with
  // 1000 then 500, svc (uid 600) is a user, whose home must be its own (KISA U-57).
  const PASSWD = ["root:x:0:0:root:/root:/bin/bash", "svc:x:600:600:svc:/home/svc:/bin/bash"];
  const spec = (defs: string) => ({
    "etc/login.defs": defs,
    "etc/passwd": `${PASSWD.join("\n")}\n`,
    "home/svc": { dir: true as const, mode: 0o755, uid: 0, gid: 0 },
  });

  it("UID_MIN 1000 then 500: svc is a user, and its home owned by root fails U-57 (the first value left it unjudged: pass)", async () => {
    const r = await checkOn("kisa-unix/U-57", spec("UID_MIN 1000\nPASS_MAX_DAYS 90\nUID_MIN 500\n"));
    expect(r.status).toBe("fail");
    expect(r.evidence).toContainEqual(expect.objectContaining({ file: "/etc/login.defs", line: 3, key: "UID_MIN" }));
  });

  it("a lower-case uid_min is not UID_MIN to getdef: svc stays a system account, U-57 passes", async () => {
    expect((await checkOn("kisa-unix/U-57", spec("UID_MIN 1000\nuid_min 500\n"))).status).toBe("pass");
  });
});

describe("kube-proxy: a --config file it refuses", () => {
  const CONFIG = "proc/4242/root/var/lib/kube-proxy/config.conf";

  it("4.3.1 (metrics bound to localhost) passes on the compliant node (the baseline)", async () => {
    expect((await checkOn("cis-kubernetes-node/4.3.1", {})).status).toBe("pass");
  });

  it.each([
    ["an emptied", "# kube-proxy\n", "no setting at all, no apiVersion and kind"],
    ["a bare document marker", "---\n", "no setting at all, no apiVersion and kind"],
    ["an empty mapping", "{}\n", "no setting at all, no apiVersion and kind"],
    ["a kind-less", "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nmetricsBindAddress: 127.0.0.1:10249\n", "no kind (KubeProxyConfiguration expected)"],
  ])("%s --config is not kube-proxy's defaults (its decoder needs apiVersion and kind): error, not pass", async (_what, text, why) => {
    const r = await checkOn("cis-kubernetes-node/4.3.1", { [CONFIG]: text });
    expect(r.status).toBe("error");
    expect(r.message).toContain(`--config /proc/4242/root/var/lib/kube-proxy/config.conf: ${why}, which kube-proxy refuses to decode: the settings it runs with are unseen`);
  });
});

describe("file (space format): a login.defs key set twice with different values", () => {
  const DEFS = "MAIL_DIR /var/mail\nUMASK 027\nPASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUID_MIN 1000\nUID_MAX 60000\nENCRYPT_METHOD YESCRYPT\n";

  it("5.4.3.3-login.defs passes on the compliant node, and with UMASK repeated at the same value", async () => {
    expect((await checkOn("cis-debian-12/5.4.3.3-login.defs", {})).status).toBe("pass");
    expect((await checkOn("cis-debian-12/5.4.3.3-login.defs", { "etc/login.defs": `${DEFS}UMASK 027\n` })).status).toBe("pass");
  });

  it("UMASK 027 then UMASK 022 (useradd's getdef takes the last, pam_umask the first): error, not pass", async () => {
    const r = await checkOn("cis-debian-12/5.4.3.3-login.defs", { "etc/login.defs": `${DEFS}UMASK 022\n` });
    expect(r.status).toBe("error");
    expect(r.message).toBe("cannot determine value: /etc/login.defs: UMASK is set 2 times with different values (line 2: 027, line 9: 022): programs reading this file do not agree on which counts (login.defs: shadow-utils takes the last, PAM the first)");
  });
});

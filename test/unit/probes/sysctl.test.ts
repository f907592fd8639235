import { afterAll, describe, expect, it } from "vitest";
import { orderSysctlFiles, parseSysctlConf, persistedFor, sysctlKeyToPath } from "../../../src/probes/parse/sysctl.js";
import sysctlProbe from "../../../src/probes/sysctl.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(sysctlProbe, {
  params: [{ key: "net.ipv4.ip_forward" }],
  mayOmit: {
    persisted: "no sysctl.d file sets the key",
    persistedFile: "no sysctl.d file sets the key",
    persistedLine: "no sysctl.d file sets the key",
  },
  // The running value exists only on a running system.
  offline: { notApplicable: ["runtime", "value"] },
});

afterAll(cleanupFixtures);

async function collect(ctx: ProbeContext, key: string) {
  return sysctlProbe.collect(ctx, sysctlProbe.params.parse({ key }));
}

const PROC = {
  "sys/net/ipv4/conf/all/accept_redirects": "0\n",
  "sys/net/ipv4/tcp_rmem": "4096\t131072\t6291456\n",
  "sys/net/ipv4/conf/eth0.100/rp_filter": "2\n",
  "sys/kernel/randomize_va_space": "2\n",
};

describe("sysctl probe: runtime", () => {
  it("reads the runtime value from the proc dir, multi-values normalised", async () => {
    const root = await fixtureRoot({ "etc/hostname": "n\n" });
    const proc = await fixtureRoot(PROC);
    const ctx = probeContext(root, { proc });
    expect(await collect(ctx, "net.ipv4.tcp_rmem")).toEqual({
      value: { key: "net.ipv4.tcp_rmem", runtime: "4096 131072 6291456", value: "4096 131072 6291456" },
      evidence: [{ file: "/proc/sys/net/ipv4/tcp_rmem", key: "net.ipv4.tcp_rmem" }],
    });
    // Slash form; a dot inside a component (VLAN interface) survives.
    expect((await collect(ctx, "net/ipv4/conf/eth0.100/rp_filter")).value).toEqual({
      key: "net.ipv4.conf.eth0/100.rp_filter", runtime: "2", value: "2",
    });
  });

  it("a key missing from a readable /proc/sys does not apply here (not guessed, not hidden)", async () => {
    const root = await fixtureRoot({ "etc/hostname": "n\n" });
    const proc = await fixtureRoot(PROC);
    const reason = "no /proc/sys/net/ipv4/conf/all/nope on this host (key not in this kernel)";
    expect(await collect(probeContext(root, { proc }), "net.ipv4.conf.all.nope")).toEqual({
      value: { key: "net.ipv4.conf.all.nope" },
      evidence: [],
      notApplicable: { runtime: reason, value: `${reason}, and no persisted setting` },
    });
  });

  it("a directory is not a key", async () => {
    const root = await fixtureRoot({ "etc/hostname": "n\n" });
    const proc = await fixtureRoot(PROC);
    const f = await collect(probeContext(root, { proc }), "net.ipv4");
    expect(f.unknown?.runtime).toMatch(/^cannot read \/proc\/sys\/net\/ipv4: .*directory/);
  });
});

describe("sysctl probe: persisted", () => {
  const files = {
    "usr/lib/sysctl.d/50-default.conf": "net.ipv4.conf.all.accept_redirects = 1\nkernel.randomize_va_space = 1\nnet.ipv4.conf.*.rp_filter = 1\n",
    // Same basename as the vendor file: /etc wins, the /usr/lib copy is never read.
    "etc/sysctl.d/50-default.conf": "# local override\nkernel.randomize_va_space=2\n",
    "run/sysctl.d/60-run.conf": "net.ipv4.conf.all.accept_redirects = 0\n",
    "lib/sysctl.d/70-lib.conf": "-net/ipv4/conf/all/accept_redirects=5\n",
    "usr/local/lib/sysctl.d/10-early.conf": "net.ipv4.conf.all.accept_redirects = 9\n",
    "etc/sysctl.d/README": "net.ipv4.conf.all.accept_redirects = 7\n",
    "etc/sysctl.conf": "; sysctl.conf\nkernel.randomize_va_space = 0\n",
  };

  it("applies systemd precedence, basename order, and /etc/sysctl.conf last", async () => {
    const root = await fixtureRoot(files);
    const proc = await fixtureRoot(PROC);
    const ctx = probeContext(root, { proc });
    // 10-early (9) < 50-default (etc copy, no key) < 60-run (0) < 70-lib (5): 70-lib is last.
    expect(await collect(ctx, "net.ipv4.conf.all.accept_redirects")).toEqual({
      value: {
        key: "net.ipv4.conf.all.accept_redirects", runtime: "0", value: "0",
        persisted: "5", persistedFile: "/lib/sysctl.d/70-lib.conf", persistedLine: 1,
      },
      evidence: [
        { file: "/proc/sys/net/ipv4/conf/all/accept_redirects", key: "net.ipv4.conf.all.accept_redirects" },
        { file: "/lib/sysctl.d/70-lib.conf", line: 1, key: "net.ipv4.conf.all.accept_redirects" },
      ],
    });
    // /etc/sysctl.conf is applied after every sysctl.d file.
    expect((await collect(ctx, "kernel.randomize_va_space")).value).toMatchObject({
      persisted: "0", persistedFile: "/etc/sysctl.conf", persistedLine: 2, runtime: "2", value: "2",
    });
  });

  it("matches glob keys, explicit keys beat globs, -key excludes from globs", async () => {
    const root = await fixtureRoot({
      "usr/lib/sysctl.d/50-rp.conf": "net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n",
      "etc/sysctl.d/90-glob.conf": "net.ipv4.conf.e*.rp_filter = 3\n",
      "etc/sysctl.d/99-late.conf": "net.ipv4.conf.*.rp_filter = 4\n",
      "etc/sysctl.d/40-explicit.conf": "net.ipv4.conf.lo.rp_filter = 0\n",
    });
    const proc = await fixtureRoot(PROC);
    const ctx = probeContext(root, { proc });
    expect((await collect(ctx, "net.ipv4.conf.eth1.rp_filter")).value).toMatchObject({
      persisted: "4", persistedFile: "/etc/sysctl.d/99-late.conf", persistedLine: 1,
    });
    // Explicit assignment in an earlier file beats a later glob.
    expect((await collect(ctx, "net.ipv4.conf.lo.rp_filter")).value).toMatchObject({ persisted: "0", persistedFile: "/etc/sysctl.d/40-explicit.conf" });
    expect((await collect(ctx, "net.ipv4.conf.default.rp_filter")).value).toMatchObject({ persisted: "2", persistedLine: 1 });
    // Excluded from globs, and no explicit value: not persisted.
    const all = await collect(ctx, "net.ipv4.conf.all.rp_filter");
    expect(all.value).toEqual({ key: "net.ipv4.conf.all.rp_filter" });
    expect(all.unknown).toBeUndefined();
    expect(all.notApplicable).toEqual({
      runtime: "no /proc/sys/net/ipv4/conf/all/rp_filter on this host (key not in this kernel)",
      value: "no /proc/sys/net/ipv4/conf/all/rp_filter on this host (key not in this kernel), and no persisted setting",
    });
  });

  it("a sysctl.d file linked to /dev/null masks the vendor file", async () => {
    const root = await fixtureRoot({
      "usr/lib/sysctl.d/50-default.conf": "kernel.randomize_va_space = 1\n",
      "etc/sysctl.d/50-default.conf": { symlink: "/dev/null" },
    });
    const proc = await fixtureRoot(PROC);
    expect((await collect(probeContext(root, { proc }), "kernel.randomize_va_space")).value).toEqual({
      key: "kernel.randomize_va_space", runtime: "2", value: "2",
    });
  });

  it("skips a directory named *.conf; a file it cannot read makes persisted unknown", async () => {
    const proc = await fixtureRoot(PROC);
    const ok = await fixtureRoot({ "etc/sysctl.d/dir.conf": { dir: true }, "etc/sysctl.conf": "kernel.randomize_va_space = 2\n" });
    expect((await collect(probeContext(ok, { proc }), "kernel.randomize_va_space")).unknown).toBeUndefined();
    const bad = await fixtureRoot({
      "etc/sysctl.d/80-escape.conf": { symlink: "../../../../../../../../etc/sysctl.conf" },
      "etc/sysctl.conf": "kernel.randomize_va_space = 2\n",
    });
    const f = await collect(probeContext(bad, { proc }), "kernel.randomize_va_space");
    expect(f.value).toEqual({ key: "kernel.randomize_va_space", runtime: "2", value: "2" });
    expect(f.unknown?.persisted).toMatch(/^cannot read sysctl configuration: \/etc\/sysctl\.d\/80-escape\.conf: .*outside the root/);
    expect(f.unknown?.persistedFile).toBe(f.unknown?.persisted);
  });

  it("uses the persisted value when the kernel has no running value", async () => {
    const root = await fixtureRoot({ "etc/sysctl.conf": "fs.suid_dumpable=0\n" });
    const proc = await fixtureRoot(PROC);
    const f = await collect(probeContext(root, { proc }), "fs.suid_dumpable");
    expect(f.value).toEqual({ key: "fs.suid_dumpable", persisted: "0", persistedFile: "/etc/sysctl.conf", persistedLine: 1, value: "0" });
    expect(f.unknown).toBeUndefined();
    expect(f.notApplicable).toEqual({ runtime: "no /proc/sys/fs/suid_dumpable on this host (key not in this kernel)" });
  });

  it("reads the configuration once per scan", async () => {
    const root = await fixtureRoot(files);
    const proc = await fixtureRoot(PROC);
    const ctx = probeContext(root, { proc });
    const keys: string[] = [];
    const counting: ProbeContext = { ...ctx, once: (k, load) => (keys.push(k), ctx.once(k, load)) };
    await collect(counting, "kernel.randomize_va_space");
    await collect(counting, "net.ipv4.tcp_rmem");
    expect(keys).toEqual(["sysctl-persisted", "sysctl-persisted"]);
  });

  it("rejects odd keys at load", () => {
    for (const key of ["", "net..ipv4", "net.ipv4.*.x", "a b", "../etc/passwd", "net/../../x"]) {
      expect(sysctlProbe.params.safeParse({ key }).success, key).toBe(false);
    }
    expect(sysctlProbe.params.safeParse({ key: "net.ipv4.ip_forward", extra: 1 }).success).toBe(false);
  });
});

describe("sysctl probe: this machine", () => {
  it("reads the live /proc/sys", async () => {
    const f = await collect(probeContext("/"), "kernel.ostype");
    expect(f.value).toMatchObject({ key: "kernel.ostype", runtime: "Linux", value: "Linux" });
    expect(f.evidence[0]).toEqual({ file: "/proc/sys/kernel/ostype", key: "kernel.ostype" });
  });
});

describe("sysctl parsers", () => {
  it("parseSysctlConf", () => {
    const text = "# c\n; c\n  net.ipv4.ip_forward=1\n-kernel/yama/ptrace_scope = 2 \nbogus line\n= 3\nnet.core.rmem = 1\t 2\n-net.ipv4.conf.all.rp_filter\n";
    expect(parseSysctlConf(text, "/etc/sysctl.d/x.conf")).toEqual({
      entries: [
        { key: "net.ipv4.ip_forward", value: "1", line: 3, file: "/etc/sysctl.d/x.conf" },
        { key: "kernel.yama.ptrace_scope", value: "2", line: 4, file: "/etc/sysctl.d/x.conf", ignoreErrors: true },
        { key: "net.core.rmem", value: "1 2", line: 7, file: "/etc/sysctl.d/x.conf" },
        { key: "net.ipv4.conf.all.rp_filter", value: "", line: 8, file: "/etc/sysctl.d/x.conf", exclude: true },
      ],
      problems: [
        { line: 5, message: "not an assignment: (a line of 10 characters, not quoted: an unparsed line may hold a secret)" },
        { line: 6, message: "empty key" },
      ],
    });
  });

  it("orderSysctlFiles: earlier directory wins a basename, then basename order", () => {
    expect(
      orderSysctlFiles([
        { dir: "/etc/sysctl.d", names: ["99-z.conf", "10-a.conf", "README"] },
        { dir: "/run/sysctl.d", names: ["10-a.conf", "50-m.conf"] },
        { dir: "/usr/lib/sysctl.d", names: ["50-m.conf", "05-first.conf", "Z.conf"] },
      ]),
    ).toEqual(["/usr/lib/sysctl.d/05-first.conf", "/etc/sysctl.d/10-a.conf", "/run/sysctl.d/50-m.conf", "/etc/sysctl.d/99-z.conf", "/usr/lib/sysctl.d/Z.conf"]);
  });

  it("key forms follow sysctl.d(5)", () => {
    expect(sysctlKeyToPath("net.ipv4.conf.enp3s0/200.forwarding")).toBe("net/ipv4/conf/enp3s0.200/forwarding");
    expect(sysctlKeyToPath("net/ipv4/conf/enp3s0.200/forwarding")).toBe("net/ipv4/conf/enp3s0.200/forwarding");
    const e = parseSysctlConf("net.ipv4.conf.enp3s0/200.forwarding = 1\n", "f").entries;
    expect(persistedFor(e, "net/ipv4/conf/enp3s0.200/forwarding")?.value).toBe("1");
  });
});

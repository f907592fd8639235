import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { realpathSync } from "node:fs";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import probe, { type Listener } from "../../../src/probes/listening-ports.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { decodeIPv4Hex, decodeIPv6Hex, isListening, parseProcNet } from "../../../src/probes/parse/proc-net.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(probe, {
  params: [{}, { protocols: ["tcp"] }],
  // Sockets exist only on a running system.
  offline: { inapplicable: true },
});

afterAll(cleanupFixtures);

const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ";
const TCP6_HEADER =
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const UDP_HEADER =
  "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ";

const TCP = [
  TCP_HEADER,
  "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 000000004caa4e6a 100 0 0 10 0                      ",
  "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6666 1 0000000000000000 100 0 0 10 0",
  // An established connection: not listening.
  "   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 7777 1 0000000000000000 20 4 30 10 -1",
  "",
].join("\n");

const TCP6 = [
  TCP6_HEADER,
  "   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 23456 1 0000000000000000 100 0 0 10 0",
  "   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23457 1 0000000000000000 100 0 0 10 0",
  "   2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23458 1 0000000000000000 100 0 0 10 0",
  "   3: 000080FE00000000FF5A210256A4B1FE:0222 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23459 1 0000000000000000 100 0 0 10 0",
  "",
].join("\n");

const UDP = [
  UDP_HEADER,
  "  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 17822 2 0000000000000000 0         ",
  // A connected UDP socket (remote port set): not listening.
  "  124: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 17823 2 0000000000000000 0",
  "",
].join("\n");

describe("parseProcNet", () => {
  it("decodes little-endian IPv4 and big-endian ports", () => {
    const { sockets, problems } = parseProcNet(TCP, "tcp");
    expect(problems).toEqual([]);
    expect(sockets).toHaveLength(3);
    expect(sockets[0]).toEqual({
      localAddress: "127.0.0.1", localPort: 8080, remAddress: "0.0.0.0", remPort: 0,
      state: "0A", inode: 5555, uid: 0, line: 2,
    });
    expect(sockets[2]).toMatchObject({ remAddress: "127.0.0.1", remPort: 50000, state: "01", uid: 1000 });
    expect(sockets.filter((s) => isListening(s, "tcp")).map((s) => s.localPort)).toEqual([8080, 22]);
  });

  it("decodes IPv6 as four little-endian words, compressed, v4-mapped as ::ffff:a.b.c.d", () => {
    const { sockets, problems } = parseProcNet(TCP6, "tcp6");
    expect(problems).toEqual([]);
    expect(sockets.map((s) => `${s.localAddress} ${s.localPort}`)).toEqual([
      "::1 8081",
      "::ffff:127.0.0.1 80",
      ":: 22",
      "fe80::221:5aff:feb1:a456 546",
    ]);
    expect(sockets[0]?.uid).toBe(1000);
  });

  it("counts unconnected UDP sockets as listening", () => {
    const { sockets } = parseProcNet(UDP, "udp");
    expect(sockets.map((s) => [s.localAddress, s.localPort, isListening(s, "udp")])).toEqual([
      ["127.0.0.53", 53, true],
      ["127.0.0.1", 40960, false],
    ]);
  });

  it("records odd lines as problems and keeps the good ones", () => {
    const text = [
      TCP_HEADER,
      "garbage",
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1",
      "   1: 0100007:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1", // 7-digit addr
      "   2: 0100007F1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1", // no colon
      "   3: 0100007F:1F90 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000     0        0 5 1", // bad state
      "   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     x        0 5 1", // bad uid
      "   5: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1", // short port
      "   6: 00000000000000000000000001000000:1F90 00000000:0000 0A 0 0 0 0 0 5 1", // v6 addr in a v4 table
      "\r",
    ].join("\n");
    const { sockets, problems } = parseProcNet(text, "tcp");
    expect(sockets).toHaveLength(1);
    expect(problems.map((p) => p.line)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    for (const p of problems) expect(p.message).toMatch(/\w/);
  });

  it("decoders reject malformed hex", () => {
    expect(decodeIPv4Hex("0100007G")).toBeNull();
    expect(decodeIPv6Hex("00")).toBeNull();
    expect(decodeIPv6Hex("00000000000000000000000000000000")).toBe("::");
    expect(decodeIPv6Hex("B80D0120000000000000000001000000")).toBe("2001:db8::1");
    expect(decodeIPv6Hex("0000000000000000FFFF000000000000")).toBe("::ffff:0.0.0.0");
  });
});

describe("listening-ports on a fixture proc tree", () => {
  async function fixture(extra: Record<string, string | { symlink: string }> = {}): Promise<string> {
    return fixtureRoot({
      "proc/net/tcp": TCP,
      "proc/net/udp": UDP,
      "proc/1234/fd/3": { symlink: "socket:[5555]" },
      "proc/1234/fd/4": { symlink: "/dev/null" },
      "proc/1234/fd/5": { symlink: "pipe:[42]" },
      "proc/1234/comm": "web\n",
      "proc/1234/exe": { symlink: "/usr/sbin/web" },
      "proc/1234/cmdline": "/usr/sbin/web\x00--port\x008080\x00",
      // Shared after fork: the parent (lower pid) is reported, every holder in pids.
      "proc/2000/fd/7": { symlink: "socket:[17822]" },
      "proc/2000/comm": "resolver\n",
      "proc/1999/fd/7": { symlink: "socket:[17822]" },
      "proc/1999/comm": "resolver-master\n",
      // A kernel-thread-like process: no exe, empty cmdline.
      "proc/2/comm": "kthreadd\n",
      "proc/2/cmdline": "",
      "proc/2/fd/0": { symlink: "socket:[6666]" },
      // Not a process directory.
      "proc/sys/net/ipv4/ip_forward": "0\n",
      ...extra,
    });
  }

  it("maps sockets to processes through fd links and notes missing tables", async () => {
    const root = await fixture();
    const ctx = probeContext(root, { proc: `${root}/proc` });
    const fact = await probe.collect(ctx, probe.params.parse({}));
    expect(fact.unknown).toBeUndefined();
    expect(fact.value.count).toBe(3);
    expect(fact.value.listeners).toEqual<Listener[]>([
      { protocol: "tcp", family: 4, address: "0.0.0.0", port: 22, inode: 6666, pid: 2, process: "kthreadd" },
      {
        protocol: "tcp", family: 4, address: "127.0.0.1", port: 8080, inode: 5555, pid: 1234,
        process: "web", exe: "/usr/sbin/web", cmdline: "/usr/sbin/web --port 8080",
      },
      {
        protocol: "udp", family: 4, address: "127.0.0.53", port: 53, inode: 17822, pid: 1999, pids: [1999, 2000],
        process: "resolver-master",
      },
    ]);
    expect(fact.evidence).toContainEqual({
      protocol: "tcp", address: "127.0.0.1", port: 8080, pid: 1234, process: "web", exe: "/usr/sbin/web",
    });
    // tcp6 and udp6 tables are missing in the fixture: noted, not an error.
    expect(fact.evidence.filter((e) => e.detail?.includes("does not exist")).map((e) => e.file)).toEqual([
      "/proc/net/tcp6",
      "/proc/net/udp6",
    ]);
  });

  it("prefers PID 1's namespace (1/net) when scanning a mounted root", async () => {
    const other = TCP.replace("0100007F:1F90 00000000:0000 0A", "0100007F:2328 00000000:0000 0A");
    const root = await fixture({ "proc/1/net/tcp": other });
    const ctx = probeContext(root, { proc: `${root}/proc` });
    const fact = await probe.collect(ctx, probe.params.parse({ protocols: ["tcp"] }));
    expect(fact.value.listeners.map((l) => l.port)).toEqual([22, 9000]);
    expect(fact.evidence.some((e) => e.file === "/proc/1/net/tcp6")).toBe(true);
  });

  it("filters by protocol and dedupes identical listeners", async () => {
    const dup = TCP + "   9: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0 100 0 0 10 0\n";
    const root = await fixture({ "proc/net/tcp": dup });
    const ctx = probeContext(root, { proc: `${root}/proc` });
    const fact = await probe.collect(ctx, probe.params.parse({ protocols: ["tcp"] }));
    expect(fact.value.listeners.map((l) => `${l.protocol} ${l.port} ${l.pid}`)).toEqual(["tcp 22 2", "tcp 8080 1234"]);
  });

  it("reports parse problems as evidence and an unknown fact when no table exists", async () => {
    const root = await fixture({ "proc/net/tcp": TCP + "junk line\n" });
    const ctx = probeContext(root, { proc: `${root}/proc` });
    const fact = await probe.collect(ctx, probe.params.parse({ protocols: ["tcp"] }));
    expect(fact.evidence).toContainEqual({ file: "/proc/net/tcp", line: 5, detail: expect.stringMatching(/unparsed/) });

    const empty = await fixtureRoot({ "proc/1234/comm": "x\n" });
    const f2 = await probe.collect(probeContext(empty, { proc: `${empty}/proc` }), probe.params.parse({}));
    expect(f2.unknown?.["listeners"]).toMatch(/no socket table could be read/);
    expect(f2.value.count).toBe(0);
  });

  it("on an offline root with an empty /proc the fact is inapplicable (skip), not unknown", async () => {
    const root = await fixtureRoot({ "proc": { dir: true }, "etc/hostname": "img\n" });
    const fact = await probe.collect(probeContext(root), probe.params.parse({}));
    expect(fact.unknown).toBeUndefined();
    expect(fact.inapplicable).toBe(
      `listening sockets exist only on a running system; ${root} has no procfs at ${root}/proc (pass --proc to scan one)`,
    );
  });

  it("rejects unknown params", () => {
    expect(() => probe.params.parse({ protocol: "tcp" })).toThrow();
    expect(() => probe.params.parse({ protocols: ["sctp"] })).toThrow();
  });
});

describe("listening-ports on this machine", () => {
  const closers: Array<() => void> = [];
  afterAll(() => {
    for (const c of closers) c();
  });

  function listenTcp(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port));
      closers.push(() => s.close());
    });
  }

  function bindUdp(): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      s.once("error", reject);
      s.bind(0, "127.0.0.1", () => resolve(s.address().port));
      closers.push(() => s.close());
    });
  }

  function spawnListener(): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(
      process.execPath,
      ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    closers.push(() => child.kill("SIGKILL"));
    return new Promise((resolve, reject) => {
      let out = "";
      child.once("error", reject);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve({ child, port: Number(out.trim()) });
      });
    });
  }

  it("finds this process's TCP v4/v6 and UDP sockets, and a child's, with pid and exe", async () => {
    const [p4, p6, pu, { child, port: pc }] = await Promise.all([
      listenTcp("127.0.0.1"),
      listenTcp("::1"),
      bindUdp(),
      spawnListener(),
    ]);
    const exe = realpathSync(process.execPath);
    const fact = await probe.collect(probeContext("/"), probe.params.parse({}));
    const find = (protocol: string, family: number, port: number): Listener | undefined =>
      fact.value.listeners.find((l) => l.protocol === protocol && l.family === family && l.port === port);

    expect(find("tcp", 4, p4)).toMatchObject({ address: "127.0.0.1", pid: process.pid, exe });
    expect(find("tcp", 6, p6)).toMatchObject({ address: "::1", pid: process.pid, exe });
    expect(find("udp", 4, pu)).toMatchObject({ address: "127.0.0.1", pid: process.pid, exe });
    const c = find("tcp", 4, pc);
    expect(c).toMatchObject({ address: "127.0.0.1", pid: child.pid, exe, process: "node" });
    expect(c?.cmdline).toContain("createServer");
    expect(fact.evidence).toContainEqual(
      expect.objectContaining({ protocol: "tcp", address: "127.0.0.1", port: p4, pid: process.pid, exe }),
    );
    expect(fact.value.count).toBe(fact.value.listeners.length);
  });
});

/**
 * Units' running state asked of the scanned system's systemd over D-Bus (systemd-manager.ts,
 * host/dbus.ts). The wire format is checked byte by byte against the D-Bus specification;
 * the whole path (live procfs at --proc, /run/systemd/system, the private socket under the
 * root) against a small peer written here that answers like systemd. The real systemd is in
 * test/integration/parity.test.ts, where every answer is compared with `systemctl is-active`.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { decodeMessages, encodeCall, replyValue, systemdUnitPath } from "../../../src/host/dbus.js";
import { unitActiveState } from "../../../src/probes/systemd-manager.js";
import probe from "../../../src/probes/systemd-unit.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("D-Bus wire format", () => {
  it("encodes Properties.Get as the specification lays it out", () => {
    const b = encodeCall(
      { path: "/org/freedesktop/systemd1/unit/ssh_2eservice", interface: "org.freedesktop.DBus.Properties", member: "Get", args: ["org.freedesktop.systemd1.Unit", "ActiveState"] },
      7,
    );
    expect(b.subarray(0, 4)).toEqual(Buffer.from([0x6c, 1, 0, 1])); // little endian, METHOD_CALL, no flags, version 1
    const bodyLen = b.readUInt32LE(4);
    expect(b.readUInt32LE(8)).toBe(7);
    const fieldsLen = b.readUInt32LE(12);
    const bodyStart = 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8);
    expect(b.length).toBe(bodyStart + bodyLen);
    // First header field: code 1 (PATH), signature "o", then the uint32-length string at offset 20.
    expect([...b.subarray(16, 20)]).toEqual([1, 1, 0x6f, 0]);
    expect(b.readUInt32LE(20)).toBe("/org/freedesktop/systemd1/unit/ssh_2eservice".length);
    // Body "ss": two strings, the second 4-aligned after the first's NUL.
    expect(b.readUInt32LE(bodyStart)).toBe("org.freedesktop.systemd1.Unit".length);
    expect(b.toString("utf8", bodyStart + 4, bodyStart + 4 + 29)).toBe("org.freedesktop.systemd1.Unit");
    const second = bodyStart + 4 + 29 + 1 + 2; // 34 → aligned to 36
    expect(b.readUInt32LE(second)).toBe(11);
    expect(b.toString("utf8", second + 4, second + 15)).toBe("ActiveState");
    // The signature field says "ss".
    expect(b.includes(Buffer.from([8, 1, 0x67, 0, 2, 0x73, 0x73, 0]))).toBe(true);
  });

  it("decodes a reply holding a variant string, split across reads, and a big-endian one", () => {
    const reply = methodReturn(7, "active");
    const whole = Buffer.concat([reply, reply.subarray(0, 10)]);
    const { messages, used } = decodeMessages(whole);
    expect(used).toBe(reply.length);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.replySerial).toBe(7);
    expect(replyValue(messages[0] as (typeof messages)[number])).toBe("active");
    const be = methodReturn(9, "failed", false);
    expect(replyValue(decodeMessages(be).messages[0] as (typeof messages)[number])).toBe("failed");
  });

  it("names unit objects as sd-bus does", () => {
    expect(systemdUnitPath("ssh.service")).toBe("/org/freedesktop/systemd1/unit/ssh_2eservice");
    expect(systemdUnitPath("getty@tty1.service")).toBe("/org/freedesktop/systemd1/unit/getty_40tty1_2eservice");
    expect(systemdUnitPath("systemd-journald.socket")).toBe("/org/freedesktop/systemd1/unit/systemd_2djournald_2esocket");
    expect(systemdUnitPath("0x.service")).toBe("/org/freedesktop/systemd1/unit/_30x_2eservice");
  });
});

/** A METHOD_RETURN whose body is a variant holding a string, encoded by hand. */
function methodReturn(replySerial: number, value: string, little = true): Buffer {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (little) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  // Header fields: REPLY_SERIAL (5) "u", pad to 8, SIGNATURE (8) "g" "v".
  const fields = Buffer.concat([Buffer.from([5, 1, 0x75, 0]), u32(replySerial), Buffer.from([8, 1, 0x67, 0, 1, 0x76, 0])]);
  const headerLen = 16 + fields.length;
  const pad = Buffer.alloc((8 - (headerLen % 8)) % 8);
  const str = Buffer.from(value, "utf8");
  const body = Buffer.concat([Buffer.from([1, 0x73, 0, 0]), u32(str.length), str, Buffer.from([0])]);
  return Buffer.concat([Buffer.from([little ? 0x6c : 0x42, 2, 1, 1]), u32(body.length), u32(1000 + replySerial), u32(fields.length), fields, pad, body]);
}

/** A peer on a Unix socket that authenticates like systemd and answers ActiveState from a table. */
function fakeSystemd(socketPath: string, states: Record<string, string>): Promise<{ server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((sock: Socket) => {
    let authed = false;
    let buf = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!authed) {
        const text = buf.toString("latin1");
        if (!text.includes("BEGIN\r\n")) {
          if (text.includes("AUTH EXTERNAL ") && text.endsWith("\r\n") && !text.includes("OK")) sock.write("OK 0123456789abcdef0123456789abcdef\r\n");
          return;
        }
        authed = true;
        buf = buf.subarray(text.indexOf("BEGIN\r\n") + 7);
      }
      const { messages, used } = decodeMessages(buf);
      buf = buf.subarray(used);
      for (const m of messages) {
        const objectPath = /\/org\/freedesktop\/systemd1\/unit\/[A-Za-z0-9_]+/.exec(m.raw.toString("latin1"))?.[0] ?? "";
        asked.push(objectPath);
        sock.write(methodReturn(m.serial, states[objectPath] ?? "inactive"));
      }
    });
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve({ server, asked })));
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const isRoot = process.getuid?.() === 0;

describe("unitActiveState", () => {
  it("an offline root: nothing runs there", async () => {
    const root = await fixtureRoot({ "run/systemd/system": { dir: true } });
    expect(await unitActiveState(probeContext(root), "ssh.service")).toEqual({
      notApplicable: `not the live host (--root ${root}): nothing runs in an offline root`,
    });
  });

  it.skipIf(existsSync("/run/systemd/system"))("this host, whose PID 1 is not systemd: no unit is active", async () => {
    const init = readFileSync("/proc/1/comm", "utf8").trim();
    const fact = await probe.collect(probeContext("/"), probe.params.parse({ unit: "ssh.service" }));
    expect(fact.value.active).toBe("inactive");
    expect(fact.unknown).toBeUndefined();
    expect(fact.evidence).toContainEqual({
      unit: "ssh.service",
      file: "/proc/1/comm",
      detail: `systemd does not run this host (PID 1 is ${JSON.stringify(init)}, no /run/systemd/system): no unit is active`,
    });
  });

  it.skipIf(!isRoot)("a host mounted elsewhere, its procfs live: asks its systemd over <root>/run/systemd/private", async () => {
    const root = await fixtureRoot({ "run/systemd/system": { dir: true } });
    const { server, asked } = await fakeSystemd(path.join(root, "run/systemd/private"), {
      "/org/freedesktop/systemd1/unit/cron_2eservice": "active",
      "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice": "failed",
    });
    servers.push(server);
    const ctx = probeContext(root, { proc: "/proc" });
    expect(await unitActiveState(ctx, "cron.service")).toEqual({
      active: "active",
      evidence: { unit: "cron.service", detail: "ActiveState=active (from systemd over D-Bus)" },
    });
    expect(await unitActiveState(ctx, "getty@tty1.service")).toMatchObject({ active: "failed" });
    expect(await unitActiveState(ctx, "nosuch.service")).toMatchObject({ active: "inactive" });
    expect(asked).toEqual([
      "/org/freedesktop/systemd1/unit/cron_2eservice",
      "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice",
      "/org/freedesktop/systemd1/unit/nosuch_2eservice",
    ]);
    // Through the probe: the fact carries the state and its evidence.
    const fact = await probe.collect(probeContext(root, { proc: "/proc" }), probe.params.parse({ unit: "cron" }));
    expect(fact.value.active).toBe("active");
    expect(fact.unknown).toBeUndefined();
  });

  it.skipIf(!isRoot)("systemd runs the host but no socket answers: unknown, naming each socket tried", async () => {
    const root = await fixtureRoot({ "run/systemd/system": { dir: true } });
    const r = await unitActiveState(probeContext(root, { proc: "/proc" }), "cron.service");
    expect(r).toEqual({
      unknown: expect.stringMatching(
        /^cannot reach systemd over D-Bus \(\/run\/systemd\/private: .*ENOENT.*; \/run\/dbus\/system_bus_socket: .*ENOENT.*\)$/,
      ) as unknown as string,
    });
    const fact = await probe.collect(probeContext(root, { proc: "/proc" }), probe.params.parse({ unit: "cron" }));
    expect(fact.value.active).toBeUndefined();
    expect(fact.unknown?.["active"]).toMatch(/^cannot reach systemd over D-Bus/);
  });

  it.skipIf(!isRoot)("a live procfs but no /run/systemd/system: PID 1 decides (here it is not systemd)", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    const init = readFileSync("/proc/1/comm", "utf8").trim();
    const r = await unitActiveState(probeContext(root, { proc: "/proc" }), "cron.service");
    if (init === "systemd") expect(r).toEqual({ unknown: expect.stringMatching(/^PID 1 is systemd but .*\/run\/systemd\/system is missing/) as unknown as string });
    else expect(r).toMatchObject({ active: "inactive", evidence: { file: "/proc/1/comm" } });
  });
});

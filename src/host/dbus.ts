/**
 * A minimal D-Bus client over a Unix socket: EXTERNAL authentication, method calls whose
 * arguments are strings, replies whose body is a variant holding a basic value (what
 * `org.freedesktop.DBus.Properties.Get` returns). Enough to ask systemd for a unit's
 * ActiveState without the `systemctl` binary, through a socket found under a mounted host
 * root (`/host/run/systemd/private` in a DaemonSet) — which `systemctl` cannot do.
 *
 * Wire format: D-Bus specification, "Message Protocol" (little-endian messages, header
 * fields as an array of (byte, variant), body aligned to 8). Only what those calls need is
 * implemented; anything else in a reply is reported as an error, never guessed.
 */
import { createConnection, type Socket } from "node:net";
import { NodewardError, type MessageArgs } from "../errors.js";

export type DbusBasic = string | number | bigint | boolean;

export interface DbusCall {
  /** Bus name; leave out on a peer-to-peer connection (systemd's private socket). */
  destination?: string;
  path: string;
  interface: string;
  member: string;
  /** String arguments (signature "s" each). */
  args?: readonly string[];
}

export class DbusError extends NodewardError {
  constructor(...args: MessageArgs<"DBUS">) {
    super(...args);
    this.name = "DbusError";
  }
}

export interface DbusConnectOptions {
  /** Give up on connect, authentication and each call after this long. Default 5 s. */
  timeoutMs?: number;
  /** Say Hello first: required on a message bus (dbus-daemon, dbus-broker), not on a peer socket. */
  bus?: boolean;
  /** uid sent for EXTERNAL authentication (default: this process's). */
  uid?: number;
}

const enum MsgType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

const enum Field {
  Path = 1,
  Interface = 2,
  Member = 3,
  ErrorName = 4,
  ReplySerial = 5,
  Destination = 6,
  Sender = 7,
  Signature = 8,
}

const MAX_MESSAGE = 128 * 1024 * 1024;
const NUDGE_MS = 100;

/** Little-endian message writer with D-Bus alignment. */
class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  uint32(v: number): void {
    this.align(4);
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  /** Type "s" or "o": uint32 length, UTF-8 bytes, NUL. */
  string(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.uint32(b.length);
    this.ensure(b.length + 1);
    b.copy(this.buf, this.length);
    this.buf.writeUInt8(0, this.length + b.length);
    this.length += b.length + 1;
  }

  /** Type "g": byte length, ASCII, NUL. */
  signature(s: string): void {
    this.byte(s.length);
    this.ensure(s.length + 1);
    this.buf.write(s, this.length, "latin1");
    this.buf.writeUInt8(0, this.length + s.length);
    this.length += s.length + 1;
  }

  setUint32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Encode one METHOD_CALL message. Exported for tests. */
export function encodeCall(call: DbusCall, serial: number): Buffer {
  const args = call.args ?? [];
  const body = new Writer();
  for (const a of args) body.string(a);

  const w = new Writer();
  w.byte(0x6c); // 'l': little endian
  w.byte(MsgType.MethodCall);
  w.byte(0); // flags
  w.byte(1); // protocol version
  w.uint32(body.length);
  w.uint32(serial);
  w.uint32(0); // header fields array length, set below
  const fieldsStart = w.length; // 16: already 8-aligned
  const field = (code: Field, sig: string, put: () => void) => {
    w.align(8);
    w.byte(code);
    w.signature(sig);
    put();
  };
  field(Field.Path, "o", () => w.string(call.path));
  field(Field.Interface, "s", () => w.string(call.interface));
  field(Field.Member, "s", () => w.string(call.member));
  if (call.destination) field(Field.Destination, "s", () => w.string(call.destination as string));
  if (args.length > 0) field(Field.Signature, "g", () => w.signature("s".repeat(args.length)));
  w.setUint32(12, w.length - fieldsStart);
  w.align(8);
  return Buffer.concat([w.bytes(), body.bytes()]);
}

/** Reader over one message; `little` follows the message's own endianness flag. */
class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    private readonly little: boolean,
    start: number,
    /** Offset the message starts at: alignment is relative to it. */
    private readonly base: number,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DbusError("DBUS_READ_PAST_END");
  }

  align(n: number): void {
    const rel = this.pos - this.base;
    this.pos += (n - (rel % n)) % n;
  }

  byte(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  uint32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  string(): string {
    const len = this.uint32();
    this.need(len + 1);
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len + 1;
    return s;
  }

  signature(): string {
    const len = this.byte();
    this.need(len + 1);
    const s = this.buf.toString("latin1", this.pos, this.pos + len);
    this.pos += len + 1;
    return s;
  }

  /** One value of a basic type (and nothing else: containers are refused). */
  basic(sig: string): DbusBasic {
    switch (sig) {
      case "s":
      case "o":
        return this.string();
      case "g":
        return this.signature();
      case "y":
        return this.byte();
      case "b":
        return this.uint32() !== 0;
      case "u":
        return this.uint32();
      case "i": {
        const u = this.uint32();
        return u | 0;
      }
      case "t":
      case "x": {
        this.align(8);
        this.need(8);
        const v = sig === "t"
          ? this.little ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos)
          : this.little ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      default:
        throw new DbusError("DBUS_TYPE", { signature: sig });
    }
  }
}

export interface DbusMessage {
  type: number;
  serial: number;
  replySerial?: number;
  errorName?: string;
  signature: string;
  /** Offsets of the body in `raw`, and its endianness, for decoding on demand. */
  raw: Buffer;
  bodyStart: number;
  little: boolean;
}

/**
 * Split complete messages off the front of `buf`. Returns the messages and how many
 * bytes they used (the rest is an incomplete message). Exported for tests.
 */
export function decodeMessages(buf: Buffer): { messages: DbusMessage[]; used: number } {
  const messages: DbusMessage[] = [];
  let off = 0;
  while (buf.length - off >= 16) {
    const endian = buf[off];
    if (endian !== 0x6c && endian !== 0x42) throw new DbusError("DBUS_ENDIANNESS", { byte: (endian ?? 0).toString(16) });
    const little = endian === 0x6c;
    const u32 = (at: number) => (little ? buf.readUInt32LE(off + at) : buf.readUInt32BE(off + at));
    const bodyLen = u32(4);
    const fieldsLen = u32(12);
    const headerEnd = 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8);
    const total = headerEnd + bodyLen;
    if (total > MAX_MESSAGE) throw new DbusError("DBUS_TOO_LARGE", { size: total });
    if (buf.length - off < total) break;
    const msg = buf.subarray(off, off + total);
    const r = new Reader(msg, little, 16, 0);
    const m: DbusMessage = { type: msg[1] ?? 0, serial: u32(8), signature: "", raw: msg, bodyStart: headerEnd, little };
    while (r.pos < 16 + fieldsLen) {
      r.align(8);
      const code = r.byte();
      const sig = r.signature();
      const value = r.basic(sig);
      if (code === Field.ReplySerial && typeof value === "number") m.replySerial = value;
      else if (code === Field.ErrorName && typeof value === "string") m.errorName = value;
      else if (code === Field.Signature && typeof value === "string") m.signature = value;
    }
    messages.push(m);
    off += total;
  }
  return { messages, used: off };
}

/** The body of a reply, for the signatures these calls get back: "v" (one basic value) or "s". */
export function replyValue(m: DbusMessage): DbusBasic {
  const r = new Reader(m.raw, m.little, m.bodyStart, m.bodyStart);
  if (m.signature === "v") return r.basic(r.signature());
  if (m.signature.length === 1) return r.basic(m.signature);
  throw new DbusError("DBUS_SIGNATURE", { signature: m.signature });
}

/** One authenticated connection; calls may overlap (matched by serial). */
export class DbusConnection {
  private serial = 0;
  private pending = new Map<number, { resolve: (m: DbusMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private buffer: Buffer = Buffer.alloc(0);
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    /** Peer connection to sd-bus: see `call`. */
    private readonly nudge: boolean,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new DbusError("DBUS_PEER_CLOSED")));
  }

  static async connect(socketPath: string, options: DbusConnectOptions = {}): Promise<DbusConnection> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const uid = options.uid ?? process.getuid?.() ?? 0;
    const socket = createConnection({ path: socketPath });
    socket.setNoDelay?.(true);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("error", reject);
        }),
        timeoutMs,
        `connecting to ${socketPath}`,
      );
      await withTimeout(authenticate(socket, uid), timeoutMs, `authenticating on ${socketPath}`);
    } catch (e) {
      socket.destroy();
      throw e;
    }
    socket.removeAllListeners("error");
    const conn = new DbusConnection(socket, timeoutMs, !options.bus);
    if (options.bus) {
      await conn.call({ destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "Hello" });
    }
    return conn;
  }

  /** Call a method; resolves with the reply message, rejects with DbusError on an error reply. */
  call(c: DbusCall): Promise<DbusMessage> {
    if (this.closedError) return Promise.reject(this.closedError);
    const serial = ++this.serial;
    return new Promise<DbusMessage>((resolve, reject) => {
      // systemd 252's sd-bus server leaves a message that arrived in the same read as the
      // client's BEGIN unprocessed until more bytes come (measured: no reply, for as long
      // as nothing else is sent). On a peer connection, a call without a reply after
      // 100 ms sends a Peer.Ping, whose bytes wake it; the Ping's own reply is ignored.
      const nudger = this.nudge
        ? setInterval(() => {
            if (!this.closedError) this.socket.write(encodeCall({ path: "/", interface: "org.freedesktop.DBus.Peer", member: "Ping" }, ++this.serial));
          }, NUDGE_MS)
        : undefined;
      const timer = setTimeout(() => {
        clearInterval(nudger);
        this.pending.delete(serial);
        reject(new DbusError("DBUS_NO_REPLY", { method: `${c.interface}.${c.member}`, ms: this.timeoutMs }));
      }, this.timeoutMs);
      this.pending.set(serial, {
        resolve: (m) => {
          clearInterval(nudger);
          resolve(m);
        },
        reject: (e) => {
          clearInterval(nudger);
          reject(e);
        },
        timer,
      });
      this.socket.write(encodeCall(c, serial));
    }).then((m) => {
      if (m.type === MsgType.Error) {
        let text = "";
        try {
          const v = replyValue(m);
          text = typeof v === "string" ? v : "";
        } catch {
          // an error without a message body
        }
        throw new DbusError("DBUS_ERROR_REPLY", { name: m.errorName ?? "D-Bus error", text: text ? `: ${text}` : "" });
      }
      return m;
    });
  }

  /** `org.freedesktop.DBus.Properties.Get` of one property holding a basic value. */
  async getProperty(destination: string | undefined, path: string, iface: string, name: string): Promise<DbusBasic> {
    const m = await this.call({
      ...(destination ? { destination } : {}),
      path,
      interface: "org.freedesktop.DBus.Properties",
      member: "Get",
      args: [iface, name],
    });
    return replyValue(m);
  }

  close(): void {
    this.fail(new DbusError("DBUS_CLOSED"));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let decoded: { messages: DbusMessage[]; used: number };
    try {
      decoded = decodeMessages(this.buffer);
    } catch (e) {
      this.fail(e as Error);
      this.socket.destroy();
      return;
    }
    this.buffer = this.buffer.subarray(decoded.used);
    for (const m of decoded.messages) {
      if ((m.type !== MsgType.MethodReturn && m.type !== MsgType.Error) || m.replySerial === undefined) continue; // signals
      const p = this.pending.get(m.replySerial);
      if (!p) continue;
      this.pending.delete(m.replySerial);
      clearTimeout(p.timer);
      p.resolve(m);
    }
  }

  private fail(e: Error): void {
    if (!this.closedError) this.closedError = e;
    for (const [serial, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(serial);
    }
  }
}

/** SASL EXTERNAL: "\0AUTH EXTERNAL <hex of the uid's decimal digits>", expect "OK <guid>", "BEGIN". */
function authenticate(socket: Socket, uid: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const nl = text.indexOf("\r\n");
      if (nl === -1) {
        if (text.length > 4096) done(new DbusError("DBUS_AUTH_NO_LINE"));
        return;
      }
      const line = text.slice(0, nl);
      if (line.startsWith("OK ")) {
        socket.write("BEGIN\r\n");
        done();
      } else {
        done(new DbusError("DBUS_AUTH_REFUSED", { line: line.slice(0, 200) }));
      }
    };
    const onError = (e: Error) => done(e);
    const done = (e?: Error) => {
      socket.off("data", onData);
      socket.off("error", onError);
      if (e) reject(e);
      else resolve();
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid), "ascii").toString("hex")}\r\n`);
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DbusError("DBUS_TIMEOUT", { what, ms })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** systemd's object path for a unit name (sd-bus `bus_label_escape`: [A-Za-z0-9] kept, else _xx). */
export function systemdUnitPath(unit: string): string {
  let out = "";
  const bytes = Buffer.from(unit, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const digitFirst = i === 0 && c >= 0x30 && c <= 0x39;
    out += alnum && !digitFirst ? String.fromCharCode(c) : `_${c.toString(16).padStart(2, "0")}`;
  }
  return `/org/freedesktop/systemd1/unit/${out === "" ? "_" : out}`;
}

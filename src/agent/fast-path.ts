/**
 * The scrape fast path: `GET /metrics` and `GET /healthz` answered at the socket, before
 * node:http and fastify see the connection. A scrape costs one string search, one map
 * lookup and one write of a cached buffer (head and body), instead of node:http's request
 * and response objects and fastify's routing, hooks and reply (measured under --jitless:
 * ~190 µs of CPU per /metrics request through fastify, ~110 µs through a bare node:http
 * handler, ~30 µs here).
 *
 * Only the plainest requests are answered here; the first request on a connection that is
 * anything else — another method, path, query string or HTTP version, a body
 * (Content-Length, Transfer-Encoding), Expect or Upgrade, a repeated Host or
 * Accept-Encoding, a Host that the allowlist refuses, a malformed header line, a head over
 * 16 KiB — hands the connection, with every byte not yet answered, to node:http and
 * fastify, which answer it (and the rest of the connection) as they always did: the 403
 * and its log line for a foreign Host, the token rules, 404s, 400s.
 *
 * Deadlines while a connection is here, checked together every `checkMs` like node:http's
 * own: `headersMs` from a connection's start or a request's first byte until its head is
 * complete; `keepAliveMs` for an idle connection between requests; `idleMs` for a
 * response the peer does not read (reading stops meanwhile).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface FastPathOptions {
  /** The exposition: a plain body and a gzipped one, each in parts (refreshed by the caller as needed). */
  exposition(): { parts: readonly Buffer[]; gzipParts: readonly Buffer[] };
  contentType: string;
  /** The Host allowlist (a refused Host goes to fastify, which answers 403 and logs it). */
  hostAllowed(host: string): boolean;
  /** The Accept-Encoding verdict: true to send the gzipped body. */
  gzipWanted(acceptEncoding: string | undefined): boolean;
  /** Called for every request answered here (the idle collector counts them). */
  onRequest?: (() => void) | undefined;
  headersMs: number;
  keepAliveMs: number;
  idleMs: number;
  /** How often the deadlines are checked. */
  checkMs: number;
}

type Route = "metrics" | "healthz";
interface Verdict {
  route: Route;
  gzip: boolean;
  /** The request asked for Connection: close. */
  close: boolean;
}

/** A longer head without its end goes to node:http (which answers 431 past its own limit). */
const MAX_HEAD = 16 * 1024;
// The value's surrounding blanks are trimmed by hand (owsTrim): `[\t ]*(.*?)[\t ]*$` backtracked
// quadratically — one 16 KiB header line `X: x<blanks>y` cost ~1 s of the event loop per request.
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(.*)$/;
/** A field value without the optional whitespace (SP, HTAB) around it. */
function owsTrim(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 0x20 || v.charCodeAt(a) === 0x09)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 0x20 || v.charCodeAt(b - 1) === 0x09)) b--;
  return v.slice(a, b);
}
/** What node:http refuses in a field value: a control character other than HTAB, or DEL. */
function badValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
const HEALTHZ_BODY = Buffer.from('{"status":"ok"}');

/**
 * Whether a request head (request line and fields, each ending in CRLF, without the empty
 * line) is served here, and how; null when node:http and fastify must answer it.
 */
export function fastVerdict(head: string, opts: Pick<FastPathOptions, "hostAllowed" | "gzipWanted">): Verdict | null {
  const lineEnd = head.indexOf("\r\n");
  const line = head.slice(0, lineEnd);
  let route: Route;
  if (line === "GET /metrics HTTP/1.1") route = "metrics";
  else if (line === "GET /healthz HTTP/1.1") route = "healthz";
  else return null;
  let host: string | undefined;
  let acceptEncoding: string | undefined;
  let close = false;
  for (let i = lineEnd + 2; i < head.length; ) {
    const end = head.indexOf("\r\n", i);
    const m = FIELD.exec(head.slice(i, end));
    i = end + 2;
    if (!m) return null;
    const name = (m[1] as string).toLowerCase();
    const value = owsTrim(m[2] as string);
    if (badValue(value)) return null;
    switch (name) {
      case "host":
        if (host !== undefined) return null;
        host = value;
        break;
      case "accept-encoding":
        if (acceptEncoding !== undefined) return null;
        acceptEncoding = value;
        break;
      case "connection":
        for (const token of value.toLowerCase().split(",")) {
          const t = token.trim();
          if (t === "close") close = true;
          else if (t !== "keep-alive") return null;
        }
        break;
      case "content-length":
      case "transfer-encoding":
      case "upgrade":
      case "expect":
        return null;
    }
  }
  if (host === undefined || !opts.hostAllowed(host)) return null;
  return { route, gzip: route === "metrics" && opts.gzipWanted(acceptEncoding), close };
}

/**
 * Put the fast path in front of `server`'s own connection handling: every new connection
 * goes through it first. Returns it (close() ends the connections it still holds).
 */
export function installFastPath(server: Server, opts: FastPathOptions): FastPath {
  const handlers = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  const fast = new FastPath(opts, (socket) => {
    for (const h of handlers) h.call(server, socket);
  });
  server.on("connection", (socket: Socket) => fast.accept(socket));
  return fast;
}

export class FastPath {
  private readonly opts: FastPathOptions;
  private readonly handOff: (socket: Socket) => void;
  private readonly conns = new Set<FastConnection>();
  private readonly verdicts = new Map<string, Verdict | null>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The Date header's value and until when it holds. */
  private date = "";
  private dateUntil = 0;
  private readonly keepAliveHeader: string;
  private exp: { parts: readonly Buffer[]; gzipParts: readonly Buffer[] } | undefined;
  private plain: Buffer | undefined;
  private zipped: Buffer | undefined;
  private healthz: Buffer | undefined;
  /** Requests answered here (tests). */
  served = 0;
  /** Connections handed to node:http (tests). */
  handedOff = 0;

  constructor(opts: FastPathOptions, handOff: (socket: Socket) => void) {
    this.opts = opts;
    this.handOff = handOff;
    // What node:http sends with the same keep-alive timeout.
    this.keepAliveHeader = opts.keepAliveMs > 0 ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(opts.keepAliveMs / 1000)}\r\n` : "Connection: keep-alive\r\n";
  }

  accept(socket: Socket): void {
    if (this.closed) {
      this.handOff(socket);
      return;
    }
    const c = new FastConnection(this, socket, Date.now() + this.opts.headersMs);
    this.conns.add(c);
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => this.sweep(), this.opts.checkMs);
      this.sweepTimer.unref();
    }
  }

  /** Stop answering: connections held here are ended (closed at once when a request is half received); new ones go to node:http. */
  close(): void {
    this.closed = true;
    for (const c of this.conns) c.end();
    this.conns.clear();
    this.stopSweep();
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) if (now >= c.deadline) c.expire();
    if (this.conns.size === 0) this.stopSweep();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** @internal */
  release(c: FastConnection): void {
    this.conns.delete(c);
  }

  /** @internal */
  giveAway(socket: Socket): void {
    this.handedOff++;
    this.handOff(socket);
  }

  /** @internal The verdict for a head, remembered (a scraper sends the same head every time). */
  verdict(head: string): Verdict | null {
    let v = this.verdicts.get(head);
    if (v === undefined) {
      v = fastVerdict(head, this.opts);
      if (this.verdicts.size >= 64) this.verdicts.clear();
      this.verdicts.set(head, v);
    }
    return v;
  }

  get keepAliveMs(): number {
    return this.opts.keepAliveMs;
  }
  get headersMs(): number {
    return this.opts.headersMs;
  }
  get idleMs(): number {
    return this.opts.idleMs;
  }

  /** @internal The whole response (head and body) to a request; cached until the second or the exposition changes. */
  response(v: Verdict, now: number): Buffer {
    this.opts.onRequest?.();
    this.served++;
    if (now >= this.dateUntil) {
      this.date = new Date(now).toUTCString();
      this.dateUntil = now - (now % 1000) + 1000;
      this.plain = this.zipped = this.healthz = undefined;
    }
    if (v.close) return this.build(v, "Connection: close\r\n");
    if (v.route === "healthz") return (this.healthz ??= this.build(v, this.keepAliveHeader));
    const exp = this.opts.exposition();
    if (exp !== this.exp) {
      this.exp = exp;
      this.plain = this.zipped = undefined;
    }
    return v.gzip ? (this.zipped ??= this.build(v, this.keepAliveHeader)) : (this.plain ??= this.build(v, this.keepAliveHeader));
  }

  /** The same status line and fields, in the same order, as fastify's answer through node:http. */
  private build(v: Verdict, connection: string): Buffer {
    let fields: string;
    let body: readonly Buffer[];
    if (v.route === "healthz") {
      body = [HEALTHZ_BODY];
      fields = "content-type: application/json; charset=utf-8\r\n";
    } else {
      const exp = this.exp ?? this.opts.exposition();
      // The exposition's parts (own series, per-scan part) go into the response as they are.
      body = v.gzip ? exp.gzipParts : exp.parts;
      fields = `content-type: ${this.opts.contentType}\r\nvary: Accept-Encoding\r\ncache-control: no-store\r\n${v.gzip ? "content-encoding: gzip\r\n" : ""}`;
    }
    const length = body.reduce((n, b) => n + b.length, 0);
    const head = `HTTP/1.1 200 OK\r\n${fields}content-length: ${length}\r\nDate: ${this.date}\r\n${connection}\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), ...body]);
  }
}

class FastConnection {
  private readonly fast: FastPath;
  private readonly socket: Socket;
  /** Bytes received and not yet answered (latin1: one char per byte). */
  private pending = "";
  /** A response waits for the peer to read (reading is paused meanwhile). */
  private blocked = false;
  deadline: number;

  constructor(fast: FastPath, socket: Socket, deadline: number) {
    this.fast = fast;
    this.socket = socket;
    this.deadline = deadline;
    socket.on("data", this.onData);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    // A request's first byte starts its header deadline.
    if (this.pending.length === 0) this.deadline = Date.now() + this.fast.headersMs;
    this.pending += chunk.toString("latin1");
    this.serve();
  };

  private readonly onError = (): void => {
    // The socket closes by itself after an error.
    this.fast.release(this);
  };

  private readonly onClose = (): void => {
    this.fast.release(this);
  };

  private readonly onDrain = (): void => {
    this.blocked = false;
    this.deadline = Date.now() + (this.pending.length > 0 ? this.fast.headersMs : this.fast.keepAliveMs);
    this.socket.resume();
    this.serve();
  };

  private serve(): void {
    while (!this.blocked) {
      const end = this.pending.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.pending.length > MAX_HEAD) this.handOff();
        return;
      }
      const v = this.fast.verdict(this.pending.slice(0, end + 2));
      if (v === null) return this.handOff();
      this.pending = this.pending.slice(end + 4);
      const now = Date.now();
      const res = this.fast.response(v, now);
      if (v.close) {
        this.detach();
        this.socket.end(res);
        return;
      }
      if (this.socket.write(res)) {
        this.deadline = now + (this.pending.length > 0 ? this.fast.headersMs : this.fast.keepAliveMs);
      } else {
        // The peer does not read: stop reading its requests until it does.
        this.blocked = true;
        this.deadline = now + this.fast.idleMs;
        this.socket.pause();
        this.socket.once("drain", this.onDrain);
      }
    }
  }

  /** Give the connection and what it sent that was not answered to node:http. */
  private handOff(): void {
    this.detach();
    const socket = this.socket;
    socket.pause();
    if (this.pending.length > 0) socket.unshift(Buffer.from(this.pending, "latin1"));
    this.pending = "";
    this.fast.giveAway(socket);
    socket.resume();
  }

  private detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("error", this.onError);
    this.socket.off("close", this.onClose);
    this.socket.off("drain", this.onDrain);
    this.fast.release(this);
  }

  /** A deadline passed. */
  expire(): void {
    this.detach();
    this.socket.destroy();
  }

  /** The agent stops: an idle connection is ended, one in the middle of a request closed. */
  end(): void {
    this.detach();
    // An error after this (a reset peer) must not go unhandled.
    this.socket.on("error", () => undefined);
    if (this.pending.length > 0 || this.blocked) this.socket.destroy();
    else this.socket.end();
  }
}

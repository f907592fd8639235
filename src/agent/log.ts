/**
 * The agent's one logger, used from the first line to the last, by the agent and by
 * fastify (as its `loggerInstance`): one format on one stream (stderr).
 *
 *   journal — under systemd (JOURNAL_STREAM names our stderr): `<N>message key=value`;
 *             journald's SyslogLevelPrefix= (on by default) turns <N> into PRIORITY, so
 *             `journalctl -p warning` shows the agent's warnings and errors;
 *   json    — elsewhere (containers, files): one JSON object per line, level as a word;
 *   text    — a terminal: `time level message key=value`.
 *
 * Only scalar fields are written: a request, response or header object passed by
 * fastify is dropped whole, so neither an Authorization header nor a query string (with
 * whatever token it carries) can reach a log line. Errors are written as their message.
 * Every line then goes through the report's redaction (src/util/redact.ts): a secret in a
 * pack error or a probe message is masked here too.
 */
import { fstatSync } from "node:fs";
import type { FastifyBaseLogger } from "fastify";
import { redactText } from "../util/redact.js";

/** What the agent's parts log through (the Log below, or a test's collector). */
export interface AgentLogger {
  debug?(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "journal" | "json" | "text";

/** pino's numbers, which fastify compares. */
const VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type AnyLevel = keyof typeof VALUES;
/** syslog priorities (sd-daemon.h: SD_DEBUG 7 … SD_CRIT 2). */
const PRIORITY: Record<AnyLevel, number> = { trace: 7, debug: 7, info: 6, warn: 4, error: 3, fatal: 2 };

export interface LogOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (default process.stderr). */
  stream?: { write(s: string): unknown };
}

/** journald is on our stderr when JOURNAL_STREAM ("dev:ino") names fd 2 (systemd.exec(5)). */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const js = env.JOURNAL_STREAM;
  if (!js) return false;
  try {
    const st = fstatSync(2);
    return js === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (stderrIsJournal(env)) return "journal";
  return process.stderr.isTTY ? "text" : "json";
}

type Fields = Record<string, string | number | boolean>;

function scalarFields(obj: object): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
    else if (v instanceof Error) out[k] = v.message;
    else if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) out[k] = v.join(",");
  }
  return out;
}

const quote = (v: string | number | boolean) => {
  const s = String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
};

export class Log implements AgentLogger {
  readonly format: LogFormat;
  private readonly min: number;
  private readonly stream: { write(s: string): unknown };
  private readonly bindings: Fields;
  private readonly plainChildren = new Map<number, Log>();

  constructor(options: LogOptions = {}, bindings: Fields = {}, min?: number) {
    this.format = options.format ?? defaultLogFormat();
    this.min = min ?? VALUES[options.level ?? "info"];
    this.stream = options.stream ?? process.stderr;
    this.bindings = bindings;
  }

  get level(): string {
    return (Object.keys(VALUES) as AnyLevel[]).find((k) => VALUES[k] === this.min) ?? "info";
  }

  enabled(level: AnyLevel): boolean {
    return VALUES[level] >= this.min;
  }

  debug(a: unknown, b?: unknown): void {
    this.write("debug", a, b);
  }
  info(a: unknown, b?: unknown): void {
    this.write("info", a, b);
  }
  warn(a: unknown, b?: unknown): void {
    this.write("warn", a, b);
  }
  error(a: unknown, b?: unknown): void {
    this.write("error", a, b);
  }
  fatal(a: unknown, b?: unknown): void {
    this.write("fatal", a, b);
  }
  trace(a: unknown, b?: unknown): void {
    this.write("trace", a, b);
  }
  silent(): void {}

  /**
   * fastify's per-request and per-route loggers: request ids are not logged, a route's
   * logLevel is honoured. fastify asks for one per request; one that only drops the request
   * id is the same logger every time, kept per level (no allocation on the scrape path).
   */
  child(bindings: object, options?: { level?: string }): Log {
    const level = options?.level !== undefined && Object.hasOwn(VALUES, options.level) ? VALUES[options.level as AnyLevel] : undefined;
    const min = Math.max(level ?? 0, this.min);
    let only = true;
    for (const k in bindings) if (k !== "reqId") only = false;
    if (only) {
      let same = this.plainChildren.get(min);
      if (!same) this.plainChildren.set(min, (same = new Log({ format: this.format, stream: this.stream }, this.bindings, min)));
      return same;
    }
    const fields = scalarFields(bindings);
    delete fields.reqId;
    return new Log({ format: this.format, stream: this.stream }, { ...this.bindings, ...fields }, min);
  }

  /** For fastify's `loggerInstance` option. */
  asFastifyLogger(): FastifyBaseLogger {
    return this as unknown as FastifyBaseLogger;
  }

  private write(level: AnyLevel, a: unknown, b: unknown): void {
    if (VALUES[level] < this.min) return;
    let msg: string;
    let fields: Fields;
    if (typeof a === "string") {
      msg = a;
      fields = {};
    } else if (a instanceof Error) {
      msg = typeof b === "string" ? `${b}: ${a.message}` : a.message;
      fields = {};
    } else if (a && typeof a === "object") {
      fields = scalarFields(a);
      msg = typeof b === "string" ? b : "";
    } else {
      msg = String(a);
      fields = {};
    }
    const all = { ...this.bindings, ...fields };
    const kv = Object.entries(all)
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(" ");
    // One record per line, and no terminal control from a host file name (a drift event's
    // path can be any name someone created): other control characters are written escaped.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const oneLine = (s: string) => s.replace(/\r?\n/g, " | ").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
    let line: string;
    if (this.format === "journal") line = `<${PRIORITY[level]}>${oneLine(msg)}${kv ? ` ${oneLine(kv)}` : ""}`;
    else if (this.format === "text") line = `${new Date().toISOString()} ${level.padEnd(5)} ${oneLine(msg)}${kv ? ` ${oneLine(kv)}` : ""}`;
    else line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...all });
    this.stream.write(`${redactText(line)}\n`);
  }
}

/**
 * What every route plugin shares: the context they are registered with, the JSON error
 * shape `{error, message, statusCode}` and the bearer-token check.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { isIP } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Agent } from "./agent.js";
import type { DriftStatus } from "./drift.js";

/** The remediation engine's entry point (supplied by the remediation layer when it exists). */
export type RemediateHook = (checkKeys: string[]) => Promise<unknown>;

/** Options every route plugin is registered with. */
export interface ApiContext {
  agent: Agent;
  /** Bearer token; undefined = none configured, so routes that need it always answer 401. */
  token?: string | undefined;
  remediate?: RemediateHook | undefined;
  /** Real-time drift, when on: GET /api/v1/events. */
  drift?: { status(limit?: number): DriftStatus } | undefined;
}

/** Probes and scrapes arrive every few seconds: log them only when they fail. */
export const QUIET = "warn";

export const errorSchema = {
  $id: "nodewardError",
  type: "object",
  required: ["error", "message", "statusCode"],
  properties: { error: { type: "string" }, message: { type: "string" }, statusCode: { type: "integer" } },
} as const;
const errRef = { $ref: "nodewardError#" } as const;
/** Response schemas for these error statuses. */
export const errors = (...codes: number[]): Record<number, typeof errRef> => Object.fromEntries(codes.map((c) => [c, errRef]));

export function httpError(statusCode: number, message: string): { error: string; message: string; statusCode: number } {
  return { error: STATUS_CODES[statusCode] ?? "Error", message, statusCode };
}

export function send(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).type("application/json; charset=utf-8").send(httpError(statusCode, message));
}

/** Constant time over SHA-256 digests, so neither content nor length leaks. */
export function tokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || typeof header !== "string") return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m) return false;
  const a = createHash("sha256").update(m[1] as string).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token a request presents: `Authorization: Bearer …`, or for a GET/HEAD the
 * `access_token` query parameter (RFC 6750 §2.3; a browser link cannot set headers).
 * The app's first hook moves the query parameter here, out of `req.query`, so no route
 * schema, handler or log line sees it.
 */
export const QUERY_TOKEN = "access_token";
const queryTokens = new WeakMap<FastifyRequest, string>();

export function takeQueryToken(req: FastifyRequest): void {
  const q = req.query as Record<string, unknown> | undefined;
  if (!q || !Object.hasOwn(q, QUERY_TOKEN)) return;
  const v = q[QUERY_TOKEN];
  delete q[QUERY_TOKEN];
  if ((req.method === "GET" || req.method === "HEAD") && typeof v === "string") queryTokens.set(req, v);
}

export function presentsToken(req: FastifyRequest, token: string | undefined): boolean {
  if (tokenMatches(req.headers.authorization, token)) return true;
  const q = queryTokens.get(req);
  return q !== undefined && tokenMatches(`Bearer ${q}`, token);
}

/** An onRequest hook: 401 with WWW-Authenticate unless the request carries the token. */
export function requireToken(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (presentsToken(req, token)) return undefined;
    reply.header("www-authenticate", 'Bearer realm="nodeward"');
    req.log.warn({ route: req.routeOptions.url }, "refused: missing or wrong bearer token");
    return send(reply, 401, token ? "a valid bearer token is required (Authorization: Bearer <token>)" : "no API token is configured on this agent (see tokenFile); requests that need one are refused");
  };
}

/** Routes open without a token even when the agent listens off loopback: probes and Prometheus. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** A listen host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/**
 * DNS rebinding defence: a browser tricked into calling the agent sends the attacker's
 * name as Host. Accepted: IP literals (rebinding needs a name), `localhost` and
 * `*.localhost` (browsers resolve them to loopback themselves), and the configured
 * names (`allowedHosts`; an entry starting with "." admits every subdomain).
 */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  if (!header) return false;
  let name: string;
  if (header.startsWith("[")) {
    const end = header.indexOf("]");
    if (end < 0) return false;
    name = header.slice(1, end);
  } else {
    name = header.replace(/:\d*$/, "");
  }
  name = name.toLowerCase().replace(/\.$/, "");
  if (name === "") return false;
  if (isIP(name) !== 0) return true;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return allowed.some((a) => {
    const e = a.toLowerCase();
    return e.startsWith(".") ? name.endsWith(e) || name === e.slice(1) : name === e;
  });
}

/** hostAllowed over `allowed`, remembered per Host value (scrapers send the same one; a flood of distinct ones only resets the cache). */
export function cachedHostCheck(allowed: readonly string[]): (header: string | undefined) => boolean {
  const verdicts = new Map<string, boolean>();
  return (header) => {
    if (header === undefined) return false;
    let v = verdicts.get(header);
    if (v === undefined) {
      v = hostAllowed(header, allowed);
      if (verdicts.size >= 256) verdicts.clear();
      verdicts.set(header, v);
    }
    return v;
  };
}

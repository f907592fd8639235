/**
 * What every route plugin shares: the context they are registered with, the JSON error
 * shape `{error, message, statusCode}` and the bearer-token check.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Agent } from "./agent.js";

/** The remediation engine's entry point (supplied by the remediation layer when it exists). */
export type RemediateHook = (checkKeys: string[]) => Promise<unknown>;

/** Options every route plugin is registered with. */
export interface ApiContext {
  agent: Agent;
  /** Bearer token; undefined = none configured, so routes that need it always answer 401. */
  token?: string | undefined;
  remediate?: RemediateHook | undefined;
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

/** An onRequest hook: 401 with WWW-Authenticate unless the request carries the token. */
export function requireToken(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (tokenMatches(req.headers.authorization, token)) return undefined;
    reply.header("www-authenticate", 'Bearer realm="nodeward"');
    req.log.warn({ route: req.routeOptions.url }, "refused: missing or wrong bearer token");
    return send(reply, 401, token ? "a valid bearer token is required (Authorization: Bearer <token>)" : "no API token is configured on this agent (see tokenFile); mutating requests are refused");
  };
}

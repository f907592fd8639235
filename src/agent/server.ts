/**
 * The agent's HTTP API (fastify), built without listening so tests use `app.inject()`.
 * Every route has a JSON schema; every error is JSON `{error, message, statusCode}`;
 * bad input gets a 4xx, never a 5xx. Mutating routes need the bearer token (compared
 * in constant time over SHA-256 digests, so lengths do not leak either); remediation
 * additionally needs `remediation.allowApi: true` and only accepts check ids of checks
 * with a typed fix; the `remediate` hook (serve.ts: a request file for the privileged
 * nodeward-remediate unit) acts on them — never on anything else a body describes.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { LoadedCheck } from "../packs/load.js";
import { getReporter, reporters } from "../report/index.js";
import type { Reporter } from "../report/types.js";
import type { Agent } from "./agent.js";
import type { WaivedResult } from "./waivers.js";

export const DEFAULT_BODY_LIMIT = 16 * 1024;
/** Probes and scrapes arrive every few seconds: log them only when they fail. */
const QUIET = "warn";

/** The remediation engine's entry point (supplied by the remediation layer when it exists). */
export type RemediateHook = (checkKeys: string[]) => Promise<unknown>;

export interface ServerDeps {
  agent: Agent;
  /** Bearer token for POST routes; undefined = none configured, so they always answer 401. */
  token?: string | undefined;
  remediate?: RemediateHook | undefined;
  /** Pino options for fastify's logger, or false. The Authorization header is always redacted. */
  logger?: false | { level?: string; stream?: NodeJS.WritableStream };
  https?: { cert: string | Buffer; key: string | Buffer } | undefined;
  bodyLimit?: number;
}

const errorSchema = {
  $id: "nodewardError",
  type: "object",
  required: ["error", "message", "statusCode"],
  properties: { error: { type: "string" }, message: { type: "string" }, statusCode: { type: "integer" } },
} as const;
const errRef = { $ref: "nodewardError#" } as const;
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errRef]));

const countsSchema = {
  type: "object",
  properties: { pass: { type: "integer" }, fail: { type: "integer" }, manual: { type: "integer" }, skip: { type: "integer" }, error: { type: "integer" } },
} as const;

const summarySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    trigger: { type: "string" },
    startedAt: { type: "string" },
    durationMs: { type: "number" },
    summary: countsSchema,
    waived: { type: "integer" },
    loadErrors: { type: "integer" },
    eventLoopDelayMs: { type: "object", properties: { p50: { type: "number" }, p99: { type: "number" }, max: { type: "number" } } },
  },
} as const;

const checkSummarySchema = {
  type: "object",
  properties: {
    key: { type: "string" },
    id: { type: "string" },
    pack: { type: "string" },
    benchmark: { type: "string" },
    title: { type: "string" },
    severity: { type: "string" },
    level: { type: "integer" },
    manual: { type: "boolean" },
    fix: { type: "string" },
    status: { type: "string" },
    waived: { type: "boolean" },
  },
} as const;

export function httpError(statusCode: number, message: string): { error: string; message: string; statusCode: number } {
  return { error: STATUS_CODES[statusCode] ?? "Error", message, statusCode };
}

function send(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).type("application/json; charset=utf-8").send(httpError(statusCode, message));
}

export function tokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || typeof header !== "string") return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m) return false;
  const a = createHash("sha256").update(m[1] as string).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [{ type: "*/*", q: 1 }];
  return accept
    .split(",")
    .map((part, i) => {
      const [type = "", ...params] = part.trim().split(";").map((s) => s.trim());
      const q = params.find((p) => p.startsWith("q="));
      return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type !== "" && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
}

/** Generic XML asks mean JUnit, the one XML report a CI server reads. */
const ALIASES: Record<string, string> = { "application/xml": "junit", "text/xml": "junit" };

/**
 * Pick a registered reporter for an Accept header: JSON for `*∕*` or no header, then
 * the first reporter (registry order) whose content type matches a range, by q.
 */
export function negotiateReporter(accept: string | undefined, available: readonly Reporter[] = Object.values(reporters)): Reporter | undefined {
  const byName = new Map(available.map((r) => [r.name, r]));
  const json = byName.get("json");
  for (const range of parseAccept(accept)) {
    if (range.type === "*/*" || range.type === "application/*") {
      if (json) return json;
    }
    const alias = ALIASES[range.type];
    if (alias && byName.has(alias)) return byName.get(alias);
    const hit = available.find((r) => {
      const base = (r.contentType.split(";")[0] ?? "").trim().toLowerCase();
      if (base === range.type) return true;
      return range.type.endsWith("/*") && base.startsWith(range.type.slice(0, -1));
    });
    if (hit) return hit;
  }
  return undefined;
}

function catalogEntry(c: LoadedCheck): Record<string, unknown> {
  return {
    key: c.key,
    id: c.id,
    pack: c.pack.id,
    benchmark: c.pack.benchmark,
    title: c.title,
    severity: c.severity,
    ...(c.level !== undefined ? { level: c.level } : {}),
    manual: c.manual,
    ...(c.fix ? { fix: c.fix.action } : {}),
  };
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const { agent } = deps;
  const app = Fastify({
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(deps.https ? { https: deps.https } : {}),
    logger:
      deps.logger === false
        ? false
        : {
            level: deps.logger?.level ?? "info",
            ...(deps.logger?.stream ? { stream: deps.logger.stream } : {}),
            redact: { paths: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'], censor: "[redacted]" },
          },
    // Strict bodies: fastify's default Ajv silently *removes* unknown keys, which would
    // let `{"checks": [...], "command": "..."}` through; we want it refused.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
  });
  app.addSchema(errorSchema);

  // An empty body with a JSON content type is "no body" (curl -X POST -H 'content-type: application/json').
  const jsonParser = app.getDefaultJsonParser("error", "error");
  // JSON only: any other body type is 415 (fastify would otherwise parse text/plain too).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, undefined);
    jsonParser(req, text, done);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let message = err.message;
    if (err.validation) {
      // Well-formed JSON that breaks the schema is unprocessable; a bad query or path is a bad request.
      status = err.validationContext === "body" ? 422 : 400;
      message = `${err.validationContext ?? "request"}${err.validation[0]?.instancePath ?? ""} ${err.validation[0]?.message ?? "is invalid"}`;
      const extra = (err.validation[0]?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      if (extra) message = `${err.validationContext ?? "request"} has an unknown property "${extra}" (only the documented keys are accepted)`;
    }
    if (status >= 500) {
      req.log.error({ err }, "request failed");
      message = "internal error";
    }
    void send(reply, status, message);
  });
  app.setNotFoundHandler((req, reply) => void send(reply, 404, `no route ${req.method} ${req.url.split("?")[0]}`));

  const requireToken = async (req: FastifyRequest, reply: FastifyReply) => {
    if (tokenMatches(req.headers.authorization, deps.token)) return;
    reply.header("www-authenticate", 'Bearer realm="nodeward"');
    req.log.warn({ route: req.routeOptions.url }, "refused: missing or wrong bearer token");
    return send(reply, 401, deps.token ? "a valid bearer token is required (Authorization: Bearer <token>)" : "no API token is configured on this agent (see tokenFile); mutating requests are refused");
  };

  app.get("/healthz", {
    logLevel: QUIET,
    schema: { response: { 200: { type: "object", properties: { status: { type: "string" } } } } },
    handler: async () => ({ status: "ok" }),
  });

  app.get("/readyz", {
    logLevel: QUIET,
    schema: {
      response: {
        "2xx": {
          type: "object",
          properties: {
            ready: { type: "boolean" },
            status: { type: "string" },
            scanning: { type: "boolean" },
            degraded: { type: "array", items: { type: "string" } },
            lastScan: { type: "object", properties: { id: { type: "string" }, startedAt: { type: "string" }, source: { type: "string" } } },
          },
        },
        503: {
          type: "object",
          properties: { ready: { type: "boolean" }, status: { type: "string" }, scanning: { type: "boolean" }, degraded: { type: "array", items: { type: "string" } } },
        },
      },
    },
    handler: async (_req, reply) => {
      const r = agent.readiness();
      return reply.code(r.ready ? 200 : 503).send(r);
    },
  });

  app.get("/metrics", {
    logLevel: QUIET,
    schema: { response: { 200: { type: "string" } } },
    handler: async (_req, reply) => {
      agent.refreshMetrics();
      const text = await agent.metrics.render();
      return reply.type(agent.metrics.contentType).send(text);
    },
  });

  app.get("/api/v1/scans/latest", {
    schema: {
      querystring: { type: "object", additionalProperties: false, properties: { format: { type: "string", maxLength: 32 } } },
      response: { 200: { type: "string" }, ...errors(404, 406) },
    },
    handler: async (req, reply) => {
      const view = agent.view();
      const latest = agent.latest;
      if (!view || !latest) return send(reply, 404, "no scan has completed yet");
      const { format } = req.query as { format?: string };
      const reporter = format !== undefined ? getReporter(format) : negotiateReporter(req.headers.accept);
      if (!reporter) {
        const offered = Object.values(reporters).map((r) => `${r.name} (${r.contentType.split(";")[0]})`).join(", ");
        return send(reply, format !== undefined ? 400 : 406, `${format !== undefined ? `unknown format "${format}"` : `cannot produce ${req.headers.accept ?? "that"}`}; available: ${offered}`);
      }
      const text = reporter.render({ id: latest.id, trigger: latest.trigger, ...view } as typeof view);
      return reply.header("x-nodeward-scan-id", latest.id).header("vary", "Accept").type(reporter.contentType).send(text);
    },
  });

  app.get("/api/v1/scans", {
    schema: {
      querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "string", pattern: "^[0-9]{1,3}$" } } },
      response: { 200: { type: "object", properties: { running: { type: ["object", "null"], properties: { id: { type: "string" }, trigger: { type: "string" }, startedAt: { type: "string" } } }, scans: { type: "array", items: summarySchema } } } },
    },
    handler: async (req) => {
      const { limit } = req.query as { limit?: string };
      const all = agent.history();
      const run = agent.scheduler.running;
      return {
        running: run ? { id: run.id, trigger: run.trigger, startedAt: run.startedAt.toISOString() } : null,
        scans: limit !== undefined ? all.slice(0, Number(limit)) : all,
      };
    },
  });

  app.get("/api/v1/checks", {
    schema: {
      querystring: {
        type: "object",
        additionalProperties: false,
        properties: { status: { type: "string", enum: ["pass", "fail", "manual", "skip", "error"] }, benchmark: { type: "string", maxLength: 200 } },
      },
      response: { 200: { type: "object", properties: { scanId: { type: ["string", "null"] }, checks: { type: "array", items: checkSummarySchema } } } },
    },
    handler: async (req) => {
      const { status, benchmark } = req.query as { status?: string; benchmark?: string };
      const results = resultsByKey();
      const checks = agent
        .catalog()
        .filter((c) => benchmark === undefined || c.pack.id === benchmark)
        .map((c) => {
          const r = results.get(c.key);
          return { ...catalogEntry(c), ...(r ? { status: r.status, waived: r.waiver !== undefined } : {}) };
        })
        .filter((c) => status === undefined || c.status === status);
      return { scanId: agent.latest?.id ?? null, checks };
    },
  });

  const checkDetail = async (key: string, reply: FastifyReply) => {
    const found = agent.findChecks(key);
    if (found.length === 0) return send(reply, 404, `unknown check "${key}"`);
    if (found.length > 1) return send(reply, 409, `check id "${key}" is in several packs (${found.map((c) => c.key).join(", ")}); ask for /api/v1/checks/<pack>/<id>`);
    const c = found[0] as LoadedCheck;
    const result = resultsByKey().get(c.key);
    return reply.send({
      ...catalogEntry(c),
      ...(c.description ? { description: c.description } : {}),
      ...(c.rationale ? { rationale: c.rationale } : {}),
      references: c.references,
      ...(c.remediation ? { remediation: c.remediation } : {}),
      tags: c.tags,
      result: result ?? null,
    });
  };
  const detailSchema = {
    response: {
      200: { type: "object", additionalProperties: true, properties: { ...checkSummarySchema.properties, result: { type: ["object", "null"], additionalProperties: true } } },
      ...errors(404, 409),
    },
  } as const;
  app.get("/api/v1/checks/:id", {
    schema: { params: { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 1, maxLength: 200 } } }, ...detailSchema },
    handler: async (req, reply) => checkDetail((req.params as { id: string }).id, reply),
  });
  app.get("/api/v1/checks/:pack/:id", {
    schema: {
      params: { type: "object", required: ["pack", "id"], properties: { pack: { type: "string", minLength: 1, maxLength: 200 }, id: { type: "string", minLength: 1, maxLength: 200 } } },
      ...detailSchema,
    },
    handler: async (req, reply) => {
      const p = req.params as { pack: string; id: string };
      return checkDetail(`${p.pack}/${p.id}`, reply);
    },
  });

  app.post("/api/v1/scans", {
    onRequest: requireToken,
    schema: {
      // No body is needed; an empty object is accepted, anything else is refused.
      body: { type: ["object", "null"], additionalProperties: false, properties: {} },
      response: {
        202: { type: "object", properties: { id: { type: "string" }, joined: { type: "boolean" }, trigger: { type: "string" }, startedAt: { type: "string" }, status: { type: "string" } } },
        ...errors(400, 401, 413, 415, 422),
      },
    },
    handler: async (req, reply) => {
      const { run, joined } = agent.triggerScan("api");
      // The outcome is reported through the scheduler's onError and the metrics; the request does not wait.
      run.done.catch(() => undefined);
      req.log.info({ scan: run.id, joined }, joined ? "scan requested: joined the running scan" : "scan requested: started");
      return reply
        .code(202)
        .header("location", "/api/v1/scans/latest")
        .send({ id: run.id, joined, trigger: run.trigger, startedAt: run.startedAt.toISOString(), status: "running" });
    },
  });

  let remediating = false;
  app.post("/api/v1/remediations", {
    onRequest: [
      requireToken,
      async (req, reply) => {
        if (!agent.config.remediation.allowApi) {
          return send(reply, 403, "remediation over the API is switched off (remediation.allowApi: false in the config)");
        }
      },
    ],
    schema: {
      body: {
        type: "object",
        required: ["checks"],
        additionalProperties: false,
        properties: { checks: { type: "array", minItems: 1, maxItems: 500, uniqueItems: true, items: { type: "string", minLength: 1, maxLength: 200 } } },
      },
      response: { 200: { type: "object", properties: { checks: { type: "array", items: { type: "string" } }, result: {} } }, ...errors(400, 401, 403, 404, 409, 413, 415, 422, 501) },
    },
    handler: async (req, reply) => {
      const { checks } = req.body as { checks: string[] };
      const keys: string[] = [];
      const unknown: string[] = [];
      const ambiguous: string[] = [];
      const noFix: string[] = [];
      for (const id of checks) {
        const found = agent.findChecks(id);
        if (found.length === 0) unknown.push(id);
        else if (found.length > 1) ambiguous.push(`${id} (${found.map((c) => c.key).join(", ")})`);
        else if (!(found[0] as LoadedCheck).fix) noFix.push((found[0] as LoadedCheck).key);
        else keys.push((found[0] as LoadedCheck).key);
      }
      if (unknown.length > 0) return send(reply, 404, `unknown check(s): ${unknown.join(", ")}`);
      if (ambiguous.length > 0) return send(reply, 409, `ambiguous check id(s), use <pack>/<id>: ${ambiguous.join("; ")}`);
      if (noFix.length > 0) return send(reply, 422, `no typed fix for: ${noFix.join(", ")}`);
      if (!deps.remediate) return send(reply, 501, "this agent has no remediation engine");
      if (remediating) return send(reply, 409, "a remediation is already running");
      remediating = true;
      try {
        req.log.info({ checks: keys }, "remediation requested");
        const result = await deps.remediate(keys);
        return reply.send({ checks: keys, result: result ?? null });
      } finally {
        remediating = false;
      }
    },
  });

  function resultsByKey(): Map<string, WaivedResult> {
    const m = new Map<string, WaivedResult>();
    for (const r of agent.view()?.results ?? []) m.set(`${r.pack}/${r.id}`, r);
    return m;
  }

  return app;
}

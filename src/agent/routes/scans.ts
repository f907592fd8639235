/** Scans: the latest report in any registered format, the history, and starting a scan (token). */
import type { FastifyInstance } from "fastify";
import { chooseReporter } from "../../report/negotiate.js";
import { errors, requireToken, send, type ApiContext } from "../http.js";

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

export async function scanRoutes(app: FastifyInstance, { agent, token }: ApiContext): Promise<void> {
  app.get("/api/v1/scans/latest", {
    schema: {
      querystring: { type: "object", additionalProperties: false, properties: { format: { type: "string", maxLength: 32 } } },
      response: { 200: { type: "string" }, ...errors(404, 406) },
    },
    handler: async (req, reply) => {
      const view = agent.view();
      if (!view) return send(reply, 404, "no scan has completed yet");
      const { format } = req.query as { format?: string };
      const chosen = chooseReporter(format, req.headers.accept);
      if (!chosen.ok) return send(reply, chosen.status, chosen.message);
      const { reporter } = chosen;
      if (view.id) reply.header("x-nodeward-scan-id", view.id);
      // An API client has no -v: the text table lists every result, not only the failures.
      return reply.header("vary", "Accept").type(reporter.contentType).send(reporter.render(view, { verbose: true }));
    },
  });

  app.get("/api/v1/scans", {
    schema: {
      querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "string", pattern: "^[0-9]{1,3}$" } } },
      response: {
        200: {
          type: "object",
          properties: {
            running: { type: ["object", "null"], properties: { id: { type: "string" }, trigger: { type: "string" }, startedAt: { type: "string" } } },
            scans: { type: "array", items: summarySchema },
          },
        },
      },
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

  app.post("/api/v1/scans", {
    onRequest: requireToken(token),
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
}

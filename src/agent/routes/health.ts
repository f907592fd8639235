/** Liveness and readiness: `/healthz` while the process is up, `/readyz` once a result exists. */
import type { FastifyInstance } from "fastify";
import { QUIET, type ApiContext } from "../http.js";

const readySchema = {
  type: "object",
  properties: {
    ready: { type: "boolean" },
    status: { type: "string" },
    scanning: { type: "boolean" },
    degraded: { type: "array", items: { type: "string" } },
    lastScan: { type: "object", properties: { id: { type: "string" }, startedAt: { type: "string" }, source: { type: "string" } } },
  },
} as const;

export async function healthRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  app.get("/healthz", {
    logLevel: QUIET,
    schema: { response: { 200: { type: "object", properties: { status: { type: "string" } } } } },
    handler: async () => ({ status: "ok" }),
  });

  app.get("/readyz", {
    logLevel: QUIET,
    schema: { response: { "2xx": readySchema, 503: readySchema } },
    handler: async (_req, reply) => {
      const r = agent.readiness();
      return reply.code(r.ready ? 200 : 503).send(r);
    },
  });
}

/** `/metrics`: the Prometheus exposition. */
import type { FastifyInstance } from "fastify";
import { QUIET, type ApiContext } from "../http.js";

export async function metricsRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  app.get("/metrics", {
    logLevel: QUIET,
    schema: { response: { 200: { type: "string" } } },
    handler: async (_req, reply) => {
      agent.refreshMetrics();
      const text = await agent.metrics.render();
      return reply.type(agent.metrics.contentType).send(text);
    },
  });
}

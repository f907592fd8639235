/**
 * `/metrics`: the Prometheus exposition, a cached buffer (plain or gzip, by
 * Accept-Encoding); no schema and no serializer on the way out.
 */
import type { FastifyInstance } from "fastify";
import { QUIET, type ApiContext } from "../http.js";
import { acceptsGzip } from "../metrics.js";

export async function metricsRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  app.get("/metrics", {
    logLevel: QUIET,
    handler: async (req, reply) => {
      agent.refreshMetrics();
      const exp = agent.metrics.exposition();
      reply.header("content-type", agent.metrics.contentType).header("vary", "Accept-Encoding").header("cache-control", "no-store");
      if (acceptsGzip(req.headers["accept-encoding"])) return reply.header("content-encoding", "gzip").send(exp.gzip);
      return reply.send(exp.body);
    },
  });
}

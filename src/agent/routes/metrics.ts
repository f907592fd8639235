/**
 * `/metrics`: the Prometheus exposition, a cached buffer (plain or gzip, by
 * Accept-Encoding); no schema and no serializer on the way out.
 */
import type { FastifyInstance } from "fastify";
import { QUIET, type ApiContext } from "../http.js";
import { gzipWanted } from "../metrics.js";

export async function metricsRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  app.get("/metrics", {
    logLevel: QUIET,
    // Synchronous (no promise per scrape); the Accept-Encoding verdict is cached per header value.
    handler: (req, reply) => {
      agent.refreshMetrics();
      const exp = agent.metrics.exposition();
      reply.header("content-type", agent.metrics.contentType).header("vary", "Accept-Encoding").header("cache-control", "no-store");
      if (gzipWanted(req.headers["accept-encoding"])) reply.header("content-encoding", "gzip").send(exp.gzip);
      else reply.send(exp.body);
    },
  });
}

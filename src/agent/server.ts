/**
 * The agent's HTTP app (fastify), built without listening so tests use `app.inject()`:
 * the shared behaviour — strict JSON bodies, one JSON error shape, a JSON 404 — and the
 * route plugins (routes/: health, metrics, scans, checks, remediations), each registered
 * with the same ApiContext. Every route has a JSON schema; bad input gets a 4xx, never a 5xx.
 */
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { errorSchema, send, type ApiContext } from "./http.js";
import { checkRoutes } from "./routes/checks.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { remediationRoutes } from "./routes/remediations.js";
import { scanRoutes } from "./routes/scans.js";
import { redactUrl } from "../util/redact.js";

export type { RemediateHook } from "./http.js";

export const DEFAULT_BODY_LIMIT = 16 * 1024;

export interface ServerDeps extends ApiContext {
  /** Pino options for fastify's logger, or false. The Authorization header is always redacted. */
  logger?: false | { level?: string; stream?: NodeJS.WritableStream };
  https?: { cert: string | Buffer; key: string | Buffer } | undefined;
  bodyLimit?: number;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
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
            // A ?token= query string must not reach the request log (issue 19).
            serializers: {
              req: (req: { method?: string; url?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
                method: req.method,
                url: redactUrl(req.url ?? ""),
                host: req.hostname,
                remoteAddress: req.ip,
                remotePort: req.socket?.remotePort,
              }),
            },
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

  const ctx: ApiContext = { agent: deps.agent, token: deps.token, remediate: deps.remediate };
  for (const plugin of [healthRoutes, metricsRoutes, scanRoutes, checkRoutes, remediationRoutes]) void app.register(plugin, ctx);
  return app;
}

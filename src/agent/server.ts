/**
 * The agent's HTTP app (fastify), built without listening so tests use `app.inject()`:
 * the shared behaviour — access rules, strict JSON bodies, one JSON error shape, a JSON
 * 404, timeouts — and the route plugins (routes/: health, metrics, scans, checks,
 * remediations), each registered with the same ApiContext. Every route has a JSON
 * schema; bad input gets a 4xx, never a 5xx.
 *
 * Access, checked before anything else on every request:
 *   1. Host allowlist (DNS rebinding): IP literals, localhost, configured names; else 403;
 *   2. `readsNeedToken` (the agent listens off loopback): every route but /healthz,
 *      /readyz and /metrics needs the token; mutating routes always need it.
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance } from "fastify";
import { cachedHostCheck, errorSchema, OPEN_ROUTES, requireToken, send, takeQueryToken, type ApiContext } from "./http.js";
import type { Log } from "./log.js";
import { gzipWanted } from "./metrics.js";
import { checkRoutes } from "./routes/checks.js";
import { driftRoutes } from "./routes/drift.js";
import { installFastPath } from "./fast-path.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { remediationRoutes } from "./routes/remediations.js";
import { scanRoutes } from "./routes/scans.js";
import { uiRoutes } from "./routes/ui.js";

export type { RemediateHook } from "./http.js";

export const DEFAULT_BODY_LIMIT = 16 * 1024;

/**
 * Connection limits. A client gets `headersMs` to send its headers and `requestMs` for
 * the whole request; a connection with no traffic for `idleMs` (one that never sent a
 * byte, a half-open one whose peer vanished) is closed, an idle keep-alive connection
 * after `keepAliveMs`. Past `maxConnections` new connections are closed at once, so
 * file descriptors run out for no one.
 */
export interface HttpLimits {
  headersMs: number;
  requestMs: number;
  idleMs: number;
  keepAliveMs: number;
  maxConnections: number;
}

export const DEFAULT_LIMITS: HttpLimits = { headersMs: 5_000, requestMs: 10_000, idleMs: 15_000, keepAliveMs: 5_000, maxConnections: 256 };

export interface ServerDeps extends ApiContext {
  /** The agent's logger (fastify logs through it), or false for none. */
  logger?: false | Log;
  https?: { cert: string | Buffer; key: string | Buffer } | undefined;
  bodyLimit?: number;
  /** Every route but /healthz, /readyz and /metrics needs the token (set when listening off loopback). */
  readsNeedToken?: boolean;
  /** Host names accepted besides IP literals and localhost. */
  allowedHosts?: readonly string[];
  limits?: Partial<HttpLimits>;
  /** Called for every request, first (the idle collector counts them). */
  onRequest?: () => void;
  /** Answer plain GET /metrics and /healthz before node:http and fastify (default: on, except over TLS). */
  fastPath?: boolean;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const app = Fastify({
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(deps.https ? { https: deps.https } : {}),
    ...(deps.logger ? { loggerInstance: deps.logger.asFastifyLogger() } : { logger: false }),
    // Request lines are not logged (refusals and failures are, by the hooks below).
    logController: new LogController({ disableRequestLogging: true }),
    connectionTimeout: limits.idleMs,
    keepAliveTimeout: limits.keepAliveMs,
    requestTimeout: limits.requestMs,
    // Strict bodies: fastify's default Ajv silently *removes* unknown keys, which would
    // let `{"checks": [...], "command": "..."}` through; we want it refused.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
  });
  app.addSchema(errorSchema);
  app.server.headersTimeout = limits.headersMs;
  app.server.maxConnections = limits.maxConnections;
  // How often Node checks the header and request deadlines (default 30 s).
  const checkingInterval = Math.max(100, Math.min(1000, limits.headersMs / 2));
  (app.server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = checkingInterval;

  const hostOk = cachedHostCheck(deps.allowedHosts ?? []);
  const tokenHook = requireToken(deps.token);
  const onRequest = deps.onRequest;
  // A callback hook, not an async one: no promise per request on the scrape path.
  app.addHook("onRequest", (req, reply, done) => {
    onRequest?.();
    takeQueryToken(req);
    const allowed = hostOk(req.headers.host);
    if (!allowed) {
      req.log.warn({ host: String(req.headers.host ?? "").slice(0, 100) }, "refused: Host not allowed (add it to allowedHosts)");
      send(reply, 403, `Host "${String(req.headers.host ?? "").slice(0, 100)}" is not served here; use an IP address, localhost or a name listed in allowedHosts`);
      return;
    }
    if (deps.readsNeedToken && !OPEN_ROUTES.has(req.routeOptions.url ?? "")) {
      // A refusal was sent (the hook returned the reply): the request goes no further.
      tokenHook(req, reply).then((sent) => (sent === undefined ? done() : undefined), done);
      return;
    }
    done();
  });

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

  // Plain scrapes and liveness probes are answered before node:http and fastify (fast-path.ts); not over TLS.
  if (!deps.https && deps.fastPath !== false) {
    const agent = deps.agent;
    const fast = installFastPath(app.server, {
      exposition: () => {
        agent.refreshMetrics();
        return agent.metrics.exposition();
      },
      contentType: agent.metrics.contentType,
      hostAllowed: hostOk,
      gzipWanted,
      onRequest,
      headersMs: limits.headersMs,
      keepAliveMs: limits.keepAliveMs,
      idleMs: limits.idleMs,
      checkMs: checkingInterval,
    });
    app.decorate("fastPath", fast);
    app.addHook("preClose", (done) => {
      fast.close();
      done();
    });
  }

  const ctx: ApiContext = { agent: deps.agent, token: deps.token, remediate: deps.remediate, drift: deps.drift };
  for (const plugin of [healthRoutes, metricsRoutes, scanRoutes, checkRoutes, remediationRoutes, uiRoutes, driftRoutes]) void app.register(plugin, ctx);
  return app;
}

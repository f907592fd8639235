/**
 * The read-only node dashboard: `GET /ui` (overview; filters as query strings),
 * `/ui/checks/:pack/:id`, `/ui/errors`, the one stylesheet, and `GET /` → /ui. Pages are
 * rendered on the server (ui/pages.ts) from the agent's latest report; no script runs.
 * Access is the API's (the app's hooks: Host allowlist, token when reads need one).
 * Every /ui response — pages, the stylesheet, 404s and 400s — carries UI_HEADERS. Nothing
 * here changes anything: any other method on /ui/* is 405, and actions are shown as
 * commands to run on the node.
 */
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply } from "fastify";
import { nodewardVersion } from "../../paths.js";
import type { Agent } from "../agent.js";
import type { CatalogEntry } from "../catalog.js";
import { parseListen } from "../config.js";
import { nextRun, parseCron } from "../cron.js";
import type { ApiContext } from "../http.js";
import { acceptsGzip } from "../metrics.js";
import { checkPage, errorsPage, messagePage, overviewPage, parseFilter, type CheckInfo, type UiData } from "../ui/pages.js";
import { UI_CSS, UI_CSS_PATH } from "../ui/style.js";

/** Sent on every /ui response. The CSP admits the agent's own stylesheet and nothing else: no script at all. */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const HTML = "text/html; charset=utf-8";
const DEFAULT_STALE_MS = 12 * 3600_000;

/** A schedule's interval, recomputed once a minute (an hourly, daily or irregular schedule's next two runs move). */
const intervals = new Map<string, { ms: number | undefined; until: number }>();

/** The interval between the schedule's next two runs, or undefined for an unusable expression. */
export function scheduleIntervalMs(expr: string): number | undefined {
  const hit = intervals.get(expr);
  if (hit && hit.until > Date.now()) return hit.ms;
  const ms = intervalOf(expr);
  intervals.set(expr, { ms, until: Date.now() + 60_000 });
  return ms;
}

function intervalOf(expr: string): number | undefined {
  const schedule = parseCron(expr);
  if (!schedule) return undefined;
  const a = nextRun(schedule, new Date());
  const b = a && nextRun(schedule, a);
  return a && b ? b.getTime() - a.getTime() : undefined;
}

/** The drift setting when the agent's config has one (`drift: true` or `drift: {enabled: …}`). */
function driftSetting(config: object): boolean | undefined {
  const d: unknown = Object.hasOwn(config, "drift") ? (config as { drift?: unknown }).drift : undefined;
  if (typeof d === "boolean") return d;
  if (d !== null && typeof d === "object" && typeof (d as { enabled?: unknown }).enabled === "boolean") return (d as { enabled: boolean }).enabled;
  return undefined;
}

/** Where a person on the node reaches the API (a wildcard listen address means loopback). */
function apiBase(agent: Agent): string {
  const a = parseListen(agent.config.listen);
  const scheme = agent.config.tls ? "https" : "http";
  if (!a) return `${scheme}://127.0.0.1:9850`;
  const host = a.host === "0.0.0.0" ? "127.0.0.1" : a.host === "::" ? "::1" : a.host;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${a.port}`;
}

/** The catalog by check key (a page looks up each check it shows; the catalog is fixed for the agent's life). */
const byKey = new WeakMap<readonly CatalogEntry[], Map<string, CatalogEntry>>();
function catalogByKey(catalog: readonly CatalogEntry[]): Map<string, CatalogEntry> {
  let m = byKey.get(catalog);
  if (!m) byKey.set(catalog, (m = new Map(catalog.map((c) => [c.key, c]))));
  return m;
}

export function uiData(agent: Agent, now = agent.now()): UiData {
  const interval = scheduleIntervalMs(agent.config.schedule);
  const readiness = agent.readiness();
  const running = agent.scheduler.running;
  return {
    now,
    agentVersion: nodewardVersion(),
    view: agent.view(),
    history: agent.history(),
    running: running ? { id: running.id, trigger: running.trigger, startedAt: running.startedAt.toISOString() } : undefined,
    profile: agent.config.profile,
    schedule: agent.config.schedule,
    staleAfterMs: interval !== undefined ? 2 * interval : DEFAULT_STALE_MS,
    drift: driftSetting(agent.config),
    root: agent.config.root,
    tokenFile: agent.config.tokenFile,
    apiBase: apiBase(agent),
    loadErrors: agent.loadErrors,
    // Pack problems are listed from loadErrors; the rest of readiness's reasons here.
    degraded: readiness.degraded.filter((m) => !agent.loadErrors.includes(m) && !/check pack problem\(s\)/.test(m)),
    failingSince: agent.failingSince(),
    previews: agent.previews(),
    checkInfo: (key) => {
      const c = catalogByKey(agent.catalog()).get(key);
      if (!c) return undefined;
      const slash = key.indexOf("/");
      const pack = key.slice(0, slash);
      const benchmark = agent.view()?.packs.find((p) => p.id === pack)?.benchmark ?? pack;
      const info: CheckInfo = { key, pack, id: c.id, title: c.title, benchmark, severity: c.severity };
      if (c.level !== undefined) info.level = c.level;
      if (c.description) info.description = c.description;
      if (c.rationale) info.rationale = c.rationale;
      if (c.remediation) info.remediation = c.remediation;
      if (c.fix) info.fix = c.fix;
      return info;
    },
  };
}

/** A rendered page as bytes, and gzipped the first time a client asks for that. */
export class CachedPage {
  readonly body: Buffer;
  private zipped: Buffer | undefined;
  constructor(html: string) {
    this.body = Buffer.from(html, "utf8");
  }
  gzip(): Buffer {
    return (this.zipped ??= gzipSync(this.body, { level: 6 }));
  }
}

/**
 * Rendered overviews of the current second: a page shows ages in seconds, so within one
 * second the same scan, history and running scan give the same bytes. A refresh storm (a
 * wall screen, people reloading during an incident) renders each filter once a second,
 * encodes it once and gzips it once; a request then only writes bytes (an 89 KB overview
 * is ~10 KB gzipped), which keeps the event loop free for /metrics.
 */
export class PageCache {
  private readonly pages = new Map<string, CachedPage>();
  constructor(private readonly max = 16) {}

  get(key: string, render: () => string): CachedPage {
    const hit = this.pages.get(key);
    if (hit !== undefined) return hit;
    const page = new CachedPage(render());
    if (this.pages.size >= this.max) this.pages.clear();
    this.pages.set(key, page);
    return page;
  }
}

/** What an overview depends on besides its filter, to the second. */
export function stateKey(agent: Agent, now = Date.now()): string {
  const v = agent.view();
  const h = agent.history();
  const run = agent.scheduler.running;
  return [Math.floor(now / 1000), v?.id ?? "-", h.length, h[0]?.id ?? "-", run?.id ?? "-", agent.readiness().status, agent.loadErrors.length].join("|");
}

const listOf = (max: number) => ({
  anyOf: [
    { type: "string", maxLength: 100 },
    { type: "array", maxItems: max, items: { type: "string", maxLength: 20 } },
  ],
});
const idParam = { type: "string", minLength: 1, maxLength: 200 } as const;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type(HTML).send(body);
}

export async function uiRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  const pages = new PageCache();
  app.get("/", async (_req, reply) => reply.code(302).header("location", "/ui").header("cache-control", "no-store").send());

  await app.register(
    async (ui) => {
      ui.addHook("onSend", async (_req, reply, payload) => {
        reply.headers(UI_HEADERS);
        return payload;
      });

      // Bad input here is a page too, in the same frame and with the same headers.
      ui.setErrorHandler(async (err: { statusCode?: number; validation?: unknown; message: string }, req, reply) => {
        const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status >= 500) req.log.error({ err }, "ui request failed");
        const message = status >= 500 ? "The page could not be rendered; the agent's log says why." : err.validation ? `This address has a parameter the page does not take: ${err.message}` : err.message;
        return html(reply, status, messagePage(uiData(agent), status >= 500 ? "Internal error" : "Bad request", message));
      });

      ui.setNotFoundHandler(async (req, reply) => {
        if (req.method !== "GET" && req.method !== "HEAD") {
          return html(reply.header("allow", "GET, HEAD"), 405, messagePage(uiData(agent), "Method not allowed", "The dashboard is read-only: it answers GET only. Actions are commands to run on the node."));
        }
        return html(reply, 404, messagePage(uiData(agent), "Not found", `Nothing at ${req.url.split("?")[0] ?? "/ui"}.`));
      });

      ui.get("/", {
        schema: {
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: { status: listOf(5), severity: listOf(5), pack: { type: "string", maxLength: 200 }, q: { type: "string", maxLength: 200 } },
          },
        },
        handler: async (req, reply) => {
          const filter = parseFilter(req.query as Parameters<typeof parseFilter>[0]);
          const page = pages.get(`${stateKey(agent)}|${JSON.stringify(filter)}`, () => overviewPage(uiData(agent), filter));
          reply.header("vary", "accept-encoding");
          if (acceptsGzip(req.headers["accept-encoding"])) return reply.code(200).type(HTML).header("content-encoding", "gzip").send(page.gzip());
          return reply.code(200).type(HTML).send(page.body);
        },
      });

      ui.get("/errors", { schema: { querystring: { type: "object", additionalProperties: false, properties: {} } } }, async (_req, reply) =>
        html(reply, 200, errorsPage(uiData(agent))),
      );

      ui.get("/checks/:pack/:id", {
        schema: {
          params: { type: "object", required: ["pack", "id"], properties: { pack: idParam, id: idParam } },
          querystring: { type: "object", additionalProperties: false, properties: {} },
        },
        handler: async (req, reply) => {
          const { pack, id } = req.params as { pack: string; id: string };
          const d = uiData(agent);
          const body = checkPage(d, pack, id);
          return body ? html(reply, 200, body) : html(reply, 404, messagePage(d, "Not found", `This agent runs no check ${pack}/${id}.`));
        },
      });

      ui.get(UI_CSS_PATH.slice("/ui".length), async (_req, reply) => reply.code(200).type("text/css; charset=utf-8").send(UI_CSS));
    },
    { prefix: "/ui" },
  );
}

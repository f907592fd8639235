/** The check catalog with each check's latest result. */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { CheckResult } from "../../engine/result.js";
import { STATUSES } from "../../model/vocabulary.js";
import type { Agent } from "../agent.js";
import type { CatalogEntry } from "../catalog.js";
import { errors, send, type ApiContext } from "../http.js";

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

const detailSchema = {
  response: {
    200: { type: "object", additionalProperties: true, properties: { ...checkSummarySchema.properties, result: { type: ["object", "null"], additionalProperties: true } } },
    ...errors(404, 409),
  },
} as const;

const idParam = { type: "string", minLength: 1, maxLength: 200 } as const;

function summary(c: CatalogEntry): Record<string, unknown> {
  return {
    key: c.key,
    id: c.id,
    pack: c.pack,
    benchmark: c.benchmark,
    title: c.title,
    severity: c.severity,
    ...(c.level !== undefined ? { level: c.level } : {}),
    manual: c.manual,
    ...(c.fix ? { fix: c.fix } : {}),
  };
}

function resultsByKey(agent: Agent): Map<string, CheckResult> {
  const m = new Map<string, CheckResult>();
  for (const r of agent.view()?.results ?? []) m.set(`${r.pack}/${r.id}`, r);
  return m;
}

export async function checkRoutes(app: FastifyInstance, { agent }: ApiContext): Promise<void> {
  app.get("/api/v1/checks", {
    schema: {
      querystring: {
        type: "object",
        additionalProperties: false,
        properties: { status: { type: "string", enum: [...STATUSES] }, benchmark: { type: "string", maxLength: 200 } },
      },
      response: { 200: { type: "object", properties: { scanId: { type: ["string", "null"] }, checks: { type: "array", items: checkSummarySchema } } } },
    },
    handler: async (req) => {
      const { status, benchmark } = req.query as { status?: string; benchmark?: string };
      const results = resultsByKey(agent);
      const checks = agent
        .catalog()
        .filter((c) => benchmark === undefined || c.pack === benchmark)
        .map((c) => {
          const r = results.get(c.key);
          return { ...summary(c), ...(r ? { status: r.status, waived: r.waiver !== undefined } : {}) };
        })
        .filter((c) => status === undefined || c.status === status);
      return { scanId: agent.latest?.id ?? null, checks };
    },
  });

  const checkDetail = async (key: string, reply: FastifyReply) => {
    const found = agent.findChecks(key);
    if (found.length === 0) return send(reply, 404, `unknown check "${key}"`);
    if (found.length > 1) return send(reply, 409, `check id "${key}" is in several packs (${found.map((c) => c.key).join(", ")}); ask for /api/v1/checks/<pack>/<id>`);
    const c = found[0] as CatalogEntry;
    const result = resultsByKey(agent).get(c.key);
    return reply.send({
      ...summary(c),
      ...(c.description ? { description: c.description } : {}),
      ...(c.rationale ? { rationale: c.rationale } : {}),
      references: c.references,
      ...(c.remediation ? { remediation: c.remediation } : {}),
      tags: c.tags,
      result: result ?? null,
    });
  };

  app.get("/api/v1/checks/:id", {
    schema: { params: { type: "object", required: ["id"], properties: { id: idParam } }, ...detailSchema },
    handler: async (req, reply) => checkDetail((req.params as { id: string }).id, reply),
  });

  app.get("/api/v1/checks/:pack/:id", {
    schema: { params: { type: "object", required: ["pack", "id"], properties: { pack: idParam, id: idParam } }, ...detailSchema },
    handler: async (req, reply) => {
      const p = req.params as { pack: string; id: string };
      return checkDetail(`${p.pack}/${p.id}`, reply);
    },
  });
}

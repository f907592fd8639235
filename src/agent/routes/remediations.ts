/**
 * `POST /api/v1/remediations`: token, `remediation.allowApi: true`, and only check ids of
 * checks with a typed fix; the hook (serve.ts: a request file for the privileged
 * nodeward-remediate unit) acts on them — never on anything else a body describes.
 */
import type { FastifyInstance } from "fastify";
import type { CatalogEntry } from "../catalog.js";
import { errors, requireToken, send, type ApiContext } from "../http.js";

export async function remediationRoutes(app: FastifyInstance, { agent, token, remediate }: ApiContext): Promise<void> {
  let remediating = false;
  app.post("/api/v1/remediations", {
    onRequest: [
      requireToken(token),
      async (_req, reply) => {
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
        else if (!(found[0] as CatalogEntry).fix) noFix.push((found[0] as CatalogEntry).key);
        else keys.push((found[0] as CatalogEntry).key);
      }
      if (unknown.length > 0) return send(reply, 404, `unknown check(s): ${unknown.join(", ")}`);
      if (ambiguous.length > 0) return send(reply, 409, `ambiguous check id(s), use <pack>/<id>: ${ambiguous.join("; ")}`);
      if (noFix.length > 0) return send(reply, 422, `no typed fix for: ${noFix.join(", ")}`);
      if (!remediate) return send(reply, 501, "this agent has no remediation engine");
      if (remediating) return send(reply, 409, "a remediation is already running");
      remediating = true;
      try {
        req.log.info({ checks: keys }, "remediation requested");
        const result = await remediate(keys);
        return reply.send({ checks: keys, result: result ?? null });
      } finally {
        remediating = false;
      }
    },
  });
}

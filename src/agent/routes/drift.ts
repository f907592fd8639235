/** Drift: the recent changes the agent re-checked and the checks they flipped, and what it follows. */
import type { FastifyInstance } from "fastify";
import { errors, send, type ApiContext } from "../http.js";

const change = { type: "object", properties: { key: { type: "string" }, from: { type: ["string", "null"] }, to: { type: "string" } } } as const;

const eventSchema = {
  type: "object",
  properties: {
    at: { type: "string" },
    source: { type: "string" },
    cause: { type: "string" },
    rechecked: { type: "integer" },
    changes: { type: "array", items: change },
    detectionMs: { type: "number" },
    stages: {
      type: "object",
      properties: Object.fromEntries(["seenMs", "waitMs", "recheckMs", "startMs", "loadMs", "checkMs", "roundTripMs", "mergeMs"].map((k) => [k, { type: "number" }])),
    },
  },
} as const;

const driftSchema = {
  type: "object",
  properties: {
    watching: { type: "boolean" },
    settings: { type: "object", properties: { debounceMs: { type: "number" }, maxDelayMs: { type: "number" }, pollIntervalMs: { type: "number" }, safetyNetIntervalMs: { type: "number" } } },
    plan: { type: "object", properties: { facts: { type: "integer" }, checks: { type: "integer" }, directories: { type: "integer" }, names: { type: "integer" }, polls: { type: "integer" } } },
    watches: {
      type: "object",
      properties: {
        inotify: { type: "integer" },
        watched: { type: "integer" },
        waiting: { type: "array", items: { type: "object", properties: { dir: { type: "string" }, ancestor: { type: "string" } } } },
        polled: { type: "array", items: { type: "object", properties: { dir: { type: "string" }, reason: { type: "string" } } } },
      },
    },
    safetyNetOnly: {
      type: "array",
      items: { type: "object", properties: { fact: { type: "string" }, probe: { type: "string" }, why: { type: "array", items: { type: "string" } }, checks: { type: "array", items: { type: "string" } } } },
    },
    lastSweep: { type: "object", properties: { at: { type: "string" }, durationMs: { type: "number" }, found: { type: "integer" } } },
    sweeping: { type: "boolean" },
    pending: { type: "integer" },
    rechecking: { type: "boolean" },
    rechecks: { type: "integer" },
    events: { type: "array", items: eventSchema },
  },
} as const;

export async function driftRoutes(app: FastifyInstance, { drift }: ApiContext): Promise<void> {
  app.get("/api/v1/events", {
    schema: {
      querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "string", pattern: "^[0-9]{1,3}$" } } },
      response: { 200: driftSchema, ...errors(404) },
    },
    handler: async (req, reply) => {
      if (!drift) return send(reply, 404, "drift is off (config drift.enabled: false, or serve --no-drift)");
      const { limit } = req.query as { limit?: string };
      return drift.status(limit === undefined ? 50 : Math.max(1, Number(limit)));
    },
  });
}

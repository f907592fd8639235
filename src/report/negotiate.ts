/**
 * Content negotiation over the reporter registry: which reporter answers an HTTP
 * `Accept` header (or a `?format=` name). It lives with the reporters so a new reporter
 * is offered by the API without touching the agent.
 */
import { getReporter, reporters } from "./index.js";
import type { Reporter } from "./types.js";

interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [{ type: "*/*", q: 1 }];
  return accept
    .split(",")
    .map((part, i) => {
      const [type = "", ...params] = part.trim().split(";").map((s) => s.trim());
      const q = params.find((p) => p.startsWith("q="));
      return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type !== "" && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
}

/** Generic XML asks mean JUnit, the one XML report a CI server reads. */
const ALIASES: Record<string, string> = { "application/xml": "junit", "text/xml": "junit" };

/**
 * Pick a registered reporter for an Accept header: JSON for `*∕*` or no header, then
 * the first reporter (registry order) whose content type matches a range, by q.
 */
export function negotiateReporter(accept: string | undefined, available: readonly Reporter[] = Object.values(reporters)): Reporter | undefined {
  const byName = new Map(available.map((r) => [r.name, r]));
  const json = byName.get("json");
  for (const range of parseAccept(accept)) {
    if (range.type === "*/*" || range.type === "application/*") {
      if (json) return json;
    }
    const alias = ALIASES[range.type];
    if (alias && byName.has(alias)) return byName.get(alias);
    const hit = available.find((r) => {
      const base = (r.contentType.split(";")[0] ?? "").trim().toLowerCase();
      if (base === range.type) return true;
      return range.type.endsWith("/*") && base.startsWith(range.type.slice(0, -1));
    });
    if (hit) return hit;
  }
  return undefined;
}

export type Negotiated = { ok: true; reporter: Reporter } | { ok: false; status: 400 | 406; message: string };

/** `?format=NAME` wins over `Accept`; an unknown name is 400, an unmet Accept 406, each listing what is offered. */
export function chooseReporter(format: string | undefined, accept: string | undefined): Negotiated {
  const reporter = format !== undefined ? getReporter(format) : negotiateReporter(accept);
  if (reporter) return { ok: true, reporter };
  const offered = Object.values(reporters)
    .map((r) => `${r.name} (${r.contentType.split(";")[0]})`)
    .join(", ");
  return format !== undefined
    ? { ok: false, status: 400, message: `unknown format "${format}"; available: ${offered}` }
    : { ok: false, status: 406, message: `cannot produce ${accept ?? "that"}; available: ${offered}` };
}

/** The reporter registry, shared by `scan --format` and the API's content negotiation. */
import { jsonReporter } from "./json.js";
import { tableReporter } from "./table.js";
import type { Reporter } from "./types.js";

export const reporters = {
  table: tableReporter,
  json: jsonReporter,
} as const satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof reporters;

export function getReporter(name: string): Reporter | undefined {
  return Object.hasOwn(reporters, name) ? reporters[name as ReporterName] : undefined;
}

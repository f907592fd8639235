/** The reporter registry, shared by `scan --format` and the API's content negotiation. */
import { htmlReporter } from "./html.js";
import { jsonReporter } from "./json.js";
import { junitReporter } from "./junit.js";
import { prometheusReporter } from "./prometheus.js";
import { sarifReporter } from "./sarif.js";
import { tableReporter } from "./table.js";
import type { Reporter } from "./types.js";

export const reporters = {
  table: tableReporter,
  json: jsonReporter,
  junit: junitReporter,
  sarif: sarifReporter,
  html: htmlReporter,
  prometheus: prometheusReporter,
} as const satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof reporters;

export function getReporter(name: string): Reporter | undefined {
  return Object.hasOwn(reporters, name) ? reporters[name as ReporterName] : undefined;
}

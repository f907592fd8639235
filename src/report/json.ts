import { prettyJsonChunks } from "../util/json-chunks.js";
import type { Reporter } from "./types.js";

/**
 * Version of the JSON report's shape (docs/report-json.md). It goes up when a field is
 * removed, renamed or changes meaning; new fields keep it.
 */
export const JSON_SCHEMA_VERSION = 1;

/** The full report: host inventory, pack versions, every result with its evidence. */
export const jsonReporter: Reporter = {
  name: "json",
  contentType: "application/json",
  extension: "json",
  render: (report) => JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...report }, null, 2) + "\n",
  *renderChunks(report) {
    yield* prettyJsonChunks({ schemaVersion: JSON_SCHEMA_VERSION, ...report }, "results");
    yield "\n";
  },
};

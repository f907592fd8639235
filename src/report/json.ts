import type { Reporter } from "./types.js";

/** The full report: host inventory, pack versions, every result with its evidence. */
export const jsonReporter: Reporter = {
  name: "json",
  contentType: "application/json",
  extension: "json",
  render: (report) => JSON.stringify(report, null, 2) + "\n",
};

import type { CheckResult, ScanReport } from "../engine/result.js";

export interface RenderOptions {
  /** ANSI colors (the CLI sets this when writing to a TTY). */
  color?: boolean;
  /** Table: also list manual, skipped and passed checks (`scan -v`). */
  verbose?: boolean;
  /** Table: cut lines to this many columns (the terminal's width). */
  width?: number;
  /**
   * Table without `verbose`: the most lines the whole output may take (default 200). Failures
   * and errors get less detail, then are grouped by section, until they fit.
   */
  maxLines?: number;
}

/** An accepted exception (`scan --waivers`, the agent's waivers): the status stays as observed. */
export interface ResultWaiver {
  reason: string;
  expires: string;
}

/** A result as reporters may receive it: with the waiver that covers it, and where its check is defined. */
export type ReportedResult = CheckResult & { waiver?: ResultWaiver; source?: { file: string; line: number } };

/** A reporter renders a finished scan; it never decides pass or fail. */
export interface Reporter {
  name: string;
  /** MIME type for the API's content negotiation. */
  contentType: string;
  /** Suggested file extension for --output. */
  extension: string;
  render(report: ScanReport, options?: RenderOptions): string;
  /**
   * The same text as `render`, in pieces, for a large report written to a file (`scan -o`):
   * it is never one string in memory.
   */
  renderChunks?(report: ScanReport, options?: RenderOptions): Iterable<string>;
}

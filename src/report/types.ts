import type { ScanReport } from "../engine/result.js";

export interface RenderOptions {
  /** ANSI colors (the CLI sets this when writing to a TTY). */
  color?: boolean;
}

/** A reporter renders a finished scan; it never decides pass or fail. */
export interface Reporter {
  name: string;
  /** MIME type for the API's content negotiation. */
  contentType: string;
  /** Suggested file extension for --output. */
  extension: string;
  render(report: ScanReport, options?: RenderOptions): string;
}

/**
 * One catalogue of nodeward's errors, with stable codes (fastify's FST_ERR_* model).
 * Load-time problems fail fast; scan-time problems become `error` results with the
 * message as the reason, and the scan goes on.
 */
export const ErrorCodes = {
  PACK_YAML: "NODEWARD_ERR_PACK_YAML",
  PACK_INVALID: "NODEWARD_ERR_PACK_INVALID",
  PACK_DUPLICATE_ID: "NODEWARD_ERR_PACK_DUPLICATE_ID",
  PACK_READ: "NODEWARD_ERR_PACK_READ",
  PATH_ESCAPE: "NODEWARD_ERR_PATH_ESCAPE",
  PATH_INVALID: "NODEWARD_ERR_PATH_INVALID",
  FILE_TOO_LARGE: "NODEWARD_ERR_FILE_TOO_LARGE",
  FILE_NOT_REGULAR: "NODEWARD_ERR_FILE_NOT_REGULAR",
  /** A path exists but cannot be read or listed (EACCES, an LSM, a sandbox): a fact not observed. */
  UNREADABLE: "NODEWARD_ERR_UNREADABLE",
  PROBE_FAILED: "NODEWARD_ERR_PROBE_FAILED",
  PROBE_TIMEOUT: "NODEWARD_ERR_PROBE_TIMEOUT",
  COMMAND_FAILED: "NODEWARD_ERR_COMMAND_FAILED",
  COMMAND_NOT_FOUND: "NODEWARD_ERR_COMMAND_NOT_FOUND",
  COMMAND_TIMEOUT: "NODEWARD_ERR_COMMAND_TIMEOUT",
  PARSE: "NODEWARD_ERR_PARSE",
  USAGE: "NODEWARD_ERR_USAGE",
  CONFIG: "NODEWARD_ERR_CONFIG",
  /** A value outside its union reached a switch (a bug, or data from an incompatible version). */
  UNREACHABLE: "NODEWARD_ERR_UNREACHABLE",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class NodewardError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NodewardError";
    this.code = code;
  }
}

export function isNodewardError(e: unknown): e is NodewardError {
  return e instanceof NodewardError;
}

/** A short, single-line description of any thrown value, for results and logs. */
export function describeError(e: unknown): string {
  if (e instanceof NodewardError) return e.message;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

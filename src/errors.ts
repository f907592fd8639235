/**
 * One catalogue of nodeward's errors (fastify's FST_ERR_* model): every error nodeward
 * throws has a stable code from CODES, and the messages that repeat have a template in
 * MESSAGES (`nodewardError(id, params)` fills it in). docs/errors.md is generated from
 * this file (`npm run docs`) and test/unit/errors.test.ts keeps the code in step with it:
 * every code is used, no class or `throw` in src/ goes without a code.
 *
 * Load-time problems fail fast; scan-time problems become `error` results with the
 * message as the reason, and the scan goes on.
 */

/** Every code, with what it means and what to do about it (the text of docs/errors.md). */
export const CODES = {
  PACK_YAML: "A pack file is not valid YAML. The message gives file:line:col.",
  PACK_INVALID:
    "A pack, profile or expectation does not follow the pack schema (a missing field, an unknown probe, matcher or fix, a regex RE2 refuses). The message gives file:line:col and the path inside the check.",
  PACK_DUPLICATE_ID: "Two checks of one pack (or two packs) share an id.",
  PACK_READ: "A pack file or directory could not be read (missing, permissions).",
  PATH_ESCAPE:
    "A path, once its symbolic links are resolved, leaves the scanned root (--root) or the procfs (--proc). nodeward refuses to follow it rather than read the host it runs on; the fact is `error`.",
  PATH_INVALID: "A path is not absolute, holds a NUL byte or loops through symbolic links.",
  FILE_TOO_LARGE: "A file is over the read limit for its kind; the fact is `error`, never a partial read.",
  FILE_NOT_REGULAR: "A path that should be a regular file is a directory, device, FIFO or socket, or changed while it was opened.",
  UNREADABLE:
    "A path exists but cannot be read or listed (EACCES, an LSM, a sandbox, a mount namespace hiding it): the fact was not observed, so the check is `error`.",
  PROBE_FAILED: "A probe could not produce its fact (its parameters, or a file it needs, are unusable); the check is `error`.",
  PROBE_TIMEOUT: "A probe gave no answer within the probe timeout; its checks are `error` and the scan goes on.",
  COMMAND_FAILED: "A command a check runs did not exit normally, or printed more than its output limit.",
  COMMAND_NOT_FOUND: "A command a check runs is not installed on the scanned system.",
  COMMAND_TIMEOUT: "A command a check runs did not finish within its timeout; it was killed.",
  PARSE: "A host file in a binary or structured format (the rpm database, an rpm header, sshd_config Includes) could not be parsed.",
  DBUS: "The scanned system's systemd could not be asked over D-Bus (no bus, access denied, an error reply).",
  USAGE: "The command line is wrong (an unknown flag or value, a typo); exit status 2, with a suggestion when one is close.",
  CONFIG: "The agent's configuration file is invalid. The message gives file:line:col for each problem.",
  FIX_REFUSED: "A typed fix will not plan a change for this check (the target is unsafe, ambiguous or managed elsewhere); the check is left as it is.",
  CHANGE_FAILED: "A remediation step could not be applied or rolled back (the file changed since it was planned, a write failed).",
  REMEDIATION_STATE:
    "The remediation store (runs, journal, backups) is missing, corrupt or unwritable; the message names the file.",
  REMEDIATION_LOCKED: "Another nodeward remediation or rollback holds the lock.",
  SCAN_PROCESS: "The agent's scan child process answered out of protocol (a bug, or mismatched nodeward versions).",
  UNREACHABLE: "A value outside its union reached a switch (a bug, or data from an incompatible version).",
} as const;

export type ErrorName = keyof typeof CODES;

export const ErrorCodes = Object.fromEntries(Object.keys(CODES).map((k) => [k, `NODEWARD_ERR_${k}`])) as {
  readonly [K in ErrorName]: `NODEWARD_ERR_${K}`;
};

export type ErrorCode = (typeof ErrorCodes)[ErrorName];

/**
 * The messages that more than one place (or one place often) throws, as templates:
 * `{name}` is filled from the params. A message composed by its own formatter (zod
 * issues, did-you-mean, a parser's reason) is thrown with its code and no template.
 */
export const MESSAGES = {
  PATH_NOT_ABSOLUTE: { code: "PATH_INVALID", template: "path must be absolute: {path}" },
  GLOB_NOT_ABSOLUTE: { code: "PATH_INVALID", template: "glob must be absolute: {pattern}" },
  PATH_NUL: { code: "PATH_INVALID", template: "path contains a NUL byte: {path}" },
  PROC_PATH_NUL: { code: "PATH_INVALID", template: "proc path contains a NUL byte: {path}" },
  SYMLINK_LOOP: { code: "PATH_INVALID", template: "too many levels of symbolic links (a symlink loop?) resolving {path}" },
  PATH_CLIMBS: { code: "PATH_ESCAPE", template: "path {path} climbs above {where}" },
  SYMLINK_OUTSIDE: { code: "PATH_ESCAPE", template: "symlink {link} -> {target} points outside {where}" },
  PROC_PATH_LEAVES: { code: "PATH_ESCAPE", template: "proc path {path} leaves {proc}" },
  PROC_MAGIC_LINK: { code: "PATH_ESCAPE", template: "/proc/{path} is a link to a file anywhere on the host: it is read as a link, never followed" },
  HIDDEN: { code: "UNREADABLE", template: "{path} is hidden from nodeward: {why}" },
  CANNOT_LIST: { code: "UNREADABLE", template: "cannot list {dir} to expand {pattern}: {reason}" },
  IS_DIRECTORY: { code: "FILE_NOT_REGULAR", template: "{path} is a directory, not a file" },
  NOT_REGULAR: { code: "FILE_NOT_REGULAR", template: "{path} is not a regular file" },
  CHANGED_WHILE_OPENED: { code: "FILE_NOT_REGULAR", template: "{path} changed while it was being opened (now not the regular file it was)" },
  OVER_READ_LIMIT: { code: "FILE_TOO_LARGE", template: "{path} is {size} bytes, over the {limit}-byte read limit" },
  GREW_OVER_READ_LIMIT: { code: "FILE_TOO_LARGE", template: "{path} is over the {limit}-byte read limit" },
  PROBE_TIMEOUT: { code: "PROBE_TIMEOUT", template: "probe {probe} gave no answer within {ms} ms" },
  READ_FAILED: { code: "PROBE_FAILED", template: "{path}: {reason}" },
  COMMAND_NOT_FOUND: { code: "COMMAND_NOT_FOUND", template: "command not found: {command}" },
  COMMAND_TIMEOUT: { code: "COMMAND_TIMEOUT", template: "{command} timed out after {ms} ms" },
  COMMAND_OUTPUT_CUT: { code: "COMMAND_FAILED", template: "{command} printed more than {limit} bytes; output cut" },
  COMMAND_ABNORMAL: { code: "COMMAND_FAILED", template: "{command} did not exit normally" },
  UNHANDLED: { code: "UNREACHABLE", template: "unhandled {what}: {value}" },
} as const satisfies Record<string, { code: ErrorName; template: string }>;

export type MessageId = keyof typeof MESSAGES;

/** The `{name}` placeholders of a template, as a union of names. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

export type MessageParams<M extends MessageId> = Record<Placeholders<(typeof MESSAGES)[M]["template"]>, string | number>;

export class NodewardError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NodewardError";
    this.code = code;
  }
}

/** A template filled in: `{name}` → params.name. */
export function errorMessage<M extends MessageId>(id: M, params: MessageParams<M>): string {
  const values = params as Record<string, string | number>;
  return MESSAGES[id].template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]));
}

/** The catalogue's error `id`, its message filled in from `params`. */
export function nodewardError<M extends MessageId>(id: M, params: MessageParams<M>, options?: { cause?: unknown }): NodewardError {
  return new NodewardError(ErrorCodes[MESSAGES[id].code], errorMessage(id, params), options);
}

export function isNodewardError(e: unknown): e is NodewardError {
  return e instanceof NodewardError;
}

/** Is `e` nodeward's error with this catalogue code (`hasCode(e, "PATH_ESCAPE")`)? */
export function hasCode(e: unknown, name: ErrorName): e is NodewardError {
  return e instanceof NodewardError && e.code === ErrorCodes[name];
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

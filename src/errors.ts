/**
 * One catalogue of nodeward's errors (fastify's FST_ERR_* model): every error nodeward
 * throws has a stable code from CODES and a message template from MESSAGES, and is built
 * from the template's id and its params: `new NodewardError("PATH_CLIMBS", { path, where })`,
 * or a subclass that takes only its code's templates (`new UsageError("FLAG_ONE_OF", …)`);
 * TypeScript refuses a free-form message, a missing param or another code's template.
 * docs/errors.md is generated from this file (`npm run docs`) and
 * test/unit/architecture/errors.test.ts keeps the code in step with it: every code and
 * every template is used, no class or `throw` in src/ goes without a code.
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
 * Every message nodeward throws, as a template: `{name}` is filled from the params. A part
 * composed by its own formatter (zod issues with positions, a did-you-mean, a parser's or
 * the kernel's reason) is one param (`{reason}`, `{hint}`, `{problems}`).
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
  GLOB_TOO_MANY: { code: "UNREADABLE", template: "{pattern} expands to more than {limit} paths (the glob cap): not read" },
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
  ZOD_NOT_LOADED: { code: "UNREACHABLE", template: "internal: a schema was used before zod was loaded (await loadZod() first)" },
  YAML_NOT_LOADED: { code: "UNREACHABLE", template: "internal: YAML was parsed before yaml was loaded (await loadYaml() first)" },
  COMMAND_EXITED: { code: "COMMAND_FAILED", template: "{command} exited {exitCode}{stderr}" },
  COMMAND_SIGNALLED: { code: "COMMAND_FAILED", template: "{command} ended by {signal}" },
  COMMAND_ENDED: { code: "COMMAND_FAILED", template: "{reason}" },
  COMMAND_EMPTY_ARGV: { code: "COMMAND_FAILED", template: "no command to run (an empty argv)" },
  UNIT_NAME_INVALID: { code: "PROBE_FAILED", template: "not a valid unit name: {name}" },
  SSHD_INCLUDE_DEPTH: { code: "PARSE", template: "{file} line {line}: too many recursive includes (more than {max} levels)" },
  SSHD_INCLUDE_FAILED: { code: "PROBE_FAILED", template: "{reason}" },
  RPM_HEADER_SHORT: { code: "PARSE", template: "rpm header blob of {size} bytes is too short" },
  RPM_HEADER_SIZES: { code: "PARSE", template: "rpm header blob: {entries} entries and {dataBytes} data bytes do not fit its {size} bytes" },
  RPM_HEADER_STRING: { code: "PARSE", template: "rpm header blob: a string runs past the data store" },
  RPM_HEADER_TAG_OUTSIDE: { code: "PARSE", template: "rpm header blob: tag {tag} points outside the data store" },
  RPM_HEADER_TAG_PAST: { code: "PARSE", template: "rpm header blob: tag {tag} runs past the data store" },
  RPM_HEADER_NO_NEVR: { code: "PARSE", template: "rpm header blob without NAME, VERSION and RELEASE strings" },
  SQLITE_HEADER: { code: "PARSE", template: "not an SQLite 3 database (bad header)" },
  SQLITE_PAGE_SIZE: { code: "PARSE", template: "bad page size {size}" },
  SQLITE_ENCODING: { code: "PARSE", template: "text encoding {encoding} is not UTF-8" },
  SQLITE_PAGE_RANGE: { code: "PARSE", template: "page {page} out of range (1..{count})" },
  SQLITE_PAGE_PAST_END: { code: "PARSE", template: "page {page} is past the end of the file" },
  SQLITE_SHORT_READ: { code: "PARSE", template: "page {page}: short read ({size} bytes)" },
  SQLITE_VARINT: { code: "PARSE", template: "varint runs past the end of a page" },
  SQLITE_RECORD: { code: "PARSE", template: "record value runs past its payload" },
  SQLITE_SERIAL_TYPE: { code: "PARSE", template: "reserved serial type {type}" },
  SQLITE_NO_TABLE: { code: "PARSE", template: "no table {table}" },
  SQLITE_PAGE_TWICE: { code: "PARSE", template: "page {page} is reached twice: a corrupt b-tree" },
  SQLITE_OVERFLOW: { code: "PARSE", template: "overflow chain of row {rowid} is broken" },
  SQLITE_PAGE_KIND: { code: "PARSE", template: "page {page} is not a table b-tree page (type 0x{type})" },
  DBUS_READ_PAST_END: { code: "DBUS", template: "malformed D-Bus message: read past its end" },
  DBUS_TYPE: { code: "DBUS", template: 'unsupported D-Bus type "{signature}" in a reply' },
  DBUS_ENDIANNESS: { code: "DBUS", template: "malformed D-Bus message: endianness byte 0x{byte}" },
  DBUS_TOO_LARGE: { code: "DBUS", template: "D-Bus message of {size} bytes is over the limit" },
  DBUS_SIGNATURE: { code: "DBUS", template: 'unexpected reply signature "{signature}"' },
  DBUS_PEER_CLOSED: { code: "DBUS", template: "the D-Bus peer closed the connection" },
  DBUS_NO_REPLY: { code: "DBUS", template: "{method} got no reply within {ms} ms" },
  DBUS_ERROR_REPLY: { code: "DBUS", template: "{name}{text}" },
  DBUS_CLOSED: { code: "DBUS", template: "connection closed" },
  DBUS_AUTH_NO_LINE: { code: "DBUS", template: "D-Bus authentication: no line from the peer" },
  DBUS_AUTH_REFUSED: { code: "DBUS", template: "D-Bus authentication refused: {line}" },
  DBUS_TIMEOUT: { code: "DBUS", template: "{what}: no answer within {ms} ms" },
  MATCHER_FIELD_MAP: { code: "PACK_INVALID", template: "{matcher} takes a map of field: matcher" },
  MATCHER_MODE: { code: "PACK_INVALID", template: 'mode-at-most takes an octal mode as a quoted string, e.g. "0600" (got {got})' },
  MATCHER_EMPTY_MAP: { code: "PACK_INVALID", template: "empty matcher map" },
  MATCHER_ONE_PER_LEVEL: { code: "PACK_INVALID", template: "only one matcher per level; found {found}" },
  MATCHER_UNKNOWN: { code: "PACK_INVALID", template: 'unknown matcher "{name}" (known: {known})' },
  EXPECTATION_EMPTY: { code: "PACK_INVALID", template: "empty expectation" },
  MATCHER_FIELD_LIST: { code: "PACK_INVALID", template: "{matcher} takes a non-empty list of field maps" },
  FACT_FIELD_UNKNOWN: { code: "PACK_INVALID", template: 'unknown fact field "{field}" (this probe gives: {fields})' },
  MATCHER_NUMBER: { code: "PACK_INVALID", template: "{matcher} takes a number" },
  MATCHER_LIST: { code: "PACK_INVALID", template: "{matcher} takes a non-empty list" },
  MATCHER_REGEX_STRING: { code: "PACK_INVALID", template: "{matcher} takes a regular expression string" },
  MATCHER_BAD_REGEX: { code: "PACK_INVALID", template: "bad regular expression {pattern}: {reason}" },
  MATCHER_SCALAR: { code: "PACK_INVALID", template: "{matcher} takes a scalar" },
  MATCHER_SCALAR_OR_LIST: { code: "PACK_INVALID", template: "{matcher} takes a scalar or a list, not a map" },
  MATCHER_VERSION_QUOTED: { code: "PACK_INVALID", template: '{matcher} takes a quoted version string such as "1.34" (YAML reads 1.30 unquoted as the number 1.3)' },
  MATCHER_NOT_VERSION: { code: "PACK_INVALID", template: '{matcher}: "{got}" is not a version such as "1.34"' },
  MATCHER_TRUE: { code: "PACK_INVALID", template: "{matcher} takes the value true" },
  REGEX_TOO_LONG: { code: "PACK_INVALID", template: "pattern is {length} characters, over the {cap}-character pattern cap" },
  REGEX_SYNTAX: { code: "PACK_INVALID", template: "{reason}" },
  UNSAFE_SYMLINK: { code: "PATH_ESCAPE", template: "refusing to change {path}: it is a symlink (-> {target}); nodeward never writes through a symlink" },
  UNSAFE_PATH: { code: "PATH_ESCAPE", template: "refusing to change {path}: {reason}" },
  UNSAFE_OUTSIDE_ROOT: { code: "PATH_ESCAPE", template: "refusing to change {path}: it resolves to {real}, outside the root {root}" },
  UNSAFE_READ_SYMLINK: { code: "PATH_ESCAPE", template: "refusing to read {path}: it is a symlink" },
  UNSAFE_BECAME_SYMLINK: { code: "PATH_ESCAPE", template: "refusing to replace {path}: it became a symlink" },
  UNSAFE_CHANGE_SYMLINK: { code: "PATH_ESCAPE", template: "refusing to change {path}: it is a symlink" },
  FIX_NO_TARGET_FILE: { code: "FIX_REFUSED", template: "{path} does not exist" },
  FIX_PORT_OWNERS: { code: "FIX_REFUSED", template: "{listeners}" },
  FIX_NO_PACKAGE_MANAGER: { code: "FIX_REFUSED", template: "no package manager found for {package}" },
  FIX_NO_OWNER_IDS: { code: "FIX_REFUSED", template: "none of the {kind}s {names} exist in the root" },
  FIX_NO_OWNER: { code: "FIX_REFUSED", template: 'no {kind} "{name}" in the root\'s {file}' },
  FIX_NO_KUBELET: { code: "FIX_REFUSED", template: "no kubelet found (no kubelet process and no kubelet systemd unit)" },
  FIX_KUBELET_FILE_UNKNOWN: { code: "FIX_REFUSED", template: "cannot tell which file is the kubelet's {file}: {reason}" },
  FIX_KUBELET_NO_FILE: { code: "FIX_REFUSED", template: "the kubelet has no {file} file to fix ({note})" },
  FIX_SYSCTL_OVERRIDDEN: { code: "FIX_REFUSED", template: "{file}:{line} sets {key} = {value} after {ours}; override it with /etc/sysctl.d/{name}" },
  FIX_NOT_YAML: { code: "FIX_REFUSED", template: "not valid YAML: {reason}" },
  FIX_KUBELET_FLAG: { code: "FIX_REFUSED", template: "the kubelet flag --{flag}={value}{where} overrides {key} in {path}; change or remove the flag instead" },
  FIX_UID_MIN_UNKNOWN: { code: "FIX_REFUSED", template: "{reason}: the auid>=UID_MIN rules cannot be written" },
  FIX_SUDO_LOGFILE_UNKNOWN: { code: "FIX_REFUSED", template: "{reason}: sudo's log file is not known, so its watch cannot be written (set Defaults logfile= first, CIS 5.2.3)" },
  FIX_NO_BLS_ENTRIES: { code: "FIX_REFUSED", template: "no boot loader entries in {dir} (not a grubby/BLS system): {args} is not set by grubby here" },
  FIX_GRUBBY_MISSING: { code: "FIX_REFUSED", template: "grubby is not installed ({paths}): the boot loader entries are not edited by hand; install grubby, or set {args} on every entry yourself" },
  FIX_GRUB_CMDLINE_OVERRIDDEN: { code: "FIX_REFUSED", template: "{file}:{line} sets GRUB_CMDLINE_LINUX outright and update-grub reads it after {ours}: the arguments would be dropped; add them there instead" },
  CHANGE_COMMAND_FAILED: { code: "CHANGE_FAILED", template: "{what}: {reason}" },
  CHANGE_STALE: { code: "CHANGE_FAILED", template: "{path} changed since the plan was made; run remediate again" },
  CHANGE_TARGET_GONE: { code: "CHANGE_FAILED", template: "{path} does not exist" },
  CHANGE_LIVE_ONLY: { code: "CHANGE_FAILED", template: "{command} runs only on the live host" },
  NO_RUNS: { code: "REMEDIATION_STATE", template: "no remediation runs in {dir}" },
  RUN_ID_INVALID: { code: "REMEDIATION_STATE", template: "not a run id: {id}" },
  RUN_FILE_UNREADABLE: { code: "REMEDIATION_STATE", template: "run {run}: {file} is {problem}" },
  RUN_FILE_NOT_STATUS: { code: "REMEDIATION_STATE", template: "run {run}: {file} is not a run status" },
  BACKUP_CORRUPT: { code: "REMEDIATION_STATE", template: "backup {backup} of {path} is corrupt (sha256 mismatch)" },
  STATE_WRITE_FAILED: { code: "REMEDIATION_STATE", template: "cannot write {file}: {reason}" },
  LOCK_HELD: { code: "REMEDIATION_LOCKED", template: "another nodeward remediation or rollback (pid {pid}) holds {file}" },
  LOCK_NOT_TAKEN: { code: "REMEDIATION_LOCKED", template: "cannot take {file}" },
  CONFIG_INVALID: { code: "CONFIG", template: "{problems}" },
  LISTEN_INVALID: { code: "CONFIG", template: 'listen "{listen}" is not HOST:PORT' },
  CHILD_ABANDONED: { code: "SCAN_PROCESS", template: "{request} abandoned: {reason}" },
  CHILD_REPORTED: { code: "SCAN_PROCESS", template: "{reason}" },
  CHILD_FAILED: { code: "SCAN_PROCESS", template: "{request} process failed: {reason}" },
  CHILD_EXITED: { code: "SCAN_PROCESS", template: "{request} process exited ({how}) without an answer" },
  CHILD_WRONG_ANSWER: { code: "SCAN_PROCESS", template: "{request} process answered with a {kind}" },
  FLAG_ONE_OF: { code: "USAGE", template: '{flag} must be one of {allowed} (got "{got}"){hint}' },
  FLAG_MUST_BE: { code: "USAGE", template: '{flag} must be {allowed} (got "{got}"){hint}' },
  FLAG_FORMAT: { code: "USAGE", template: "{flag} must be {allowed}" },
  FLAG_TAKES: { code: "USAGE", template: '{flag} takes {allowed} (got "{got}"){hint}' },
  FLAG_POSITIVE_INTEGER: { code: "USAGE", template: '{flag} must be a positive integer (got "{got}")' },
  FLAG_LISTEN: { code: "USAGE", template: '--listen must be HOST:PORT, e.g. 127.0.0.1:9850 or [::1]:9850 (got "{got}")' },
  FLAG_FILE: { code: "USAGE", template: "{flag} {file}: {reason}" },
  FLAG_NOT_DIRECTORY: { code: "USAGE", template: "{flag} {dir} is not a directory" },
  FLAGS_EXCLUSIVE: { code: "USAGE", template: "{flag} and {other} exclude each other" },
  PROFILE_NOT_LOADED: { code: "USAGE", template: "{problems}" },
  VAR_NOT_YAML: { code: "USAGE", template: "--var {spec}: the value is not valid YAML: {reason}" },
  SELECTION_NAME_UNKNOWN: { code: "USAGE", template: "{flag} {name}: {detail}" },
  NO_CHECK_MATCHES: { code: "USAGE", template: "no check matches {selection}" },
  OUTPUT_LINK_NOT_OURS: { code: "USAGE", template: "it is a symbolic link owned by uid {uid} to a file that is not regular; not written through" },
  OUTPUT_FIFO_NO_READER: { code: "USAGE", template: "it is a FIFO that no process reads" },
  OUTPUT_FORMAT_NEEDED: { code: "USAGE", template: "several -o FILE need a format each: -o json=report.json -o sarif=report.sarif" },
  ONE_STDOUT_REPORT: { code: "USAGE", template: "only one report can go to stdout" },
  WAIVERS_INVALID: { code: "USAGE", template: "--waivers {file}: {problem} (each: {shape})" },
  WAIVER_UNKNOWN_CHECK: { code: "USAGE", template: '--waivers {file}: waiver for "{check}": no such check{hint}' },
  SUBCOMMAND_UNKNOWN: { code: "USAGE", template: 'unknown subcommand "{command} {sub}" (use {known}){hint}' },
  CHECK_ID_NEEDED: { code: "USAGE", template: "checks show needs a check id, e.g. nodeward checks show 4.2.1" },
  SHELL_UNKNOWN: { code: "USAGE", template: "completion takes one of {shells}{got}" },
  RUN_ID_ONE: { code: "USAGE", template: "give at most one RUN-ID" },
  RUN_UNKNOWN: { code: "USAGE", template: 'no run {run} in {dir} (see "nodeward runs")' },
  APPLY_NEEDS_YES: { code: "USAGE", template: "--apply asks for confirmation; give --yes when stdin is not a terminal" },
  PACK_CACHE_STALE: { code: "PACK_INVALID", template: "an expectation the pack cache proved no longer compiles: rebuild (npm run build)" },
} as const satisfies Record<string, { code: ErrorName; template: string }>;

export type MessageId = keyof typeof MESSAGES;

type Template<M extends MessageId> = (typeof MESSAGES)[M]["template"];

/** The `{name}` placeholders of a template, as a union of names. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

export type MessageParams<M extends MessageId> = Record<Placeholders<Template<M>>, string | number>;

/**
 * What a catalogued error is built from: a template id of the code `C`, its params (none
 * for a template without placeholders) and the usual Error options. `new XError(...args)`
 * takes these, so TypeScript refuses a free-form message or a template of another code.
 */
export type MessageArgs<C extends ErrorName = ErrorName> = {
  [M in MessageId]: (typeof MESSAGES)[M]["code"] extends C
    ? [Placeholders<Template<M>>] extends [never]
      ? [id: M, params?: Record<string, never>, options?: ErrorOptions]
      : [id: M, params: MessageParams<M>, options?: ErrorOptions]
    : never;
}[MessageId];

export class NodewardError extends Error {
  readonly code: ErrorCode;
  /** The catalogue template this error's message was filled from. */
  readonly messageId: MessageId;

  constructor(...args: MessageArgs) {
    const [id, params, options] = args as [MessageId, Record<string, string | number>?, ErrorOptions?];
    super(fill(id, params ?? {}), options);
    this.name = "NodewardError";
    this.code = ErrorCodes[MESSAGES[id].code];
    this.messageId = id;
  }
}

function fill(id: MessageId, params: Record<string, string | number>): string {
  return MESSAGES[id].template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]));
}

/** A template filled in: `{name}` → params.name (for a reason carried in a result, not thrown). */
export function errorMessage<M extends MessageId>(id: M, params: MessageParams<M>): string {
  return fill(id, params as Record<string, string | number>);
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

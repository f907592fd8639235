/**
 * What every parser returns for input it skipped: where and why. Parsers never throw on
 * odd input; they skip the line and record a ParseProblem, so fuzzed input gives a fact
 * (with its problems as evidence) or a clear error, never a crash.
 */
export interface ParseProblem {
  /** 1-based line of the input. */
  line: number;
  message: string;
  /** The file, when the parser was given its name (parsers of one text leave it to the caller). */
  file?: string;
}

/** `file:line: message` (or `line N: message` without a file), for evidence and notes. */
export function formatParseProblem(p: ParseProblem): string {
  return p.file ? `${p.file}:${p.line}: ${p.message}` : `line ${p.line}: ${p.message}`;
}

/**
 * How a parser names text it did not understand in a problem message: a short word made
 * of letters, `_` and `-` is quoted (a misspelt keyword: `"Defualts"`); anything else is
 * described, not quoted — an unparsed line may be a shadow entry or a private-key line
 * reached through an include or a symlink, and its message lands in every report.
 */
export function unquoted(text: string): string {
  const t = text.trim();
  return /^[A-Za-z_-]{1,32}$/.test(t) ? JSON.stringify(t) : `(a text of ${t.length} characters, not quoted: an unparsed line may hold a secret)`;
}

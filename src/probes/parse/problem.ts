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

/**
 * The logical lines of a config file in which a line ending in a backslash continues on
 * the next (PAM, sudoers, systemd's *.conf, modprobe.d): CRs dropped, each logical line
 * with the 1-based number of its first physical line. The parts of a logical line are
 * joined once — re-slicing one growing string would be quadratic in a hostile file.
 */
export interface LogicalLine {
  line: number;
  text: string;
}

export interface LogicalLineOptions {
  /** What stands where a backslash-newline was (default one space). */
  joiner?: string;
  /** A line this matches is never continued (systemd: a comment ends at its newline). */
  isComment?: (line: string) => boolean;
}

export function* logicalLines(text: string, opts: LogicalLineOptions = {}): Generator<LogicalLine> {
  const lines = text.split("\n");
  const joiner = opts.joiner ?? " ";
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let cur = (lines[i] as string).replace(/\r$/, "");
    if (!cur.endsWith("\\") || opts.isComment?.(cur)) {
      yield { line, text: cur };
      continue;
    }
    const parts: string[] = [];
    while (cur.endsWith("\\") && i + 1 < lines.length) {
      parts.push(cur.slice(0, -1));
      i++;
      cur = (lines[i] as string).replace(/\r$/, "");
    }
    parts.push(cur);
    yield { line, text: parts.join(joiner) };
  }
}

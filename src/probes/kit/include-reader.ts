/**
 * A configuration that includes other files (sudoers' @include/@includedir, rsyslog's
 * $IncludeConfig/include()): each file read once (a cycle or a self-include ends there), at
 * most `maxFiles`, where its include stands — past the cap, the first file not read is
 * recorded as unreadable naming the cap; a file that cannot be read is recorded — whatever it could hold is not observed —
 * and a missing one is absent. The caller's `visit` parses a file's text and reads the
 * files it includes through `read` again.
 */
import { pushAll } from "../../util/array.js";
import type { ParseProblem } from "../parse/problem.js";
import type { Evidence, ProbeContext } from "../types.js";
import { readText } from "./read.js";

export interface IncludeReader {
  /** Read `file` unless it was read before or the cap is reached, and visit its text. */
  read(file: string): Promise<void>;
  /** `path: reason` for each file or directory that could not be read. */
  readonly unreadable: string[];
  /** Unparsed lines as evidence: the first five of each file. */
  readonly problems: Evidence[];
  /** Record a file's parse problems (the first five). */
  noteProblems(file: string, problems: readonly Pick<ParseProblem, "line" | "message">[]): void;
}

export function includeReader(ctx: ProbeContext, maxFiles: number, visit: (file: string, text: string) => Promise<void>): IncludeReader {
  const seen = new Set<string>();
  let capped = false;
  const reader: IncludeReader = {
    unreadable: [],
    problems: [],
    async read(file) {
      if (seen.has(file)) return;
      if (seen.size >= maxFiles) {
        // What the files past the cap would set is not observed: an error naming the cap.
        if (!capped) reader.unreadable.push(`${file}: more than ${maxFiles} files included (the include cap), not read`);
        capped = true;
        return;
      }
      seen.add(file);
      const r = await readText(ctx, file);
      if ("unobserved" in r) reader.unreadable.push(r.unobserved);
      else if ("text" in r) await visit(file, r.text);
    },
    noteProblems(file, problems) {
      pushAll(reader.problems, problems.slice(0, 5).map((p) => ({ file, line: p.line, detail: `unparsed line: ${p.message}` })));
    },
  };
  return reader;
}

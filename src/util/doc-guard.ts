/**
 * Caps on a YAML or JSON document, checked on the text before any parser sees it.
 *
 * The yaml library recurses once per level of nesting: a 20,000-deep flow sequence in a
 * host file aborted the whole process (V8 "RegExpCompiler Allocation failed" while it
 * formatted the stack-overflow error), and a 2 MB one took 12 s. Host documents (kubelet
 * config, static pods, EncryptionConfiguration, kubeconfigs) are kilobytes: one of 6 MB
 * took 2.9 GB. Past a cap the document is not parsed, and the caller's error names it.
 */

/** Host YAML/JSON documents larger than this are not parsed. */
export const MAX_DOC_BYTES = 1024 * 1024;
/** Flow nesting (`[`, `{`) deeper than this is not parsed. */
export const MAX_DOC_DEPTH = 64;
/** Block nesting: a line indented further than this many columns is not parsed. */
export const MAX_DOC_INDENT = 1024;

/** Why `text` is not to be parsed, or undefined when it is within every cap. */
export function documentProblem(text: string, maxBytes = MAX_DOC_BYTES): string | undefined {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) return `the document is ${bytes} bytes, over the ${maxBytes}-byte cap for YAML/JSON documents`;
  let depth = 0;
  let inDouble = false;
  let inComment = false;
  let indent = 0;
  let atLineStart = true;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10 /* \n */) {
      inComment = false;
      atLineStart = true;
      indent = 0;
      line++;
      continue;
    }
    if (atLineStart) {
      if (ch === 32 /* space */) {
        if (++indent > MAX_DOC_INDENT) return `line ${line} is indented more than ${MAX_DOC_INDENT} columns (the nesting cap for YAML documents)`;
        continue;
      }
      atLineStart = false;
    }
    if (inComment) continue;
    if (inDouble) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inDouble = false;
      continue;
    }
    if (ch === 34) inDouble = true;
    else if (ch === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) <= 32)) inComment = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > MAX_DOC_DEPTH) return `line ${line}: nesting deeper than ${MAX_DOC_DEPTH} levels (the nesting cap for YAML/JSON documents)`;
    } else if ((ch === 93 /* ] */ || ch === 125) /* } */ && depth > 0) depth--;
  }
  return undefined;
}

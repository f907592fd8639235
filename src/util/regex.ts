/**
 * Pack regular expressions: RE2 syntax, matched in time linear in the input.
 *
 * A pack's pattern runs over files an attacker on the node can write, so a backtracking
 * engine (V8's RegExp) lets one long line stall the scan: kisa-unix U-25 took 52 s on a
 * 256 KB line, `^(a+)+$` never ends. re2js is a pure-JavaScript port of RE2 (no native
 * addon to build, no WebAssembly, which `node --jitless` — the agent's unit — switches
 * off): matching is linear in the input for every pattern, and what RE2 cannot do in
 * linear time (backreferences, lookaround) is a syntax error at load.
 *
 * Caps (each a named error when hit, never a silent pass):
 *   MAX_PATTERN_CHARS      a pattern longer than this is refused at load;
 *   MAX_MATCH_LINE_CHARS   a line longer than this is not matched (one synchronous match
 *                          call must stay short so the probe timeout can fire);
 *   MAX_CAPTURE_CHARS      the captured text (`match`) is taken only from lines up to this
 *                          long: re2js's capture engine is linear but slow past 4 KiB.
 */
import { RE2JS } from "re2js";
import { NodewardError, type MessageArgs } from "../errors.js";

export const MAX_PATTERN_CHARS = 4096;
export const MAX_MATCH_LINE_CHARS = 1024 * 1024;
export const MAX_CAPTURE_CHARS = 4096;
/** Lines are tested in chunks of about this many characters (one call each). */
const CHUNK_CHARS = 64 * 1024;
const CHUNK_LINES = 2048;
/** Give the event loop a turn (timers, signals, HTTP) after this much matching. */
const YIELD_AFTER_MS = 20;

export class RegexSyntaxError extends NodewardError {
  constructor(...args: MessageArgs<"PACK_INVALID">) {
    super(...args);
    this.name = "RegexSyntaxError";
  }
}

export interface PackRegex {
  readonly source: string;
  /** Does the pattern match anywhere in `s`? Linear time. */
  test(s: string): boolean;
  /**
   * The first capture group (or the whole match) of the first match; null for no match;
   * undefined when `s` is longer than MAX_CAPTURE_CHARS (the text is not extracted).
   */
  capture(s: string): string | null | undefined;
}

const cache = new Map<string, PackRegex>();
const CACHE_MAX = 512;

/**
 * Compile a pack pattern (RE2 syntax; `(?i)` and the other RE2 flag groups work inline).
 * Throws RegexSyntaxError with RE2's reason for a pattern it refuses.
 */
export function compilePackRegex(source: string): PackRegex {
  const hit = cache.get(source);
  if (hit) return hit;
  if (source.length > MAX_PATTERN_CHARS) {
    throw new RegexSyntaxError("REGEX_TOO_LONG", { length: source.length, cap: MAX_PATTERN_CHARS });
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    throw new RegexSyntaxError("REGEX_SYNTAX", { reason: e instanceof Error ? e.message : String(e) });
  }
  const compiled: PackRegex = {
    source,
    test: (s) => re.test(s),
    capture: (s) => {
      if (s.length > MAX_CAPTURE_CHARS) return re.test(s) ? undefined : null;
      const m = re.exec(s);
      if (!m) return null;
      return (m[1] as string | undefined) ?? (m[0] as string);
    },
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/**
 * The same pattern over many lines at once: with MULTILINE, `^`/`$` match at every line,
 * so any line that matches alone also matches inside a block of lines (the reverse need
 * not hold: a match may span lines, so a block hit is checked line by line). Unsafe when
 * the pattern anchors to the whole text (`\A`, `\z`) or turns multi-line mode off.
 */
const blockCache = new Map<string, RE2JS | null>();

function blockRegex(source: string): RE2JS | null {
  if (blockCache.has(source)) return blockCache.get(source) ?? null;
  let re: RE2JS | null = null;
  if (!/\\[Az]|\(\?[A-Za-z]*-[A-Za-z]*m/.test(source)) {
    try {
      re = RE2JS.compile(source, RE2JS.MULTILINE);
    } catch {
      re = null;
    }
  }
  if (blockCache.size >= CACHE_MAX) blockCache.clear();
  blockCache.set(source, re);
  return re;
}

export type LineScan =
  | { kind: "hit"; line: number; capture: string | undefined }
  | { kind: "none" }
  /** A line over MAX_MATCH_LINE_CHARS came before any match: the answer is unknown. */
  | { kind: "line-too-long"; line: number; length: number };

/**
 * The first line of `text` the pattern matches (lines split on "\n", a trailing "\r"
 * dropped). Linear in the text; yields to the event loop while it works and stops with
 * the signal's reason once `signal` is aborted.
 */
export async function firstMatchingLine(re: PackRegex, text: string, signal?: AbortSignal): Promise<LineScan> {
  const lines = text.split("\n");
  const block = blockRegex(re.source);
  let lastYield = performance.now();
  let i = 0;
  while (i < lines.length) {
    signal?.throwIfAborted();
    // One chunk: consecutive lines up to CHUNK_CHARS / CHUNK_LINES, stopping before a line over the cap.
    const start = i;
    let chars = 0;
    while (i < lines.length && i - start < CHUNK_LINES && chars < CHUNK_CHARS) {
      let l = lines[i] as string;
      if (l.endsWith("\r")) l = l.slice(0, -1);
      if (l.length > MAX_MATCH_LINE_CHARS) break;
      lines[i] = l;
      chars += l.length + 1;
      i++;
    }
    if (i > start && (!block || block.test(lines.slice(start, i).join("\n")))) {
      for (let j = start; j < i; j++) {
        const l = lines[j] as string;
        if (re.test(l)) return { kind: "hit", line: j + 1, capture: re.capture(l) ?? undefined };
      }
    }
    if (i === start) {
      // lines[i] is over the line cap: nothing before it matched.
      return { kind: "line-too-long", line: i + 1, length: (lines[i] as string).length };
    }
    if (performance.now() - lastYield > YIELD_AFTER_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  return { kind: "none" };
}

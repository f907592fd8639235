/**
 * `JSON.stringify(value, null, 2)` of a plain object, in pieces: each element of one array
 * property (a report's results) is stringified apart, so a large report goes to its file
 * without ever being one string. Built whole, the JSON report of a full scan is 1.8 M
 * characters, held at two bytes each (V8 widens a whole string for one non-ASCII
 * character), beside its UTF-8 copy for the write: ~7 MiB of a cold scan's peak RSS.
 *
 * The pieces joined are exactly JSON.stringify's text for plain data: pretty-printed JSON
 * has newlines only between tokens (a string's newline is escaped), so a nested value is
 * its own stringified text with each newline followed by its depth's indent.
 */
export function* prettyJsonChunks(value: Record<string, unknown>, splitKey: string): Generator<string> {
  let first = true;
  const open = () => {
    const sep = first ? "{\n" : ",\n";
    first = false;
    return sep;
  };
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (key === splitKey && Array.isArray(v) && v.length > 0) {
      yield `${open()}  ${JSON.stringify(key)}: [\n`;
      for (let i = 0; i < v.length; i++) {
        // An element JSON cannot hold (undefined, a function) is null in an array.
        const text = (JSON.stringify(v[i], null, 2) as string | undefined) ?? "null";
        yield `    ${text.replaceAll("\n", "\n    ")}${i < v.length - 1 ? ",\n" : "\n  ]"}`;
      }
      continue;
    }
    const text = JSON.stringify(v, null, 2) as string | undefined;
    // A property JSON leaves out (undefined, a function, a symbol) is left out here too.
    if (text !== undefined) yield `${open()}  ${JSON.stringify(key)}: ${text.replaceAll("\n", "\n  ")}`;
  }
  yield first ? "{}" : "\n}";
}

/** Pieces joined into runs of at least `size` characters (the last may be shorter): fewer writes. */
export function* batched(chunks: Iterable<string>, size = 64 * 1024): Generator<string> {
  let run: string[] = [];
  let length = 0;
  for (const c of chunks) {
    run.push(c);
    length += c.length;
    if (length >= size) {
      yield run.join("");
      run = [];
      length = 0;
    }
  }
  if (length > 0) yield run.join("");
}

/**
 * `JSON.stringify(value, null, 2)` of a plain object, in pieces: the elements of one array
 * property (a report's results) are stringified `perPiece` at a time, so a large report goes to its file
 * without ever being one string. Built whole, the JSON report of a full scan is 1.8 M
 * characters, held at two bytes each (V8 widens a whole string for one non-ASCII
 * character), beside its UTF-8 copy for the write: ~7 MiB of a cold scan's peak RSS.
 *
 * The pieces joined are exactly JSON.stringify's text for plain data: each piece is
 * stringified by JSON.stringify itself at the depth it has in the whole (`perPiece` elements
 * of the array a piece).
 */
export function* prettyJsonChunks(value: Record<string, unknown>, splitKey: string, perPiece = 16): Generator<string> {
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
      for (let i = 0; i < v.length; i += perPiece) {
        // The elements as JSON.stringify writes them one level down (each indented by 4), in
        // one call: an element JSON cannot hold (undefined, a function) is null in an array.
        // Each piece is a slice of that text (the last with the array's end), never a copy of it.
        const text = nested(v.slice(i, i + perPiece));
        if (i > 0) yield ",\n";
        yield i + perPiece < v.length ? text.slice(ELEMENTS_HEAD.length, -ELEMENTS_TAIL.length) : text.slice(ELEMENTS_HEAD.length, -VALUE_TAIL.length);
      }
      continue;
    }
    const text = nested(v);
    // A property JSON leaves out (undefined, a function, a symbol) is left out here too.
    if (text !== "{}") {
      yield `${open()}  ${JSON.stringify(key)}: `;
      yield text.slice(VALUE_HEAD.length, -VALUE_TAIL.length);
    }
  }
  yield first ? "{}" : "\n}";
}

/**
 * `v` stringified as the value of a property at depth 1: JSON.stringify indents it as the
 * whole document would, so no piece is re-indented (a replaceAll of every newline was
 * most of the JSON report's cost). The wrapper's own text is sliced off by the caller.
 */
const nested = (v: unknown): string => JSON.stringify({ v }, null, 2);
const VALUE_HEAD = '{\n  "v": ';
const VALUE_TAIL = "\n}";
const ELEMENTS_HEAD = '{\n  "v": [\n';
const ELEMENTS_TAIL = "\n  ]\n}";

/**
 * Pieces encoded as UTF-8 into runs of at least `size` bytes (the last may be shorter): fewer
 * writes, and no joined string (each piece is encoded where it is, into a buffer outside the
 * JavaScript heap).
 */
export function* utf8Runs(chunks: Iterable<string>, size = 64 * 1024): Generator<Uint8Array> {
  let run = Buffer.allocUnsafe(2 * size);
  let used = 0;
  // A piece that ends inside a surrogate pair: its high half is encoded with the next piece.
  let carry = "";
  for (const piece of chunks) {
    let c = carry === "" ? piece : carry + piece;
    carry = "";
    const last = c.charCodeAt(c.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      carry = c.slice(-1);
      c = c.slice(0, -1);
    }
    used += writeInto(c);
    if (used >= size) {
      yield run.subarray(0, used);
      run = Buffer.allocUnsafe(2 * size);
      used = 0;
    }
  }
  // A lone high half at the very end: U+FFFD, 3 bytes, which must fit too (Buffer#write drops a character that does not).
  if (carry !== "") used += writeInto(carry);
  if (used > 0) yield run.subarray(0, used);

  function writeInto(text: string): number {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (used + 3 * text.length > run.length) {
      const larger = Buffer.allocUnsafe(Math.max(2 * size, used + 3 * text.length));
      run.copy(larger, 0, 0, used);
      run = larger;
    }
    return run.write(text, used, "utf8");
  }
}

/** Pieces joined into runs of at least `size` characters (the last may be shorter): fewer writes. */
export function* batched(chunks: Iterable<string>, size = 64 * 1024): Generator<string> {
  let run: string[] = [];
  let length = 0;
  for (const c of chunks) {
    // A piece as large as a run goes as it is, not copied into a run of its own.
    if (length === 0 && c.length >= size) {
      yield c;
      continue;
    }
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

/**
 * Shared fast-check inputs for parser property tests: text that is anything at all, and
 * a valid sample with random splices (`mutated`), which reaches the parser's deeper
 * branches far more often than random bytes do.
 */
import fc from "fast-check";

/** Any string, including control characters and lone surrogates. */
export const anyText = (maxLength = 300): fc.Arbitrary<string> => fc.string({ unit: "binary", maxLength });

export interface MutationOptions {
  /** Most splices per sample. Default 6. */
  maxEdits?: number;
  /** Most characters one splice deletes. Default 12. */
  maxDelete?: number;
  /** What a splice inserts. Default: up to 12 characters of anything. */
  insert?: fc.Arbitrary<string>;
}

/** `sample` with up to `maxEdits` splices: at a position, delete some characters, insert others. */
export function mutated(sample: string, options: MutationOptions = {}): fc.Arbitrary<string> {
  const insert = options.insert ?? fc.string({ unit: "binary", maxLength: 12 });
  const edit = fc.tuple(fc.nat(), fc.nat({ max: options.maxDelete ?? 12 }), insert);
  return fc.array(edit, { maxLength: options.maxEdits ?? 6 }).map((edits) => {
    let s = sample;
    for (const [at, del, ins] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + ins + s.slice(i + del);
    }
    return s;
  });
}

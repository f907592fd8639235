/** Matchers: a small closed vocabulary written as data in packs and compiled at load. */
import { NodewardError, type MessageArgs } from "../errors.js";

/** The outcome of testing one value. */
export interface MatchOutcome {
  pass: boolean;
  /** The observed value, rendered for people. */
  actual: string;
  /** Array elements that made an each/some/none matcher fail, for evidence (at most MAX_OFFENDING). */
  offending?: unknown[];
  /** How many elements offended in all, when more than `offending` holds. */
  offendingTotal?: number;
}

/** Offending elements kept per outcome: evidence names the first ones and counts the rest. */
export const MAX_OFFENDING = 100;

export interface Matcher {
  /** What is expected, rendered for people ("at most 0600", "one of [a, b]"). */
  readonly expected: string;
  test(actual: unknown): MatchOutcome;
}

/** A compile-time problem, with the path inside `expect` where it was found. */
export class MatcherSyntaxError extends NodewardError {
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[], ...args: MessageArgs<"PACK_INVALID">) {
    super(...args);
    this.name = "MatcherSyntaxError";
    this.path = path;
  }
}

export type Path = readonly (string | number)[];

/** Compiles the argument of one named matcher. `compileValue` recurses for all/any/not. */
export interface MatcherCompiler {
  (arg: unknown, path: Path, recurse: RecurseCompilers): Matcher;
}

export interface RecurseCompilers {
  value(raw: unknown, path: Path): Matcher;
  /** For each/some/none: an expectation over the fields of an array element. */
  fields(raw: unknown, path: Path): Matcher;
}

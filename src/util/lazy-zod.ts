/**
 * zod, loaded when something is to be validated rather than with the program. A scan of
 * unchanged packs validates nothing (the build's pack cache proved the packs and every
 * probe's params: src/packs/cache.ts), and evaluating zod's module alone cost ~28 ms of a
 * cold scan's CPU, with every probe's params schema built at import besides.
 *
 * Schemas that may be needed at scan time are built on first use (`lazySchema`), from the
 * zod `loadZod()` loaded. Synchronous code that meets a schema before zod is loaded gets a
 * `ZodNotLoaded` thrown: the pack loader (the one place that validates on the scan path)
 * catches it, loads zod and compiles that pack again. Code that validates anyway (profiles,
 * the agent's config, lint) awaits `loadZod()` first.
 */
import type { z as Zod } from "zod";
import { NodewardError } from "../errors.js";

export type Z = typeof Zod;

let loaded: Z | undefined;
let loading: Promise<Z> | undefined;

/** Load zod (once); afterwards lazy schemas build synchronously. */
export function loadZod(): Promise<Z> {
  loading ??= import("zod").then((m) => (loaded = m.z));
  return loading;
}

/**
 * A schema was needed synchronously before `loadZod()` resolved: the caller awaits it and
 * tries again. One that escapes is a bug (a validation path that does not load zod).
 */
export class ZodNotLoaded extends NodewardError {
  constructor() {
    super("ZOD_NOT_LOADED");
    this.name = "ZodNotLoaded";
  }
}

/** zod, if loaded; otherwise throws ZodNotLoaded. */
export function zodNow(): Z {
  if (loaded === undefined) throw new ZodNotLoaded();
  return loaded;
}

/** A zod schema built on first use; parse and safeParse as the schema's own. */
export interface LazySchema<S extends Zod.ZodType> {
  /** The schema (built now if it was not yet; throws ZodNotLoaded before loadZod()). */
  readonly schema: S;
  parse(value: unknown): Zod.output<S>;
  safeParse(value: unknown): Zod.ZodSafeParseResult<Zod.output<S>>;
}

export function lazySchema<S extends Zod.ZodType>(build: (z: Z) => S): LazySchema<S> {
  let built: S | undefined;
  const get = (): S => (built ??= build(zodNow()));
  return {
    get schema() {
      return get();
    },
    parse: (value) => get().parse(value),
    safeParse: (value) => get().safeParse(value),
  };
}

/**
 * Exhaustiveness for switches over a union: `default: return assertNever(x, "change kind")`.
 * A new member of the union is then a type error at every switch that forgot it, and if
 * one slips through at run time (data from an older journal) it throws instead of falling
 * out of the switch and doing nothing — a missed case in applyChange would journal "done"
 * for a change it never made.
 */
import { NodewardError } from "../errors.js";

export function assertNever(value: never, what: string): never {
  const shown = typeof value === "object" && value !== null && "kind" in value ? (value as { kind: unknown }).kind : value;
  throw new NodewardError("UNHANDLED", { what, value: JSON.stringify(shown) });
}

/** Render observed and expected values the same way everywhere. */
export function formatValue(v: unknown): string {
  if (v === undefined) return "(not set)";
  if (v === null) return "null";
  if (typeof v === "string") return v === "" ? '""' : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 300 ? s.slice(0, 297) + "..." : s;
  } catch {
    return String(v);
  }
}

/** Numbers, and strings that are plain decimal numbers; undefined otherwise. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Equality that tolerates how hosts spell values: kubelet flags are strings
 * ("false") where the config file has booleans, sysctl gives "0" for 0.
 */
export function looseEquals(expected: unknown, actual: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === undefined || actual === null) return false;
  if (typeof expected === "boolean") {
    if (typeof actual === "boolean") return actual === expected;
    return typeof actual === "string" && actual.trim().toLowerCase() === String(expected);
  }
  if (typeof expected === "number") {
    const n = toNumber(actual);
    return n !== undefined && n === expected;
  }
  if (typeof expected === "string") {
    if (typeof actual === "string") return actual === expected;
    if (typeof actual === "number" || typeof actual === "boolean") return String(actual) === expected;
    return false;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => looseEquals(e, actual[i]));
  }
  if (typeof expected === "object" && typeof actual === "object" && !Array.isArray(actual)) {
    const ek = Object.keys(expected as object);
    const ak = Object.keys(actual as object);
    return ek.length === ak.length && ek.every((k) => looseEquals((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]));
  }
  return false;
}

/** Read a dotted field path ("authentication.anonymous.enabled") from a fact value. */
export function getField(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    // Own properties only: a field named "constructor" or "__proto__" is absent, never Object.prototype's.
    if (!Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Pure parser for the ageing fields of shadow(5): `name:password:lastchg:min:max:warn:
 * inactive:expire:reserved`. The password field is returned for the caller to classify
 * (state, algorithm) and must never reach a fact or evidence. Empty numeric fields are
 * `null` ("not set"); a malformed line is skipped and recorded as a problem.
 */
import type { ParseProblem } from "./problem.js";

export interface ShadowAging {
  name: string;
  /** The encrypted-password field: classify it, never show it. */
  password: string;
  /** Days since 1970-01-01 of the last change; 0 means "must change at next login". */
  lastChange: number | null;
  min: number | null;
  max: number | null;
  warn: number | null;
  inactive: number | null;
  expire: number | null;
  line: number;
}

const num = (s: string | undefined): number | null | undefined => {
  if (s === undefined || s === "") return null;
  return /^-?\d{1,10}$/.test(s) ? Number(s) : undefined;
};

export function parseShadowAging(text: string): { entries: ShadowAging[]; problems: ParseProblem[] } {
  const entries: ShadowAging[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const s = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (s.trim() === "" || s.trimStart().startsWith("#")) return;
    const f = s.split(":");
    const name = f[0] ?? "";
    if (name.startsWith("+") || name.startsWith("-")) return;
    if (name === "" || f.length < 2) {
      problems.push({ line: i + 1, message: name === "" ? "empty user name" : "no password field" });
      return;
    }
    const fields = [f[2], f[3], f[4], f[5], f[6], f[7]].map(num);
    const bad = fields.findIndex((v) => v === undefined);
    if (bad !== -1) {
      problems.push({ line: i + 1, message: `user ${JSON.stringify(name.slice(0, 40))}: field ${bad + 3} is not a number` });
      return;
    }
    const [lastChange, min, max, warn, inactive, expire] = fields as (number | null)[];
    entries.push({ name, password: f[1] as string, lastChange: lastChange ?? null, min: min ?? null, max: max ?? null, warn: warn ?? null, inactive: inactive ?? null, expire: expire ?? null, line: i + 1 });
  });
  return { entries, problems };
}

/**
 * The agent's cron: parse an expression once, compute the next time it matches, arm one
 * timer. It replaces node-cron, whose per-tick Intl.DateTimeFormat (for time zones the
 * agent never uses) kept ~13 MB of ICU data and objects resident in an idle agent
 * (measured: bare node 40 MB RSS, + node-cron with one started task 53 MB).
 *
 * Syntax (node-cron's, which the docs promised): 5 fields (minute hour day-of-month month
 * day-of-week) or 6 with seconds first; `*`, `?` (as `*`), lists `a,b`, ranges `a-b`,
 * steps `*` or `a-b` or `a` followed by `/n`; month names jan–dec, weekday names sun–sat, weekday 7 = Sunday;
 * `L` in day-of-month (the month's last day); nicknames @yearly @annually @monthly @weekly
 * @daily @midnight @hourly. Day-of-month and day-of-week must both match (as node-cron).
 * Times are the agent's local time (TZ), as crontab's.
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** The first name is this number (months: 1). */
  nameBase?: number;
}
const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 }, // second
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: MONTHS, nameBase: 1 }, // month
  { min: 0, max: 7, names: DAYS, nameBase: 0 }, // day of week (7 = Sunday)
];

export interface CronSchedule {
  readonly second: ReadonlySet<number>;
  readonly minute: ReadonlySet<number>;
  readonly hour: ReadonlySet<number>;
  readonly dayOfMonth: ReadonlySet<number>;
  /** `L` was given: the month's last day matches too. */
  readonly lastDayOfMonth: boolean;
  readonly month: ReadonlySet<number>;
  readonly dayOfWeek: ReadonlySet<number>;
}

function value(token: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const i = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  return i >= 0 ? i + (spec.nameBase ?? 0) : undefined;
}

/** One field's allowed values, or undefined when it does not parse. */
function parseField(text: string, spec: FieldSpec, allowLast: boolean): { values: Set<number>; last: boolean } | undefined {
  const values = new Set<number>();
  let last = false;
  for (const part of text.split(",")) {
    if (allowLast && part === "L") {
      last = true;
      continue;
    }
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m || m[1] === undefined) return undefined;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return undefined;
    let lo: number | undefined;
    let hi: number | undefined;
    if (m[1] === "*" || m[1] === "?") {
      lo = spec.min;
      hi = spec.max;
    } else {
      const range = m[1].split("-");
      if (range.length > 2) return undefined;
      lo = value(range[0] ?? "", spec);
      hi = range.length === 2 ? value(range[1] ?? "", spec) : m[2] === undefined ? lo : spec.max;
    }
    if (lo === undefined || hi === undefined || lo > hi) return undefined;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, last };
}

/** Parse an expression; undefined when it is not one. */
export function parseCron(expression: string): CronSchedule | undefined {
  const trimmed = expression.trim();
  const text = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const parts = text.split(/\s+/);
  if (parts.length === 5) parts.unshift("0");
  if (parts.length !== 6) return undefined;
  const fields = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec, i === 3));
  if (fields.some((f) => f === undefined || (f.values.size === 0 && !f.last))) return undefined;
  const [second, minute, hour, dom, month, dow] = fields as { values: Set<number>; last: boolean }[];
  if (!second || !minute || !hour || !dom || !month || !dow) return undefined;
  if (dow.values.has(7)) dow.values.add(0);
  return { second: second.values, minute: minute.values, hour: hour.values, dayOfMonth: dom.values, lastDayOfMonth: dom.last, month: month.values, dayOfWeek: dow.values };
}

export function isValidCron(expression: string): boolean {
  return parseCron(expression) !== undefined;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  if (!s.month.has(d.getMonth() + 1) || !s.dayOfWeek.has(d.getDay())) return false;
  const day = d.getDate();
  if (s.dayOfMonth.has(day)) return true;
  return s.lastDayOfMonth && new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate() === day;
}

/**
 * The first time strictly after `after` (whole seconds) that matches, within 5 years
 * (undefined if none, e.g. 30 February). Steps a day, an hour, a minute, a second at a time
 * only where the coarser unit matches, so a yearly schedule costs a few hundred steps.
 */
export function nextRun(s: CronSchedule, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setMilliseconds(0);
  t.setSeconds(t.getSeconds() + 1);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!dayMatches(s, t)) {
      t.setDate(t.getDate() + 1);
      t.setHours(0, 0, 0);
      continue;
    }
    if (!s.hour.has(t.getHours())) {
      t.setHours(t.getHours() + 1, 0, 0);
      continue;
    }
    if (!s.minute.has(t.getMinutes())) {
      t.setMinutes(t.getMinutes() + 1, 0);
      continue;
    }
    if (!s.second.has(t.getSeconds())) {
      t.setSeconds(t.getSeconds() + 1);
      continue;
    }
    return t;
  }
  return undefined;
}

/** Longest single timer: Node's setTimeout overflows at 2^31-1 ms; re-arm well before. */
const MAX_TIMER_MS = 6 * 3600_000;

/**
 * Call `tick` at every match of `schedule` until stopped. A tick that comes while the
 * previous one still runs is skipped (`onSkip`), as node-cron's noOverlap did.
 */
export class CronTimer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;

  constructor(
    private readonly schedule: CronSchedule,
    private readonly tick: () => Promise<void>,
    private readonly onSkip: () => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm(this.now());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(from: Date): void {
    if (this.stopped) return;
    const next = nextRun(this.schedule, from);
    if (!next) return;
    const wait = next.getTime() - this.now().getTime();
    if (wait > MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.arm(from), MAX_TIMER_MS);
      return;
    }
    this.timer = setTimeout(() => this.fire(next), Math.max(0, wait));
  }

  private fire(at: Date): void {
    // A timer may fire a little early: wait for the second itself.
    const early = at.getTime() - this.now().getTime();
    if (early > 0) {
      this.timer = setTimeout(() => this.fire(at), early);
      return;
    }
    this.arm(at);
    if (this.running) {
      this.onSkip();
      return;
    }
    this.running = true;
    void this.tick().finally(() => {
      this.running = false;
    });
  }
}

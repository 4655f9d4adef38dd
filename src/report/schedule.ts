/**
 * Report schedules (`report_frequency`, `site_report_frequency`): a named interval or a cron expression, and when a
 * report is due. Pure.
 *
 * - `hourly`, `daily`, `weekly`, `monthly` (1 h, 1 d, 7 d, 30 d, as the original): due when never sent, or when the
 *   interval has passed since the last one. A pass runs at cron's pace, so "daily" drifts by at most one pass
 *   interval; a cron expression gives a fixed time of day instead.
 * - a cron expression (`0 7 * * 1-5`: weekdays at 07:00), five fields (minute hour day-of-month month day-of-week),
 *   `*`, lists, ranges, steps and names (`mon`, `jan`), or `@hourly` `@daily` `@weekly` `@monthly`; UTC unless
 *   prefixed `CRON_TZ=Europe/Berlin` (as cronie does). Due when a scheduled time lies after the last report and at
 *   or before now (a missed time is caught up by the next pass, once). Never sent: the first scheduled time after
 *   `firstSeen` (when the host or site was first monitored), so installing at 15:00 does not send the 07:00 report.
 * - `never` (or `off`): no scheduled report (on demand only).
 */

export type Frequency =
  | { kind: 'interval'; name: 'hourly' | 'daily' | 'weekly' | 'monthly'; ms: number }
  | { kind: 'cron'; expression: string; cron: CronSchedule }
  | { kind: 'never' };

export const FREQUENCY_INTERVALS_MS = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000, monthly: 30 * 86_400_000 } as const;

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** Both day fields restricted: a day matching EITHER fires (POSIX cron). */
  dayOr: boolean;
  timeZone: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MACROS: Record<string, string> = { '@hourly': '0 * * * *', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@weekly': '0 0 * * 0', '@monthly': '0 0 1 * *' };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Index of names[0] (1 for months). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function fieldValue(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const byName = spec.names?.indexOf(lower) ?? -1;
  if (byName >= 0) return byName + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`${spec.name} "${text}" is not a number${spec.names ? ' or a name' : ''}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) throw new Error(`${spec.name} ${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

function parseField(text: string, spec: FieldSpec): { values: Set<number>; restricted: boolean } {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && (!/^\d+$/.test(stepText) || step < 1)) throw new Error(`${spec.name} step "${stepText}" is not a positive number`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.name === 'day of week' ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = fieldValue(a, spec);
      to = fieldValue(b, spec);
      if (from > to) throw new Error(`${spec.name} range ${range} is reversed`);
    } else {
      from = fieldValue(range, spec);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return { values, restricted: text !== '*' };
}

/** Parses a cron expression; throws an Error with a one-line reason. */
export function parseCron(expression: string): CronSchedule {
  let text = expression.trim();
  let timeZone = 'UTC';
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(text);
  if (tz) {
    timeZone = tz[1] as string;
    text = (tz[2] as string).trim();
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new Error(`unknown time zone "${timeZone}"`);
    }
  }
  text = MACROS[text.toLowerCase()] ?? text;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const [minutes, hours, dom, months, dow] = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec)) as [
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
  ];
  return {
    minutes: minutes.values,
    hours: hours.values,
    daysOfMonth: dom.values,
    months: months.values,
    daysOfWeek: dow.values,
    dayOr: dom.restricted && dow.restricted,
    timeZone,
  };
}

/** Parses `report_frequency`: a name, `never`/`off`, or a cron expression. Throws an Error with a one-line reason. */
export function parseFrequency(value: string): Frequency {
  const text = value.trim();
  const lower = text.toLowerCase();
  if (lower === 'never' || lower === 'off') return { kind: 'never' };
  if (lower in FREQUENCY_INTERVALS_MS) {
    const name = lower as keyof typeof FREQUENCY_INTERVALS_MS;
    return { kind: 'interval', name, ms: FREQUENCY_INTERVALS_MS[name] };
  }
  if (/^[a-z]+$/.test(lower)) {
    throw new Error(`"${text}" is not a frequency: use hourly, daily, weekly, monthly, never or a cron expression such as "0 7 * * *"`);
  }
  return { kind: 'cron', expression: text, cron: parseCron(text) };
}

interface LocalTime {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localTime(ms: number, timeZone: string): LocalTime {
  if (timeZone === 'UTC') {
    const d = new Date(ms);
    return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), day: d.getUTCDate(), month: d.getUTCMonth() + 1, weekday: d.getUTCDay() };
  }
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { minute: Number(parts.minute), hour: Number(parts.hour), day: Number(parts.day), month: Number(parts.month), weekday: WEEKDAY_INDEX[parts.weekday ?? ''] ?? 0 };
}

function dayMatches(cron: CronSchedule, t: LocalTime): boolean {
  if (!cron.months.has(t.month)) return false;
  const dom = cron.daysOfMonth.has(t.day);
  const dow = cron.daysOfWeek.has(t.weekday);
  return cron.dayOr ? dom || dow : dom && dow;
}

/** How far back a cron search looks at most (a schedule that fires less than yearly is not a report schedule). */
const MAX_LOOKBACK_MS = 400 * 86_400_000;

/** The latest scheduled time in (after, until], or null. Minute resolution; skips non-matching days and hours. */
export function lastCronTimeBetween(cron: CronSchedule, after: Date, until: Date): Date | null {
  const floor = Math.max(after.getTime(), until.getTime() - MAX_LOOKBACK_MS);
  let t = Math.floor(until.getTime() / 60_000) * 60_000;
  while (t > floor) {
    const local = localTime(t, cron.timeZone);
    if (!dayMatches(cron, local)) {
      // To 23:59 of the day before (UTC); by hours elsewhere, so a daylight-saving day of 23 h skips nothing.
      t -= (cron.timeZone === 'UTC' ? local.hour * 60 + local.minute + 1 : local.minute + 1) * 60_000;
      continue;
    }
    if (!cron.hours.has(local.hour)) {
      t -= (local.minute + 1) * 60_000; // to minute 59 of the hour before
      continue;
    }
    if (cron.minutes.has(local.minute)) return new Date(t);
    t -= 60_000;
  }
  return null;
}

export interface DueInput {
  frequency: Frequency;
  /** When the last report of this kind and scope was sent; null: never. */
  lastSent: Date | null;
  /** When this host (or the site's first host) was first monitored. */
  firstSeen: Date;
  now: Date;
}

/** Whether a scheduled report is due now, and why (for logs and `--verbose`). */
export function reportDue(input: DueInput): { due: boolean; reason: string } {
  const { frequency, lastSent, now } = input;
  if (frequency.kind === 'never') return { due: false, reason: 'report_frequency is never' };
  if (frequency.kind === 'interval') {
    if (lastSent === null) return { due: true, reason: 'never sent' };
    const next = lastSent.getTime() + frequency.ms;
    // One minute of tolerance: an hourly cron pass that starts a few seconds early must not skip an hour.
    return next - 60_000 <= now.getTime()
      ? { due: true, reason: `${frequency.name}: last sent ${lastSent.toISOString()}` }
      : { due: false, reason: `${frequency.name}: next after ${new Date(next).toISOString()}` };
  }
  const after = lastSent ?? input.firstSeen;
  const fire = lastCronTimeBetween(frequency.cron, after, now);
  return fire
    ? { due: true, reason: `scheduled at ${fire.toISOString()} (${frequency.expression})` }
    : { due: false, reason: `no scheduled time of "${frequency.expression}" since ${after.toISOString()}` };
}

/**
 * Change detection settings (issue #4), inheritable global -> site -> host: `track_changes`, `watch_files`,
 * `maintenance_windows` and `expected_changes`. resolve.ts merges the levels (see resolveChangeSettings there).
 */
import { z } from 'zod';
import { CHANGE_KINDS } from '../types.js';
import { describeValue } from './config-path.js';
import { boolean, decimal, integer, nonEmptyText, oneOf, parseSizeBytes, patternText, text } from './schema-primitives.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_NAMES: Record<string, number> = {
  sun: 0, sunday: 0, mon: 1, monday: 1, tue: 2, tuesday: 2, wed: 3, wednesday: 3, thu: 4, thursday: 4,
  fri: 5, friday: 5, sat: 6, saturday: 6,
};

/** `mon`, `Monday`, `mon-fri`, `sat-sun` -> day numbers (0 = Sunday); null when not a day or range. */
export function parseDays(value: string): number[] | null {
  const v = value.trim().toLowerCase();
  if (v === 'daily' || v === '*') return [0, 1, 2, 3, 4, 5, 6];
  const range = /^([a-z]+)\s*-\s*([a-z]+)$/.exec(v);
  if (range) {
    const from = DAY_NAMES[range[1]!];
    const to = DAY_NAMES[range[2]!];
    if (from === undefined || to === undefined) return null;
    const days: number[] = [];
    for (let d = from; ; d = (d + 1) % 7) {
      days.push(d);
      if (d === to) break;
    }
    return days;
  }
  const day = DAY_NAMES[v];
  return day === undefined ? null : [day];
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const clock = () => patternText(/^([01]?\d|2[0-3]):[0-5]\d$/, 'expected a time of day such as "02:00"');

const daysSchema = z
  .preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((d) => d.trim()).filter(Boolean) : v),
    z.array(
      z.string({ error: (issue) => `expected a weekday such as "sun" or "mon-fri", got ${describeValue(issue.input)}` }).refine((d) => parseDays(d) !== null, {
        error: (issue) => `expected a weekday such as "sun" or a range such as "mon-fri", got ${describeValue(issue.input)}`,
      }),
      { error: (issue) => `expected a list of weekdays such as [sat, sun], got ${describeValue(issue.input)}` },
    ),
  )
  .optional()
  .describe('Weekdays ("sun", "mon-fri", "daily"). Default every day.');

export const maintenanceWindowSchema = z
  .strictObject({
    days: daysSchema,
    start: clock().describe('Start, "HH:MM" in `timezone`.'),
    end: clock().describe('End, "HH:MM"; an end before the start means the window runs past midnight.'),
    timezone: text()
      .refine(isTimeZone, { error: (issue) => `expected an IANA time zone such as "Europe/Berlin" or "UTC", got ${describeValue(issue.input)}` })
      .optional()
      .describe('IANA time zone of start and end. Default UTC.'),
    name: text().optional().describe('A label shown as the reason ("patch night").'),
  })
  .describe('A time when changes are planned: what changes inside it (a reboot, packages, files) is expected.');

export const expectedChangeSchema = z
  .strictObject({
    kind: oneOf(CHANGE_KINDS).describe(`What changed: ${CHANGE_KINDS.join(', ')}.`),
    subject: nonEmptyText()
      .optional()
      .describe('Glob on the subject (user name, package, unit, "tcp *:8080", file path, mount); * matches anything. Default *.'),
    action: oneOf(['added', 'removed', 'changed'] as const).optional().describe('Only this action. Default any.'),
    reason: nonEmptyText().describe('Why this change is expected; shown with the change.'),
  })
  .describe('A change that is planned: it is recorded with expected: true and this reason, and raises no finding.');

/** `"1GiB"`, `1073741824` or `"5%"`: bytes, or percent of the mount's size. */
const stepSchema = z.preprocess(
  (v) => {
    if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)) return { percent: Number(v.replace('%', '').trim()) };
    const bytes = parseSizeBytes(v);
    return typeof bytes === 'number' ? { bytes } : bytes;
  },
  z.union([z.object({ percent: z.number().gt(0).max(100) }), z.object({ bytes: z.number().int().positive() })], {
    error: (issue) => `expected a size such as "1GiB" or a percent of the mount such as "5%", got ${describeValue(issue.input)}`,
  }),
).meta({
  // For the generated reference and JSON Schema (schema-walk.ts): what is written, not the parsed object.
  docType: 'size ("1GiB", bytes) or percent of the mount ("5%")',
  jsonSchema: {
    anyOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG]([iI]?[bB])?|[bB])?\\s*$' },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' },
    ],
  },
});

export const diskGrowthSchema = z
  .strictObject({
    step: stepSchema.optional().describe('Growth since the last pass that is a finding and starts a du: a size ("1GiB") or a percent of the mount ("5%"). Default 1GiB.'),
    full_within_days: decimal(0.1, 365, 'days').optional().describe('A 24 h or 7 d trend that fills the mount within this many days is a finding. Default 7.'),
    du: boolean().optional().describe('Run a bounded du on the mount that grew (one mount per pass). Default true.'),
    du_depth: integer(0, 16).optional().describe('Directory depth of the du. Default 2.'),
    du_timeout: integer(1, 3600).optional().describe('Seconds the du may run (also bounded by command_timeout). Default 20.'),
  })
  .describe('Disk growth: when a mount grows past the step, name the directories that grew.');

export const changeSettingsShape = {
  disk_growth: diskGrowthSchema.optional(),
  track_changes: boolean()
    .optional()
    .describe('Compare users, groups, sudoers, keys, packages, services, ports, crontabs, watched files, disks and the boot with the last pass. Default true.'),
  watch_files: z
    .preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(patternText(/^!?\//, 'expected an absolute path or glob such as /etc/nginx/nginx.conf (a leading ! removes a default)'), {
        error: (issue) => `expected a list of file paths, got ${describeValue(issue.input)}`,
      }),
    )
    .optional()
    .describe('Files whose sha256 is watched, added to the defaults (global + site + host); "!/etc/hosts" removes one.'),
  maintenance_windows: z
    .array(maintenanceWindowSchema, { error: (issue) => `expected a list of windows such as [{days: sun, start: "02:00", end: "04:00"}], got ${describeValue(issue.input)}` })
    .optional()
    .describe('When changes are planned (the lowest level that sets it wins). Default none.'),
  expected_changes: z
    .array(expectedChangeSchema, { error: (issue) => `expected a list of {kind, subject, reason}, got ${describeValue(issue.input)}` })
    .optional()
    .describe('Planned changes (global + site + host, all apply).'),
};

export type MaintenanceWindowEntry = z.output<typeof maintenanceWindowSchema>;
export type ExpectedChangeEntry = z.output<typeof expectedChangeSchema>;

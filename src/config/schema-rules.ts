/**
 * `rules` and `ignore`, at the global, site and host levels: log rules and logcheck-style ignore patterns written in
 * the config. The schema checks shapes and values; patterns (they must compile and be safe to run) and what needs
 * several fields at once (the placeholders of a title, required keys of a full rule, duplicate ids) are checked in
 * check-log-rules.ts, located like every other problem. resolve-rules.ts merges the levels into each host's rule set.
 */
import { z } from 'zod';
import { FINDING_CATEGORIES, type FindingCategory } from '../types.js';
import { describeValue } from './config-path.js';
import { closestKey } from './did-you-mean.js';
import { boolean, integer, nonEmptyText, oneOf, patternText, seconds, text, textList } from './schema-primitives.js';

export const RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const SEVERITIES = ['info', 'warn', 'crit'] as const;
/** Most hits an aggregate may ask for: a time window keeps up to this many hit times per value. */
export const MAX_AGGREGATE_COUNT = 10_000;

const CATEGORY_SET = new Set<string>(FINDING_CATEGORIES);

function unknownCategory(input: unknown): string {
  if (typeof input !== 'string') return `expected a finding category such as service.failed, got ${describeValue(input)}`;
  const suggestion = closestKey(input, FINDING_CATEGORIES);
  if (suggestion) return `unknown finding category "${input}"; did you mean "${suggestion}"?`;
  return `unknown finding category "${input}" (the categories are listed in docs/configuration.md#log-rules-and-ignore-patterns)`;
}

/** A name of the finding taxonomy (DESIGN.md), with a suggestion for a typo. */
function category() {
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z
      .string({ error: (issue) => unknownCategory(issue.input) })
      .refine((v) => CATEGORY_SET.has(v), { error: (issue) => unknownCategory(issue.input) })
      .transform((v) => v as FindingCategory),
  );
}

function ruleId() {
  return patternText(RULE_ID_PATTERN, 'rule id: expected letters, digits, ".", "_" or "-", starting with a letter or digit');
}

/** Source filters shared by rules and ignore patterns. */
const filterShape = {
  programs: textList({ splitCommas: false })
    .optional()
    .describe('Syslog program names (case-insensitive), or "*" for every line. Default "*" when files, units or containers narrow the rule.'),
  files: z
    .preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(patternText(/^\//, 'expected an absolute path or glob such as /var/log/nginx/*.log'), {
        error: (issue) => `expected a list of log paths or globs, got ${describeValue(issue.input)}`,
      }),
    )
    .optional()
    .describe('Globs on the log file a line comes from (* and ? stop at /, ** does not); rotated siblings (.1, -20261125) match too.'),
  units: textList({ splitCommas: false })
    .optional()
    .describe('Globs on the systemd unit of journal lines (nginx.service; a name without a dot gets .service).'),
  containers: textList({ splitCommas: false }).optional().describe('Globs on docker container names (their log lines).'),
};

const aggregateSchema = z
  .strictObject({
    id: ruleId().optional().describe('Rule id of the aggregated finding. Default "<rule id>.aggregate".'),
    by: nonEmptyText().describe('Named capture whose value groups the matches (an IP, a user, a unit).'),
    count: integer(1, MAX_AGGREGATE_COUNT).describe(`Matches of one value needed (1-${MAX_AGGREGATE_COUNT}).`),
    within: seconds()
      .optional()
      .describe('Seconds: the matches must fall within this long of each other. Default: anywhere in the pass.'),
    category: category().optional().describe("Category of the aggregated finding. Default: the rule's."),
    severity: oneOf(SEVERITIES).optional().describe("Severity of the aggregated finding. Default: the rule's."),
    title: nonEmptyText().optional().describe('Title template: {count}, {value} and {<by>}.'),
    recommendation: nonEmptyText().optional().describe('What to do about it.'),
  })
  .describe('Many matches with the same capture value become ONE finding (brute force per IP, crash loop per unit).');

/**
 * One `rules[]` entry: a full rule (category, severity, pattern, title, and a source filter), or only `id` and
 * `enabled` to switch an inherited or built-in rule off (`enabled: false`) or back on.
 */
export const ruleEntrySchema = z
  .strictObject({
    id: ruleId().describe('Stable rule id (app.payment_failed). The same id at a lower level replaces the rule; a built-in id replaces the built-in rule.'),
    enabled: boolean().optional().describe('false disables the rule id (built-ins included) for this level and below. Default true.'),
    category: category().optional().describe('Finding category, from the taxonomy (service.failed, kernel.error, ...).'),
    severity: oneOf(SEVERITIES).optional().describe('info, warn or crit.'),
    ...filterShape,
    pattern: text()
      .optional()
      .describe('Regular expression (JavaScript syntax, named captures (?<name>...)) tried on the message after the syslog header.'),
    title: nonEmptyText().optional().describe('Title template: {name} is the named capture "name".'),
    subject: nonEmptyText().optional().describe('Subject template (what the finding is about). Default: the rule id.'),
    recommendation: nonEmptyText().optional().describe('What to do about it.'),
    aggregate: aggregateSchema.optional(),
  })
  .describe('A log rule written in the config.');

/** One `ignore[]` entry: a pattern (text), or a pattern with source filters. */
export const ignoreEntrySchema = z.preprocess(
  (v) => (typeof v === 'string' || typeof v === 'number' ? { pattern: String(v) } : v),
  z
    .strictObject({
      pattern: text().describe('Regular expression tried on the whole line, syslog header included (as logcheck does).'),
      ...filterShape,
    })
    .describe('A logcheck-style ignore pattern: a line it matches never reaches the rules.'),
);

export const rulesSchema = z
  .array(ruleEntrySchema, { error: (issue) => `expected a list of rules, got ${describeValue(issue.input)}` })
  .optional()
  .describe('Log rules added to the built-in ones (global + site + host); an id already defined replaces that rule.');

export const ignoreSchema = z
  .array(ignoreEntrySchema, { error: (issue) => `expected a list of patterns, got ${describeValue(issue.input)}` })
  .optional()
  .describe('Ignore patterns (global + site + host, all apply): matching lines are dropped before the rules.');

export type RuleEntry = z.output<typeof ruleEntrySchema>;
export type IgnoreEntry = z.output<typeof ignoreEntrySchema>;

import { createHash } from 'node:crypto';
import type { Finding } from '../types.js';
import type { TemplateAccumulator, TemplateStat } from './log-template.js';

/** Passes a host's templates are only learned before a never-seen template becomes a finding. */
export const DEFAULT_LEARNING_PASSES = 3;
/** New-pattern findings per host and pass; the rest are summed up in one more finding. */
export const MAX_NEW_PATTERN_FINDINGS = 20;
/** An error burst needs at least this many error-level lines in the pass, whatever the usual rate. */
export const MIN_BURST_LINES = 50;
/** ... and this many times the host's usual error lines per hour. */
export const BURST_FACTOR = 10;
/** Weight of the newest pass in the usual error rate (exponentially weighted mean). */
const RATE_WEIGHT = 0.2;

/** The stored key of a template: 16 hex digits of its SHA-256 (the text itself is stored beside it). */
export function templateHash(template: string): string {
  return createHash('sha256').update(template).digest('hex').slice(0, 16);
}

/** What the store knows of a host's logs before this pass (table log_templates, baseline `log_rates`). */
export interface KnownTemplates {
  /** Hashes of every template the host has produced before. */
  hashes: ReadonlySet<string>;
  /** Passes whose logs were learned (the learning period counts these). */
  passes: number;
  /** Usual error-level lines per hour (exponentially weighted), null before the first measured pass. */
  errorsPerHour: number | null;
}

/** The `log_rates` baseline after this pass (stored with the host's result). */
export interface LogRates {
  passes: number;
  errorsPerHour: number | null;
}

export interface NewPatternOptions {
  learningPasses: number;
  redact: (line: string) => string;
  /** Hours since the previous pass (its logs were read up to then); null when unknown (first pass). */
  windowHours: number | null;
}

export interface NewPatternResult {
  findings: Finding[];
  /** Every template seen this pass, with its hash, to store. */
  seen: Array<TemplateStat & { hash: string }>;
  rates: LogRates;
}

/**
 * `log.new_pattern` for each template the host never produced before (after its learning period), and
 * `log.error_burst` when the pass's error-level lines are far above the host's usual rate. During the learning
 * period templates are only recorded. At most MAX_NEW_PATTERN_FINDINGS findings: error-level templates first, then
 * the most frequent; the others are counted in one more finding. A pass that read nothing gives nothing, and its
 * rates stay as they were.
 */
export function newPatternFindings(acc: TemplateAccumulator, known: KnownTemplates, options: NewPatternOptions): NewPatternResult {
  const seen = [...acc.stats.values()].map((stat) => ({ ...stat, hash: templateHash(stat.template) }));
  if (acc.lines === 0) return { findings: [], seen, rates: { passes: known.passes, errorsPerHour: known.errorsPerHour } };

  const isLearning = known.passes < options.learningPasses;
  const findings: Finding[] = [];
  if (!isLearning) {
    // A new template every line of which a rule already reported (each sudo command line) is that rule's finding.
    const fresh = seen
      .filter((s) => !known.hashes.has(s.hash) && (s.ruled ?? 0) < s.count)
      .sort((a, b) => Number(b.isError) - Number(a.isError) || b.count - a.count || (a.template < b.template ? -1 : 1));
    for (const stat of fresh.slice(0, MAX_NEW_PATTERN_FINDINGS)) findings.push(newPatternFinding(stat, options.redact));
    const rest = fresh.slice(MAX_NEW_PATTERN_FINDINGS);
    if (rest.length > 0) findings.push(moreFinding(rest, options.redact));
  }

  const rate = options.windowHours !== null && options.windowHours > 0 ? acc.errorLines / Math.max(options.windowHours, 0.25) : null;
  const usual = known.errorsPerHour;
  if (!isLearning && rate !== null && usual !== null && options.windowHours !== null) {
    const expected = usual * Math.max(options.windowHours, 0.25);
    if (acc.errorLines >= MIN_BURST_LINES && acc.errorLines > BURST_FACTOR * Math.max(expected, 1)) {
      findings.push(errorBurstFinding(acc, expected, options.redact));
    }
  }
  // The usual rate learns from every measured pass (a burst included: a new normal is learned, slowly).
  const errorsPerHour = rate === null ? usual : usual === null ? rate : usual + RATE_WEIGHT * (rate - usual);
  return { findings, seen, rates: { passes: known.passes + 1, errorsPerHour } };
}

function programOf(template: string): string {
  return template.slice(0, template.indexOf(': '));
}

function newPatternFinding(stat: TemplateStat & { hash: string }, redact: (line: string) => string): Finding {
  // A line without a syslog program (a plain application log) is named by its file.
  const program = programOf(stat.template) === '-' ? (stat.source.split('/').pop() ?? stat.source) : programOf(stat.template);
  return {
    category: 'log.new_pattern',
    severity: stat.isError ? 'warn' : 'info',
    ruleId: 'log.new_pattern',
    title: redact(`New log message from ${program}: ${stat.template.slice(programOf(stat.template).length + 2)}`),
    key: `log.new_pattern:${stat.hash}`,
    subject: redact(program),
    count: stat.count,
    evidence: [{ source: stat.source, lines: stat.examples.map(redact) }],
    recommendation: 'A message this host never logged before: check what changed (a new version, a new failure mode).',
  };
}

function moreFinding(rest: Array<TemplateStat & { hash: string }>, redact: (line: string) => string): Finding {
  const lines = rest.reduce((n, s) => n + s.count, 0);
  return {
    category: 'log.new_pattern',
    severity: rest.some((s) => s.isError) ? 'warn' : 'info',
    ruleId: 'log.new_pattern',
    title: `${rest.length} more new log messages (${lines} lines)`,
    key: 'log.new_pattern:more',
    subject: 'more',
    count: lines,
    evidence: [{ source: 'templates', lines: rest.slice(0, 5).map((s) => redact(`${s.count} x ${s.template}`)) }],
  };
}

function errorBurstFinding(acc: TemplateAccumulator, expected: number, redact: (line: string) => string): Finding {
  const top = [...acc.stats.values()]
    .filter((s) => s.isError)
    .sort((a, b) => b.count - a.count)
    .slice(0, 5);
  return {
    category: 'log.error_burst',
    severity: 'warn',
    ruleId: 'log.error_burst',
    title: `${acc.errorLines} error lines since the previous pass, about ${Math.round(expected)} usually`,
    key: 'log.error_burst',
    count: acc.errorLines,
    evidence: [
      { source: 'templates', lines: top.map((s) => redact(`${s.count} x ${s.template}`)), values: { errorLines: acc.errorLines, usual: Math.round(expected) } },
      ...top.slice(0, 2).map((s) => ({ source: s.source, lines: s.examples.slice(0, 2).map(redact) })),
    ],
    recommendation: 'Find what started failing: the most frequent error messages are listed first.',
  };
}

/**
 * The model's answer is data to verify, never instructions (DESIGN.md, "LLM boundary"). The JSON is found (bare, in
 * a code fence, or with prose around it), checked with zod, and every finding must cite ids that were in the input:
 * a claim citing an id we never sent (or none) is dropped and counted. What survives becomes `ai.finding`s, capped
 * at the configured severity, with the cited lines as evidence. Nothing here touches a rule finding or the score.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Finding, Severity } from '../../types.js';
import type { CitedItem } from './digest.js';

export interface AiAnswer {
  summary: string;
  /** The model's own view of the host's health, shown beside the deterministic score. */
  healthScore: number | null;
  findings: Finding[];
  recommendations: string[];
  /** Claims dropped because they cited ids not in the input (or none). */
  droppedClaims: number;
}

export type VerifyResult = { ok: true; answer: AiAnswer } | { ok: false; reason: string };

const MAX_SUMMARY = 1500;
const MAX_TITLE = 200;
const MAX_RECOMMENDATION = 500;
const MAX_FINDINGS = 15;
const MAX_RECOMMENDATIONS = 8;

const SEVERITY_WORDS: Record<string, Severity> = {
  info: 'info',
  low: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  medium: 'warn',
  high: 'warn',
  crit: 'crit',
  critical: 'crit',
  severe: 'crit',
};

const stringish = z.union([z.string(), z.number()]).transform(String);

const findingSchema = z.object({
  title: z.string().min(1),
  severity: z
    .string()
    .transform((s) => SEVERITY_WORDS[s.trim().toLowerCase()])
    .pipe(z.enum(['info', 'warn', 'crit'])),
  category: z.string().optional(),
  evidence: z.union([z.array(stringish), stringish.transform((s) => s.split(/[\s,]+/))]).default([]),
  recommendation: z.string().optional(),
});

const answerSchema = z.object({
  summary: z.string().min(1),
  health_score: z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().min(0).max(100)).optional().nullable(),
  findings: z.array(z.unknown()).default([]),
  // The original's format had one string; a list is asked for.
  recommendations: z.union([z.array(z.string()), z.string().transform((s) => [s])]).default([]),
});

/** The JSON text of an answer: a ```json fence, else any fence, else the outermost braces. */
export function extractJson(text: string): string | null {
  const fenced = /```json\s*\n?([\s\S]*?)```/i.exec(text) ?? /```\s*\n?([\s\S]*?)```/.exec(text);
  const candidate = fenced ? fenced[1]!.trim() : text.trim();
  if (candidate.startsWith('{')) return candidate;
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  return start >= 0 && end > start ? candidate.slice(start, end + 1) : null;
}

export interface VerifyOptions {
  /** Every id of the input (citableItems). */
  cited: ReadonlyMap<string, CitedItem>;
  maxSeverity: Severity;
  /** Masks secrets in what the model wrote (it only saw redacted text, but may invent or echo). */
  redact: (text: string) => string;
  /** Provider label, kept in the finding's rule id (`ai:openai`). */
  provider: string;
}

const RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

export function verifyAnswer(text: string, options: VerifyOptions): VerifyResult {
  const json = extractJson(text);
  if (json === null) return { ok: false, reason: 'the answer holds no JSON object' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { ok: false, reason: `the answer is not valid JSON (${(err as Error).message.slice(0, 80)})` };
  }
  const top = answerSchema.safeParse(parsed);
  if (!top.success) return { ok: false, reason: `the answer does not have the asked shape (${describeIssue(top.error)})` };

  const clean = (s: string, max: number): string => clip(options.redact(stripControls(s)).trim(), max);
  let dropped = 0;
  const findings: Finding[] = [];
  for (const raw of top.data.findings.slice(0, MAX_FINDINGS)) {
    const f = findingSchema.safeParse(raw);
    const ids = f.success ? [...new Set(f.data.evidence.map((id) => id.trim()).filter((id) => id !== ''))] : [];
    // A claim must cite, and cite only what we sent: an invented id means an invented fact.
    if (!f.success || ids.length === 0 || ids.some((id) => !options.cited.has(id))) {
      dropped += 1;
      continue;
    }
    const severity = RANK[f.data.severity] > RANK[options.maxSeverity] ? options.maxSeverity : f.data.severity;
    const category = clean(f.data.category ?? 'other', 40).toLowerCase().replace(/[^a-z0-9_-]+/g, '-') || 'other';
    const title = clean(f.data.title, MAX_TITLE);
    findings.push({
      category: 'ai.finding',
      severity,
      ruleId: `ai:${options.provider}`,
      title,
      key: `ai.finding:${category}:${createHash('sha256').update(normalizeTitle(title)).digest('hex').slice(0, 12)}`,
      subject: category,
      count: 1,
      evidence: evidenceOf(ids, options.cited),
      ...(f.data.recommendation ? { recommendation: clean(f.data.recommendation, MAX_RECOMMENDATION) } : {}),
    });
  }
  dropped += Math.max(0, top.data.findings.length - MAX_FINDINGS);
  const score = top.data.health_score;
  return {
    ok: true,
    answer: {
      summary: clean(top.data.summary, MAX_SUMMARY),
      healthScore: score === undefined || score === null ? null : Math.round(score),
      findings,
      recommendations: top.data.recommendations
        .map((r) => clean(r, MAX_RECOMMENDATION))
        .filter((r) => r !== '')
        .slice(0, MAX_RECOMMENDATIONS),
      droppedClaims: dropped,
    },
  };
}

/** The cited items as evidence, grouped by source, in citation order: `F2` as its title, `F2.1` as its line. */
function evidenceOf(ids: string[], cited: ReadonlyMap<string, CitedItem>) {
  const bySource = new Map<string, string[]>();
  for (const id of ids) {
    const item = cited.get(id)!;
    const lines = bySource.get(item.source) ?? [];
    lines.push(`[${id}] ${item.text}`);
    bySource.set(item.source, lines);
  }
  return [...bySource].map(([source, lines]) => ({ source, lines }));
}

function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ');
}

const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function stripControls(text: string): string {
  return text.replace(CONTROLS, ' ');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.join('.') || 'answer'}: ${issue.message}`.slice(0, 120);
}

/**
 * The LLM's input: a small, redacted digest of one host's pass (DESIGN.md, "LLM boundary"). Rule findings, changes,
 * new log templates with a few example lines, a resource summary and the host's context; never whole logs. Every item
 * and every line carries an id (F1, F1.2, C3, P2.1) that the answer must cite. The digest is trimmed to the host's
 * token budget in priority order (crit before warn before info, new before old, unexpected changes before expected
 * ones) and says what it left out. Pure: no I/O.
 */
import type { Change, Finding, HostAnalysis, HostFacts, ResolvedHost } from '../../types.js';
import { MASK } from '../redact.js';

/** One line of evidence the model may cite. */
export interface DigestLine {
  id: string;
  text: string;
}

export interface DigestFinding {
  id: string;
  category: string;
  severity: string;
  title: string;
  subject?: string;
  count: number;
  /** First reported in this pass. */
  new: boolean;
  since?: string;
  source?: string;
  lines: DigestLine[];
}

export interface DigestChange {
  id: string;
  kind: string;
  action: string;
  subject: string;
  detail: string;
  expected: boolean;
  reason?: string;
}

export interface DigestPattern {
  id: string;
  program: string;
  template: string;
  count: number;
  error: boolean;
  source: string;
  examples: DigestLine[];
}

/** The data block given to the model (serialized as JSON). */
export interface DigestData {
  host: { name: string; site: string | null; tags: string[]; os: string | null; kernel: string | null; uptime_hours: number | null };
  /** The deterministic rule score: the model sees it and may disagree, but cannot change it. */
  health: { score: number; status: string; reasons: string[] };
  resources: {
    cpu_percent: number | null;
    load1: number | null;
    cores: number | null;
    memory_percent: number | null;
    swap_used_percent: number | null;
    disks: Array<{ mount: string; used_percent: number }>;
  } | null;
  /**
   * What Prometheus, InfluxDB and Glances said (issue #8): custom query values, trends (per day) with days until a
   * disk is full, where SSH and a source disagree, and sources that failed. Context, not citable evidence: a
   * threshold crossed is already a `metric.threshold` finding above. Null without sources.
   */
  metrics: {
    queries: Array<{ source: string; name: string; unit: string | null; values: Array<{ labels: string; value: number }>; error?: string }>;
    trends: Array<{ source: string; metric: string; label: string; latest: number; per_day: number; span_hours: number; days_until_full: number | null }>;
    disagreements: Array<{ metric: string; label: string; ssh: number | null; sources: Record<string, number> }>;
    failed_sources: Array<{ source: string; error: string }>;
  } | null;
  findings: DigestFinding[];
  new_log_patterns: DigestPattern[];
  changes: DigestChange[];
  /** What the budget left out, so the model knows the digest is partial. */
  omitted: { findings: number; changes: number; new_log_patterns: number; lines: number };
}

export interface Digest {
  data: DigestData;
  /** Estimated input tokens of the data block (see estimateTokens). */
  estimatedTokens: number;
  /** Something new this pass worth a call: a warn/crit finding or new error pattern first reported now, or an unexpected change. */
  hasNews: boolean;
  /** Open findings that matter (warn or crit): something for a periodic summary to talk about. */
  hasOpenIssues: boolean;
}

export interface DigestOptions {
  /** Input tokens the data block may take (the host budget minus the prompt's own text). */
  maxTokens: number;
  /** Masks secrets (createRedactor); applied to every text, again, on top of the analysis' own redaction. */
  redact: (text: string) => string;
  /** ISO time of this pass: a finding whose `since` is this time is new. */
  passAt: string;
}

/** Lines per item at most; the budget may cut this to one. */
const MAX_LINES_PER_ITEM = 3;
/** Characters per line or title at most (a 60 kB log line is not evidence, its start is). */
const MAX_TEXT_CHARS = 300;
const MAX_ITEMS = { findings: 60, changes: 60, patterns: 30 };

/**
 * Tokens of `text` as an LLM tokenizer would count them, erring high: ~3.5 characters per token for the JSON and log
 * text of a digest (English prose is ~4; punctuation, digits and hex ids tokenize worse).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

const SEVERITY_RANK: Record<string, number> = { crit: 0, warn: 1, info: 2 };

/** Findings the LLM has nothing to say about: a log it could not read is a note for the operator, not a symptom. */
const NOT_NEWS = new Set(['collect.source_failed']);

export function buildDigest(host: ResolvedHost, facts: HostFacts | null, analysis: HostAnalysis, options: DigestOptions): Digest {
  const clip = (text: string): string => clipText(options.redact(stripControls(text)));
  const isNew = (f: Finding): boolean => f.passes === 1 || f.since === options.passAt;

  const ruleFindings = analysis.findings.filter((f) => f.category !== 'ai.finding' && f.category !== 'log.new_pattern');
  const patterns = analysis.findings.filter((f) => f.category === 'log.new_pattern');
  const changes = [...(analysis.changes ?? [])];

  const orderedFindings = [...ruleFindings].sort(
    (a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) || Number(isNew(b)) - Number(isNew(a)),
  );
  const orderedPatterns = [...patterns].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) || b.count - a.count);
  const orderedChanges = changes.sort((a, b) => Number(a.expected) - Number(b.expected));

  const data: DigestData = {
    host: {
      name: clip(host.name),
      site: host.site === null ? null : clip(host.site),
      tags: host.tags.map(clip),
      os: facts ? clip(facts.os.prettyName || `${facts.os.name} ${facts.os.version}`.trim()) || null : null,
      kernel: facts?.kernel ? clip(facts.kernel) : null,
      uptime_hours: facts?.uptimeSeconds != null ? Math.round(facts.uptimeSeconds / 3600) : null,
    },
    health: { score: analysis.score, status: analysis.status, reasons: analysis.reasons.slice(0, 10).map((r) => clip(`-${r.points} ${r.reason}`)) },
    resources: facts ? resourcesOf(facts, clip) : null,
    metrics: metricsOf(analysis, clip),
    findings: [],
    new_log_patterns: [],
    changes: [],
    omitted: { findings: 0, changes: 0, new_log_patterns: 0, lines: 0 },
  };

  // Candidates in priority order, each with its full form and a one-line form for a tight budget.
  type Candidate = { add: (lines: number) => number; kind: keyof typeof data.omitted; lineCount: number };
  const candidates: Candidate[] = [];
  orderedFindings.slice(0, MAX_ITEMS.findings).forEach((f, i) => {
    const id = `F${i + 1}`;
    const lines = evidenceLines(f).map(clip);
    candidates.push({
      kind: 'findings',
      lineCount: Math.min(lines.length, MAX_LINES_PER_ITEM),
      add: (n) => {
        data.findings.push({
          id,
          category: f.category,
          severity: f.severity,
          title: clip(f.title),
          ...(f.subject ? { subject: clip(f.subject) } : {}),
          count: f.count,
          new: isNew(f),
          ...(f.since ? { since: f.since } : {}),
          ...(f.evidence[0]?.source ? { source: clip(f.evidence[0].source) } : {}),
          lines: lines.slice(0, n).map((text, j) => ({ id: `${id}.${j + 1}`, text })),
        });
        return Math.max(0, Math.min(lines.length, MAX_LINES_PER_ITEM) - n);
      },
    });
  });
  orderedPatterns.slice(0, MAX_ITEMS.patterns).forEach((f, i) => {
    const id = `P${i + 1}`;
    const lines = evidenceLines(f).map(clip);
    candidates.push({
      kind: 'new_log_patterns',
      lineCount: Math.min(lines.length, MAX_LINES_PER_ITEM),
      add: (n) => {
        data.new_log_patterns.push({
          id,
          program: clip(f.subject ?? ''),
          template: clip(f.title.replace(/^New log message from [^:]*: /, '')),
          count: f.count,
          error: f.severity !== 'info',
          source: clip(f.evidence[0]?.source ?? ''),
          examples: lines.slice(0, n).map((text, j) => ({ id: `${id}.${j + 1}`, text })),
        });
        return Math.max(0, Math.min(lines.length, MAX_LINES_PER_ITEM) - n);
      },
    });
  });
  orderedChanges.slice(0, MAX_ITEMS.changes).forEach((c, i) => {
    candidates.push({ kind: 'changes', lineCount: 0, add: () => (data.changes.push(changeOf(`C${i + 1}`, c, clip)), 0) });
  });
  data.omitted.findings += Math.max(0, orderedFindings.length - MAX_ITEMS.findings);
  data.omitted.new_log_patterns += Math.max(0, orderedPatterns.length - MAX_ITEMS.patterns);
  data.omitted.changes += Math.max(0, orderedChanges.length - MAX_ITEMS.changes);

  // Greedy in priority order: an item with all its lines if it fits, else with one line, else it is left out.
  const size = (): number => estimateTokens(JSON.stringify(data));
  for (const candidate of candidates) {
    const mark = snapshotLengths(data);
    const droppedLines = candidate.add(candidate.lineCount);
    if (size() <= options.maxTokens) {
      data.omitted.lines += droppedLines;
      continue;
    }
    restoreLengths(data, mark);
    if (candidate.lineCount > 1) {
      const fewer = candidate.add(1);
      if (size() <= options.maxTokens) {
        data.omitted.lines += fewer;
        continue;
      }
      restoreLengths(data, mark);
    }
    data.omitted[candidate.kind] += 1;
  }

  // An info finding alone is not worth a call (one more failed login from the Internet's background noise): it is in
  // the next call's digest or summary anyway.
  const worthACall = (f: Finding): boolean => isNew(f) && f.severity !== 'info' && !NOT_NEWS.has(f.category);
  const hasNews = ruleFindings.some(worthACall) || patterns.some(worthACall) || changes.some((c) => !c.expected);
  const hasOpenIssues = ruleFindings.some((f) => f.severity !== 'info');
  return { data, estimatedTokens: size(), hasNews, hasOpenIssues };
}

/** Items per metrics list in the digest at most (they are context; findings carry what crossed a limit). */
const MAX_METRIC_ITEMS = 20;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function metricsOf(analysis: HostAnalysis, clip: (t: string) => string): DigestData['metrics'] {
  const m = analysis.metrics;
  if (!m) return null;
  const labels = (l: Record<string, string>): string => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    queries: m.queries.slice(0, MAX_METRIC_ITEMS).map((q) => ({
      source: q.source,
      name: clip(q.name),
      unit: q.unit === null ? null : clip(q.unit),
      values: q.values.map((v) => ({ labels: clip(labels(v.labels)), value: r3(v.value) })),
      ...(q.error ? { error: clip(q.error) } : {}),
    })),
    trends: m.trends.slice(0, MAX_METRIC_ITEMS).map((t) => ({
      source: t.source,
      metric: t.metric,
      label: clip(t.label),
      latest: r3(t.latest),
      per_day: r3(t.slopePerDay),
      span_hours: Math.round(t.spanHours),
      days_until_full: t.daysUntilFull === null ? null : Math.round(t.daysUntilFull * 10) / 10,
    })),
    disagreements: m.comparisons
      .filter((c) => c.disagrees)
      .slice(0, MAX_METRIC_ITEMS)
      .map((c) => ({ metric: c.metric, label: clip(c.label), ssh: c.ssh === null ? null : r3(c.ssh), sources: Object.fromEntries(c.sources.map((s) => [s.source, r3(s.value)])) })),
    failed_sources: m.failed.map((f) => ({ source: f.source, error: clip(f.error) })),
  };
}

function resourcesOf(facts: HostFacts, clip: (t: string) => string): DigestData['resources'] {
  const round = (n: number | null | undefined): number | null => (n == null || !Number.isFinite(n) ? null : Math.round(n));
  const memory = facts.memory;
  return {
    cpu_percent: round(facts.cpu.usedPercent),
    load1: facts.load ? Math.round(facts.load.one * 100) / 100 : null,
    cores: facts.cpu.cores || null,
    memory_percent: round(memory?.usedPercent),
    swap_used_percent: memory && memory.swapTotalBytes > 0 ? round((memory.swapUsedBytes / memory.swapTotalBytes) * 100) : null,
    disks: (facts.disks ?? [])
      .filter((d) => d.sizeBytes > 0)
      .sort((a, b) => b.usedPercent - a.usedPercent)
      .slice(0, 8)
      .map((d) => ({ mount: clip(d.mount), used_percent: Math.round(d.usedPercent) })),
  };
}

function changeOf(id: string, c: Change, clip: (t: string) => string): DigestChange {
  return {
    id,
    kind: c.kind,
    action: c.action,
    subject: clip(c.subject),
    detail: clip(c.detail),
    expected: c.expected,
    ...(c.reason ? { reason: clip(c.reason) } : {}),
  };
}

function evidenceLines(f: Finding): string[] {
  const out: string[] = [];
  for (const e of f.evidence) {
    for (const line of e.lines ?? []) out.push(line);
    if (e.values && !e.lines) out.push(Object.entries(e.values).map(([k, v]) => `${k}=${v}`).join(' '));
  }
  return out;
}

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Control and bidi characters out (a log line must not reorder or hide text in the prompt); newlines as spaces. */
function stripControls(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(CONTROLS, '');
}

function clipText(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  // Never cut a mask in half: a half mask could read as a value.
  let cut = text.slice(0, MAX_TEXT_CHARS);
  const partial = MASK.slice(0, -1);
  for (let n = partial.length; n > 0; n -= 1) {
    if (cut.endsWith(partial.slice(0, n))) {
      cut = cut.slice(0, -n);
      break;
    }
  }
  return `${cut}…`;
}

type Lengths = { findings: number; changes: number; patterns: number };
function snapshotLengths(data: DigestData): Lengths {
  return { findings: data.findings.length, changes: data.changes.length, patterns: data.new_log_patterns.length };
}
function restoreLengths(data: DigestData, mark: Lengths): void {
  data.findings.length = mark.findings;
  data.changes.length = mark.changes;
  data.new_log_patterns.length = mark.patterns;
}

/** Every id the model may cite, with what it stands for (to verify citations and to build evidence). */
export interface CitedItem {
  /** `finding`, `line`, `change`, `pattern`. */
  kind: 'finding' | 'line' | 'change' | 'pattern';
  source: string;
  text: string;
}

export function citableItems(data: DigestData): Map<string, CitedItem> {
  const items = new Map<string, CitedItem>();
  for (const f of data.findings) {
    items.set(f.id, { kind: 'finding', source: f.source ?? f.category, text: f.title });
    for (const line of f.lines) items.set(line.id, { kind: 'line', source: f.source ?? f.category, text: line.text });
  }
  for (const p of data.new_log_patterns) {
    items.set(p.id, { kind: 'pattern', source: p.source, text: `${p.count} x ${p.template}` });
    for (const line of p.examples) items.set(line.id, { kind: 'line', source: p.source, text: line.text });
  }
  for (const c of data.changes) items.set(c.id, { kind: 'change', source: `change:${c.kind}`, text: `${c.subject}: ${c.detail}` });
  return items;
}

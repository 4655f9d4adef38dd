/**
 * The scenario corpus (issue #4): each directory under test/fixtures/scenarios/ is one simulated host, as files under
 * a rootfs. `baseline/` is the host at the previous pass, `current/` the same host now (complete files: logs with the
 * lines appended since, rotated files), and the optional `earlier/` the host one pass before the baseline (what an
 * error rate is learned from). One pass over the earlier files (the baseline ones where a scenario has none: that
 * pass then changes nothing for it), one over the baseline, then one over the current files; the last pass's
 * findings are compared with `expected.json`. A table and the detection and false-positive rates are printed. The
 * passes are a simulated hour apart (the clock given to runPass), so growth and error rates are those of real passes.
 *
 * A scenario passes when every expected finding (category + subject + severity) is present, no `mustNotHave`
 * category appears, and every finding of an expected category is an expected one (one `apt install` is ONE
 * package.installed finding, a brute force from one address is not also reported for another). Findings of other
 * categories (log.new_pattern of never-seen lines, with learning_passes 0) are listed as unexpected but allowed.
 * A benign scenario lists every log category it does not expect in mustNotHave; the false-positive rate counts the
 * benign scenarios with ANY unexpected finding.
 *
 * Resource findings (`resource.*`: disk, memory and load bands) are judged only in a scenario that expects their
 * category; elsewhere the rootfs's /proc is the shared healthy copy and they are not the subject.
 *
 * All scenarios are hosts of one config, so each pass covers them all at once. SCENARIO_DUMP=1 prints every finding
 * of the last pass (ruleId, category, subject, severity, title, evidence) and the log bytes each host read.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import { CHANGE_KINDS, FINDING_CATEGORIES, type Change, type Finding, type FindingCategory, type HostPassResult } from '../../src/types.js';
import { openTestStore, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');
/** Shared /proc and /etc facts, copied into every rootfs first: facts work and resource findings stay healthy. */
const HOST_DIR = join(SCENARIOS, '_host');
/**
 * Stub `ss`, `systemctl`, `df` and `docker`, first on PATH: they print the simulated host's `.stub/` files (found
 * through DTHOSTMON_ROOTFS, which the probe exports; df runs the real one for a host without `.stub/df`). Packages
 * need no stub: dpkg-query reads the rootfs's var/lib/dpkg; du is the real one, over the rootfs's files.
 */
const STUBS_DIR = join(SCENARIOS, '_stubs');
/** Simulated time between two passes: disk growth and error bursts are rates, judged against real pass intervals. */
const PASS_INTERVAL_MS = 3_600_000;

/** The host as each pass sees it, in pass order. */
const SIDES = ['earlier', 'baseline', 'current'] as const;
type Side = (typeof SIDES)[number];

interface ExpectedFinding {
  category: string;
  subject: string;
  severity: string;
  /** Text the finding's evidence (lines and values) must contain, e.g. the directory a du named. */
  evidenceIncludes?: string[];
}

/** A finding of the pass, with its evidence flattened to one text for evidenceIncludes. */
interface ActualFinding extends ExpectedFinding {
  evidenceText: string;
}

interface ExpectedChange {
  kind: string;
  action: string;
  subject: string;
  expected: boolean;
}

interface Expected {
  description: string;
  findings: ExpectedFinding[];
  /**
   * Changes (table `changes`) the last pass must record, with their expected flag. Every UNEXPECTED change the
   * pass records must be listed here; expected ones may be.
   */
  changes?: ExpectedChange[];
  mustNotHave: string[];
  /**
   * A product defect this scenario shows today, described. The scenario stays as strict as it should be; its test
   * is `it.failing` (it fails loudly once the defect is fixed: then remove this field), and the asserted rates leave
   * it out while the printed ones count it.
   */
  knownIssue?: string;
}

/** The categories log analysis can produce: a benign scenario's mustNotHave lists all of them but what it expects. */
const LOG_CATEGORIES: readonly FindingCategory[] = [
  'auth.failed_login', 'auth.bruteforce', 'auth.root_login', 'auth.invalid_user', 'privilege.sudo', 'privilege.su',
  'account.user_added', 'account.user_removed', 'account.group_changed', 'package.installed', 'package.removed',
  'package.upgraded', 'service.failed', 'service.crash_loop', 'kernel.oom_kill', 'kernel.segfault', 'kernel.io_error',
  'kernel.panic', 'kernel.error', 'disk.readonly', 'disk.usage', 'log.new_pattern', 'log.error_burst', 'collect.source_failed',
];

interface Outcome {
  name: string;
  benign: boolean;
  knownIssue?: string;
  expected: ExpectedFinding[];
  found: ExpectedFinding[];
  missed: ExpectedFinding[];
  /** Findings not in the expected list (allowed unless their category is forbidden or expected). */
  unexpected: ExpectedFinding[];
  /** Unexpected findings that fail the scenario. */
  failing: ExpectedFinding[];
  /** Expected changes not recorded (or with the other expected flag), and unexpected changes not listed. */
  changeProblems: string[];
  /** Changes expected.json lists, and how many of them the pass recorded. */
  changesListed: number;
  changesFound: number;
}

const scenarioNames = readdirSync(SCENARIOS)
  .filter((name) => !name.startsWith('_') && statSync(join(SCENARIOS, name)).isDirectory())
  .sort();

/** Every file under dir, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

/** A rotated or compressed name (`auth.log.1`, `syslog.2.gz`, `syslog-20261125`): read through its live file. */
function isRotated(path: string): boolean {
  return /\.\d+(\.gz)?$|\.gz$|-\d{8,10}$/.test(path);
}

/** The files of a scenario at one pass; `earlier/` is optional and defaults to the baseline (nothing changes then). */
function sideDir(scenarioDir: string, side: Side): string {
  const dir = join(scenarioDir, side);
  return side === 'earlier' && !existsSync(dir) ? join(scenarioDir, 'baseline') : dir;
}

/**
 * The host at the next pass: where `next` has `X.1` that `previous` has not, the live `X` is renamed to `X.1` first
 * (what logrotate does: the cursor's inode moves with it), then every file of `next` is copied over its path (an
 * existing file keeps its inode, so "lines appended" reads as appended).
 */
function applySide(previous: string, next: string, rootfs: string): void {
  if (previous === next) return;
  for (const rel of filesUnder(next)) {
    const live = rel.replace(/\.1$/, '');
    if (live !== rel && !existsSync(join(previous, rel)) && existsSync(join(previous, live))) {
      renameSync(join(rootfs, live), join(rootfs, rel));
    }
  }
  for (const rel of filesUnder(next)) {
    mkdirSync(dirname(join(rootfs, rel)), { recursive: true });
    writeFileSync(join(rootfs, rel), readFileSync(join(next, rel)));
  }
}

/** The host entry's extra keys (`config.yaml`), and the log files of the scenario when it does not list its own. */
function hostConfig(scenarioDir: string): string[] {
  const path = join(scenarioDir, 'config.yaml');
  const snippet = existsSync(path) ? (parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | null) ?? {} : {};
  const settings: Record<string, unknown> = { learning_passes: 0, ...snippet };
  if (settings.logs === undefined) {
    const logs = new Set<string>();
    for (const side of SIDES) {
      for (const rel of filesUnder(join(scenarioDir, side))) {
        if (rel.startsWith('var/log/') && !isRotated(rel)) logs.add(`/${rel}`);
      }
    }
    settings.logs = [...logs].sort();
  }
  return Object.entries(settings).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`);
}

/**
 * The findings a scenario is judged on. The rootfs's /proc is the shared healthy copy unless the scenario is about a
 * resource, so resource bands count only where their category is expected; /proc facts never do.
 */
function isScenarioFinding(f: Finding, expectedCategories: ReadonlySet<string>): boolean {
  if (f.ruleId.startsWith('resource.')) return expectedCategories.has(f.category);
  if (f.category === 'collect.source_failed' && !/\/var\/log\//.test(`${f.subject ?? ''} ${f.title}`)) return false;
  return true;
}

const same = (a: ExpectedFinding, b: ExpectedFinding): boolean => a.category === b.category && a.subject === b.subject && a.severity === b.severity;
/** `same`, and the actual finding's evidence holds every text the expected one asks for. */
const matches = (actual: ActualFinding, want: ExpectedFinding): boolean => same(actual, want) && (want.evidenceIncludes ?? []).every((t) => actual.evidenceText.includes(t));
const show = (f: ExpectedFinding): string => `${f.category} ${f.subject} ${f.severity}${f.evidenceIncludes ? ` (evidence with ${f.evidenceIncludes.join(', ')})` : ''}`;

/** Evidence lines and values as one text (`source: line | key=value`). */
function evidenceText(f: Finding): string {
  return (f.evidence ?? [])
    .map((e) => `${e.source}: ${[...(e.lines ?? []), ...Object.entries(e.values ?? {}).map(([k, v]) => `${k}=${v}`)].join(' | ')}`)
    .join('\n');
}

function readExpected(name: string): Expected {
  const expected = JSON.parse(readFileSync(join(SCENARIOS, name, 'expected.json'), 'utf8')) as Expected;
  const unknown = [...expected.findings.map((f) => f.category), ...expected.mustNotHave].filter((c) => !(FINDING_CATEGORIES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`${name}/expected.json: not in the finding taxonomy: ${unknown.join(', ')}`);
  const kinds = (expected.changes ?? []).map((c) => c.kind).filter((k) => !(CHANGE_KINDS as readonly string[]).includes(k));
  if (kinds.length > 0) throw new Error(`${name}/expected.json: not a change kind: ${kinds.join(', ')}`);
  return expected;
}

const showChange = (c: ExpectedChange): string => `${c.kind} ${c.action} ${c.subject} (${c.expected ? 'expected' : 'unexpected'})`;

/** Expected changes missing, and recorded unexpected changes that expected.json does not list. */
function judgeChanges(expected: Expected, changes: Change[]): string[] {
  const actual = changes.map((c) => ({ kind: c.kind, action: c.action, subject: c.subject, expected: c.expected }));
  const sameChange = (a: ExpectedChange, b: ExpectedChange): boolean => a.kind === b.kind && a.action === b.action && a.subject === b.subject && a.expected === b.expected;
  const problems: string[] = [];
  for (const want of expected.changes ?? []) if (!actual.some((c) => sameChange(c, want))) problems.push(`missing change: ${showChange(want)}`);
  for (const c of actual) if (!c.expected && !(expected.changes ?? []).some((w) => sameChange(w, c))) problems.push(`unlisted unexpected change: ${showChange(c)}`);
  return problems;
}

/** Compares one host's findings of the last pass with its scenario's expected.json. */
function judge(name: string, findings: Finding[], changes: Change[] = []): Outcome {
  const expected = readExpected(name);
  const expectedCategories = new Set(expected.findings.map((f) => f.category));
  const actual: ActualFinding[] = findings
    .filter((f) => isScenarioFinding(f, expectedCategories))
    .map((f) => ({ category: f.category, subject: f.subject ?? '', severity: f.severity, evidenceText: evidenceText(f) }));
  if (process.env.SCENARIO_DUMP) {
    const evidence = (f: Finding): string => evidenceText(f).replace(/^/gm, '      ');
    console.log(`${name}:\n${findings.map((f) => `  ${f.ruleId} | ${f.category} | ${f.subject} | ${f.severity} | ${f.title}\n${evidence(f)}`).join('\n')}`);
    console.log(changes.map((c) => `  change ${c.kind} ${c.action} ${c.subject} expected=${c.expected} ${c.reason ?? ''} | ${c.detail}`).join('\n'));
  }
  const unmatched = [...actual];
  const found: ExpectedFinding[] = [];
  const missed: ExpectedFinding[] = [];
  for (const want of expected.findings) {
    const at = unmatched.findIndex((f) => matches(f, want));
    if (at >= 0) found.push(...unmatched.splice(at, 1));
    else missed.push(want);
  }
  // Benign: every log category it does not expect must stay silent, and no change may raise a finding.
  const benign = LOG_CATEGORIES.every((c) => expectedCategories.has(c) || expected.mustNotHave.includes(c));
  const fromChange = new Set(findings.filter((f) => f.ruleId.startsWith('change.')).map((f) => `${f.category} ${f.subject ?? ''}`));
  const failing = unmatched.filter(
    (f) => expected.mustNotHave.includes(f.category) || expectedCategories.has(f.category) || (benign && fromChange.has(`${f.category} ${f.subject}`)),
  );
  const changeProblems = judgeChanges(expected, changes);
  const changesListed = expected.changes?.length ?? 0;
  const changesFound = changesListed - changeProblems.filter((p) => p.startsWith('missing')).length;
  return { name, benign, knownIssue: expected.knownIssue, expected: expected.findings, found, missed, unexpected: unmatched, failing, changeProblems, changesListed, changesFound };
}

/**
 * Every scenario is a host of ONE config (transport local, its own rootfs), so each pass collects them all at once:
 * a first pass sleeps for its CPU sample, and one per scenario in a row would take most of the time budget. The earlier
 * pass runs only when some scenario has an `earlier/` directory. Passes are PASS_INTERVAL_MS apart on the clock
 * runPass gets, the last one at the real time.
 */
async function runCorpus(store: TestStore, work: string): Promise<Map<string, HostPassResult>> {
  const sides = SIDES.filter((side) => side !== 'earlier' || scenarioNames.some((name) => existsSync(join(SCENARIOS, name, side))));
  const hostLines: string[] = [];
  for (const name of scenarioNames) {
    const rootfs = join(work, name);
    cpSync(HOST_DIR, rootfs, { recursive: true });
    cpSync(sideDir(join(SCENARIOS, name), sides[0]!), rootfs, { recursive: true });
    hostLines.push(`  - name: ${name}`, '    transport: local', `    rootfs: ${JSON.stringify(rootfs)}`, ...hostConfig(join(SCENARIOS, name)));
  }
  const configPath = join(work, 'dthostmon.yaml');
  writeFileSync(configPath, ['global:', `  reports_dir: ${JSON.stringify(join(work, 'reports'))}`, `  max_concurrent_hosts: ${scenarioNames.length}`, 'hosts:', ...hostLines, ''].join('\n'));
  const config = await loadConfig(configPath);
  let offsetMs = 0;
  const deps: PassDeps = { store, clock: () => new Date(Date.now() + offsetMs), createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false };

  let last: HostPassResult[] = [];
  for (const [index, side] of sides.entries()) {
    if (index > 0) {
      for (const name of scenarioNames) applySide(sideDir(join(SCENARIOS, name), sides[index - 1]!), sideDir(join(SCENARIOS, name), side), join(work, name));
    }
    offsetMs = (index - (sides.length - 1)) * PASS_INTERVAL_MS;
    const pass = await runPass(config, deps);
    expect(pass.hosts.filter((h) => h.status !== 'ok').map((h) => [side, h.name, h.error])).toEqual([]);
    last = pass.hosts;
  }
  if (process.env.SCENARIO_DUMP) console.log(last.map((h) => `${h.name}: ${h.logBytesRead} log bytes read`).join('\n'));
  return new Map(last.map((h) => [h.name, h]));
}

/** Detection rate (expected findings found / expected) and false-positive rate (noisy benign / benign scenarios). */
function rates(outcomes: Outcome[]): { detection: number; falsePositive: number; text: string } {
  const expectedCount = outcomes.reduce((n, o) => n + o.expected.length + o.changesListed, 0);
  const foundCount = outcomes.reduce((n, o) => n + o.found.length + o.changesFound, 0);
  const benign = outcomes.filter((o) => o.benign);
  const noisy = benign.filter((o) => o.unexpected.length > 0 || o.changeProblems.length > 0);
  const detection = expectedCount === 0 ? 1 : foundCount / expectedCount;
  const falsePositive = benign.length === 0 ? 0 : noisy.length / benign.length;
  const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const text =
    `detection (findings + changes) ${foundCount}/${expectedCount} = ${percent(detection)}, ` +
    `false positives ${noisy.length}/${benign.length} benign scenarios = ${percent(falsePositive)}${noisy.length > 0 ? ` (${noisy.map((o) => o.name).join(', ')})` : ''}`;
  return { detection, falsePositive, text };
}

function table(outcomes: Outcome[]): string {
  const rows = [['scenario', 'expected', 'found', 'missed', 'unexpected']];
  for (const o of outcomes) {
    const unexpected = [...o.unexpected.map((f) => `${o.failing.includes(f) ? '!' : ''}${show(f)}`), ...o.changeProblems.map((p) => `!${p}`)];
    rows.push([o.name, String(o.expected.length + o.changesListed), String(o.found.length + o.changesFound), o.missed.map(show).join('; ') || '-', unexpected.join('; ') || '-']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' | ')).join('\n');
}

/**
 * Which finding categories the corpus exercises: those some expected.json requires as a finding, out of the whole
 * taxonomy. Printed with the rates, so a category no scenario tests stands out.
 */
function coverage(): string {
  const covered = new Set(scenarioNames.flatMap((name) => readExpected(name).findings.map((f) => f.category)));
  const missing = FINDING_CATEGORIES.filter((c) => !covered.has(c));
  return (
    `categories covered by the corpus: ${FINDING_CATEGORIES.length - missing.length}/${FINDING_CATEGORIES.length}\n` +
    `  covered: ${FINDING_CATEGORIES.filter((c) => covered.has(c)).join(', ')}\n` +
    `  not covered: ${missing.join(', ') || '-'}`
  );
}

describe('scenario corpus (two or three passes per simulated host)', () => {
  let store: TestStore;
  let work: string;
  let lastPass: Map<string, HostPassResult>;
  const outcomes: Outcome[] = [];
  const path = process.env.PATH;

  beforeAll(async () => {
    process.env.PATH = `${STUBS_DIR}:${path ?? '/usr/bin:/bin'}`;
    store = await openTestStore('sqlite');
    work = tempDir('dthm-scenarios-');
    lastPass = await runCorpus(store, work);
  }, 180_000);
  afterAll(async () => {
    process.env.PATH = path;
    await store.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  for (const name of scenarioNames) {
    const knownIssue = readExpected(name).knownIssue;
    (knownIssue ? it.failing : it)(knownIssue ? `${name} (known issue: ${knownIssue})` : name, () => {
      const host = lastPass.get(name);
      const outcome = judge(name, host?.findings ?? [], host?.changes ?? []);
      outcomes.push(outcome);
      expect({ missed: outcome.missed.map(show), failing: outcome.failing.map(show), changes: outcome.changeProblems }).toEqual({ missed: [], failing: [], changes: [] });
    });
  }

  it('detects every expected finding and raises nothing on benign hosts', () => {
    expect(outcomes).toHaveLength(scenarioNames.length);
    const all = rates(outcomes);
    const asserted = rates(outcomes.filter((o) => !o.knownIssue));
    const known = outcomes.filter((o) => o.knownIssue).map((o) => o.name);
    console.log(
      `${table(outcomes)}\n\n(! = forbidden: a mustNotHave category, or an expected category with another subject/severity)\n` +
        `all scenarios: ${all.text}\n` +
        (known.length > 0 ? `without the known issues (${known.join(', ')}), asserted: ${asserted.text}\n` : '') +
        `${coverage()}\n`,
    );
    expect(asserted.detection).toBe(1);
    expect(asserted.falsePositive).toBe(0);
  });
});

import { Chalk } from 'chalk';
import { createOutput, isColorEnabled, type CliIo } from '../../../src/cli/output.js';
import { formatPassSummary } from '../../../src/cli/format-pass.js';
import type { Finding, HostPassResult, PassResult } from '../../../src/types.js';

function bufferIo(tty: boolean, env: NodeJS.ProcessEnv = {}): CliIo & { text: () => string } {
  let all = '';
  return {
    stdout: { write: (t: string) => (all += t), isTTY: tty },
    stderr: { write: (t: string) => (all += t), isTTY: tty },
    env,
    cwd: '/',
    text: () => all,
  };
}

const finding = (severity: Finding['severity'], title: string): Finding => ({
  category: 'kernel.oom_kill',
  severity,
  ruleId: 'kernel.oom_kill',
  title,
  key: `k:${title}`,
  count: 1,
  evidence: [],
});

const host = (over: Partial<HostPassResult>): HostPassResult => ({
  name: 'h',
  site: null,
  status: 'ok',
  error: null,
  score: 90,
  previousScore: 95,
  health: 'healthy',
  reasons: [],
  findings: [],
  logBytesRead: 2048,
  durationMs: 1500,
  reportPath: null,
  ...over,
});

const pass = (hosts: HostPassResult[], status: PassResult['status'] = 'complete'): PassResult => ({
  runId: 7,
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: '2026-11-25T10:00:02.000Z',
  durationMs: 2000,
  status,
  hosts,
});

describe('output', () => {
  it('uses colour only on a TTY and never with NO_COLOR or TERM=dumb', () => {
    expect(isColorEnabled({}, true)).toBe(true);
    expect(isColorEnabled({}, false)).toBe(false);
    expect(isColorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(isColorEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('prints verbose lines only with --verbose and never spins off a TTY', () => {
    const io = bufferIo(false);
    const out = createOutput({ verbose: false, quiet: false, json: false, io });
    out.verbose('hidden');
    out.out('shown');
    out.err('problem');
    const spinner = out.spinner('working');
    spinner.setText('still working');
    spinner.succeed('done');
    expect(io.text()).toBe('shown\nproblem\n');
    const loud = bufferIo(false);
    createOutput({ verbose: true, quiet: false, json: false, io: loud }).verbose('detail');
    expect(loud.text()).toBe('detail\n');
  });
});

describe('the spinner on a TTY', () => {
  it('still prints the final line when the pass ends before ora has loaded', () => {
    const io = bufferIo(true);
    const spinner = createOutput({ verbose: false, quiet: false, json: false, io }).spinner('working');
    spinner.setText('host 1 of 2');
    spinner.fail();
    spinner.succeed('ignored: already ended');
    expect(io.text()).toBe('✖ host 1 of 2\n');
  });

  it('prints nothing when stopped before ora has loaded', () => {
    const io = bufferIo(true);
    createOutput({ verbose: false, quiet: false, json: false, io }).spinner('working').stop();
    expect(io.text()).toBe('');
  });
});

describe('formatPassSummary', () => {
  const plain = new Chalk({ level: 0 });

  it('shows every host with status, score, delta and finding counts', () => {
    const text = formatPassSummary(
      pass([
        host({ name: 'web-01', findings: [finding('crit', 'OOM killed java'), finding('info', 'x')] }),
        host({ name: 'db-01', status: 'failed', error: 'connect: refused', score: null }),
        host({ name: 'app-01', status: 'partial', error: 'facts:df: df missing', score: 95, previousScore: 95, logBytesRead: 3 * 1024 * 1024 }),
      ]),
      { color: plain, quiet: false, reportsDir: '/r' },
    );
    expect(text).toMatch(/web-01.*ok.*90.*-5.*1\/0\/1.*2.*2\.0 KiB.*1\.5 s/);
    expect(text).toMatch(/app-01.*partial.*95.*=.*3\.0 MiB/);
    expect(text).toMatch(/✗ db-01: connect: refused/);
    expect(text).toMatch(/! app-01: facts:df: df missing/);
    expect(text).toMatch(/Pass 7 complete in 2\.0 s: 1 ok, 1 partial, 1 failed\. Reports: \/r/);
  });

  it('with --quiet prints only failures and critical findings', () => {
    const healthy = formatPassSummary(pass([host({})]), { color: plain, quiet: true, reportsDir: '/r' });
    expect(healthy).toBe('');
    const bad = formatPassSummary(pass([host({ name: 'w', findings: [finding('crit', 'OOM killed java')] })], 'timed_out'), {
      color: plain,
      quiet: true,
      reportsDir: '/r',
    });
    expect(bad).toBe('CRIT w: OOM killed java');
    // A critical condition still open since an earlier pass is not mailed again by every cron pass.
    const ongoing = formatPassSummary(pass([host({ name: 'w', findings: [{ ...finding('crit', 'Disk / is 97% full'), since: '2026-11-20T00:00:00.000Z', passes: 40 }] })]), {
      color: plain,
      quiet: true,
      reportsDir: '/r',
    });
    expect(ongoing).toBe('');
    const timedOut = formatPassSummary(pass([host({ score: 100, previousScore: 90, logBytesRead: 10 })], 'timed_out'), {
      color: plain,
      quiet: false,
      reportsDir: '/r',
    });
    expect(timedOut).toMatch(/\+10/);
    expect(timedOut).toMatch(/10 B/);
    expect(timedOut).toMatch(/stopped at the deadline/);
  });

  it('counts the new findings and the unexpected / all changes per host', () => {
    const change = (expected: boolean) => ({ kind: 'package' as const, action: 'added' as const, subject: 'x', category: 'package.installed' as const, detail: 'x 1 installed', expected, reason: expected ? 'apt' : null });
    const text = formatPassSummary(
      pass([host({ name: 'web-01', findings: [finding('warn', 'new one'), { ...finding('warn', 'old one'), passes: 3 }], changes: [change(true), change(false), change(true)] })]),
      { color: plain, quiet: false, reportsDir: '/r' },
    );
    expect(text).toMatch(/Crit\/Warn\/Info.*New.*Changes/);
    expect(text).toMatch(/web-01.*0\/2\/0 +│? *1 +│? *1\/3/);
  });
});

describe('formatPassSummary with hostile host-derived text', () => {
  it('strips terminal escape sequences from errors and titles', () => {
    const evil = 'x\u001b]0;PWNED\u0007\u001b[2Jy';
    const text = formatPassSummary(
      pass([host({ name: 'h1', status: 'failed', error: `logs: ${evil}`, score: null, findings: [finding('crit', evil)] })]),
      { color: new Chalk({ level: 0 }), quiet: true, reportsDir: '/r' },
    );
    // Lines are joined by \n; inside a line no control character may remain.
    for (const line of text.split('\n')) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toContain('✗ h1: logs: xy');
    expect(text).toContain('CRIT h1: xy');
  });
});

/**
 * Issue #4's analysis benchmark in its short mode (what CI runs): `scripts/bench-analyze.mjs --short --json` over the
 * built dist/. It generates a 100 k-line syslog/auth mix and a 50 MB file, analyses both in child processes, runs
 * logwatch on the mix, and must name every failed user and source IP that logwatch's sshd report names. Throughput is
 * only held to a sanity floor here (CI machines are noisy); the full run is `npm run bench:analyze`.
 * logwatch is a Debian package (`npm test` installs it as root): without it the test is skipped, except under
 * CI=true, where a missing peer is a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, repoRoot } from '../helpers/cli.js';

const LOGWATCH = '/usr/sbin/logwatch';
const SCRIPT = join(repoRoot, 'scripts', 'bench-analyze.mjs');

interface Rate {
  mbps: number;
  linesPerSecond: number;
  rssMiB: number;
  seconds: number;
}

interface BenchSummary {
  isShort: boolean;
  mix: { bytes: number; lines: number; ours: Rate; logwatch: Rate; ratio: number };
  big: { bytes: number; lines: number; ours: Rate };
  findings: { count: number; templates: number };
  coverage: {
    users: { reported: number; missing: string[] };
    ips: { reported: number; missing: string[] };
    isCovered: boolean;
  };
  targets: Array<{ target: string; measured: string; isMet: boolean }>;
  isOk: boolean;
}

function runBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, '--short', '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function hasLogwatch(): boolean {
  if (existsSync(LOGWATCH)) return true;
  const why = `${LOGWATCH} not found: apt-get install logwatch (npm test installs it as root) to run the analysis benchmark`;
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true: a missing peer is a failure, not a skip)`);
  console.warn(`skipping bench:analyze --short: ${why}`);
  return false;
}

describe('npm run bench:analyze --short', () => {
  it('names every failed user and source IP logwatch reports, and prints its measurements', async () => {
    if (!hasLogwatch()) return;
    assertBuilt();
    const { code, stdout, stderr } = await runBench();
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(stdout) as BenchSummary;

    expect(summary.isShort).toBe(true);
    expect(summary.coverage).toEqual({
      users: { reported: expect.any(Number), missing: [] },
      ips: { reported: expect.any(Number), missing: [] },
      isCovered: true,
    });
    // The mix has brute force from many addresses with many guessed names: logwatch must have found them too.
    expect(summary.coverage.users.reported).toBeGreaterThan(20);
    expect(summary.coverage.ips.reported).toBeGreaterThan(20);

    expect(summary.mix.lines).toBe(100_000);
    expect(summary.big.bytes).toBeGreaterThanOrEqual(50 * 2 ** 20);
    for (const rate of [summary.mix.ours, summary.mix.logwatch, summary.big.ours]) {
      expect(rate.mbps).toBeGreaterThan(0);
      expect(rate.linesPerSecond).toBeGreaterThan(0);
      expect(rate.seconds).toBeGreaterThan(0);
    }
    // Our peak RSS comes from the analysing process itself; logwatch's from GNU time (NaN, printed as null, without).
    expect(summary.big.ours.rssMiB).toBeGreaterThan(20);
    expect(summary.mix.ratio).toBeGreaterThan(0);
    expect(summary.findings.count).toBeGreaterThan(0);
    expect(summary.targets.every((t) => t.isMet)).toBe(true);
    expect(summary.isOk).toBe(true);
  }, 300_000);
});

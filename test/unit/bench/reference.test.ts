import { readFileSync } from 'node:fs';
import { CI_CASES } from '../../../src/bench/ci-cases.js';
import { formatReference, parseReference, type BenchReference } from '../../../src/bench/reference.js';
import { ConfigError } from '../../../src/errors.js';

const REFERENCE_FILE = 'bench/reference.json';

const valid: BenchReference = {
  about: 'test',
  measured: { commit: 'abc123', date: '2026-11-26T17:00:00.000Z', machine: '2 CPUs', how: 'npm run bench:reference' },
  reason: 'first reference',
  cases: { 'store-writes': { ratio: 4.86, tolerance: 0.1, rounds: [4.8, 4.86, 4.9] }, 'authlog-analysis': { ratio: 12, tolerance: 0.1, rounds: [12] } },
};

function problemOf(text: string): string {
  try {
    parseReference(text, 'ref.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('parsed');
}

describe('the committed bench/reference.json', () => {
  const reference = parseReference(readFileSync(REFERENCE_FILE, 'utf8'), REFERENCE_FILE);

  it('has an entry, with the 10 % tolerance, for every case the short benchmark runs', () => {
    for (const c of CI_CASES) {
      expect(reference.cases[c.name]).toEqual({ ratio: expect.any(Number), tolerance: 0.1, rounds: expect.any(Array) });
    }
    expect(Object.keys(reference.cases).sort()).toEqual(CI_CASES.map((c) => c.name).sort());
  });

  it('says when, on which commit, how and why it was measured', () => {
    expect(reference.measured.commit).toMatch(/^([0-9a-f]{7,40}(-dirty)?|unknown)$/);
    expect(Date.parse(reference.measured.date)).not.toBeNaN();
    expect(reference.measured.how).toContain('npm run bench:reference');
    expect(reference.reason.length).toBeGreaterThan(0);
  });

  it('is written as formatReference writes it', () => {
    expect(formatReference(reference)).toBe(readFileSync(REFERENCE_FILE, 'utf8'));
  });
});

describe('parseReference', () => {
  it('round-trips what formatReference writes, cases in name order', () => {
    const text = formatReference(valid);
    expect(parseReference(text, 'ref.json')).toEqual(valid);
    expect(Object.keys(JSON.parse(text).cases)).toEqual(['authlog-analysis', 'store-writes']);
  });

  it('names the file and the key of each problem', () => {
    const broken = { ...valid, cases: { 'store-writes': { ratio: -1, tolerance: 0.1, rounds: [1] } } };
    expect(problemOf(JSON.stringify(broken))).toMatch(/^ref\.json cases\.store-writes\.ratio: /);
    const { reason: _reason, ...noReason } = valid;
    expect(problemOf(JSON.stringify(noReason))).toMatch(/^ref\.json reason: /);
    expect(problemOf(JSON.stringify({ ...valid, extra: 1 }))).toMatch(/^ref\.json: .*extra/);
  });

  it('reports text that is not JSON in one line', () => {
    expect(problemOf('{ nope')).toMatch(/^ref\.json: not JSON: /);
  });
});

import { writePassJson } from '../../../src/cli/pass-json.js';
import type { Evidence, Finding, HostPassResult, PassResult } from '../../../src/types.js';

const finding = (key: string, lines: string[]): Finding => ({
  category: 'auth.bruteforce',
  severity: 'crit',
  ruleId: 'sshd.bruteforce',
  title: `brute force ${key}`,
  key,
  subject: key,
  count: lines.length,
  evidence: lines.length > 0 ? [{ source: '/var/log/auth.log', lines }] : [],
});

const host = (name: string, findings: Finding[]): HostPassResult => ({
  name,
  site: null,
  status: 'ok',
  error: null,
  score: 90,
  previousScore: null,
  health: 'healthy',
  reasons: [],
  findings,
  logBytesRead: 10,
  durationMs: 5,
  reportPath: null,
});

const pass = (hosts: HostPassResult[]): PassResult => ({
  runId: 7,
  startedAt: '2026-11-26T00:00:00.000Z',
  finishedAt: '2026-11-26T00:00:01.000Z',
  durationMs: 1000,
  status: 'complete',
  hosts,
});

async function written(result: PassResult, evidenceOf: (h: HostPassResult) => Map<string, Evidence[]>, redact?: (t: string) => string): Promise<string> {
  let text = '';
  await writePassJson(result, async (h) => evidenceOf(h), (t) => (text += t), redact);
  return text;
}

describe('writePassJson', () => {
  const full = pass([
    host('web-01', [finding('192.0.2.1', ['Failed password for root from 192.0.2.1']), finding('192.0.2.2', ['a', 'b'])]),
    host('web-02', []),
    host('db-01', [finding('192.0.2.3', [])]),
  ]);
  // What the pass keeps in memory: the same, without evidence; the store gives it back by finding key.
  const compact: PassResult = { ...full, hosts: full.hosts.map((h) => ({ ...h, findings: h.findings.map((f) => ({ ...f, evidence: [] })) })) };
  const stored = new Map(full.hosts.map((h) => [h.name, new Map(h.findings.map((f) => [f.key, f.evidence]))]));

  it('writes exactly what JSON.stringify(result, null, 2) would, evidence read back per host', async () => {
    expect(await written(compact, (h) => stored.get(h.name) ?? new Map())).toBe(`${JSON.stringify(full, null, 2)}\n`);
  });

  it('keeps evidence that is still in memory and handles a pass without hosts', async () => {
    expect(await written(full, () => new Map())).toBe(`${JSON.stringify(full, null, 2)}\n`);
    const none = pass([]);
    expect(await written(none, () => new Map())).toBe(`${JSON.stringify(none, null, 2)}\n`);
  });

  it('asks for one host at a time, in order, and redacts every piece', async () => {
    const asked: string[] = [];
    const text = await written(
      compact,
      (h) => {
        asked.push(h.name);
        return stored.get(h.name) ?? new Map();
      },
      (t) => t.replaceAll('192.0.2.1', '********'),
    );
    expect(asked).toEqual(['web-01', 'web-02', 'db-01']);
    expect(text).not.toContain('192.0.2.1');
    expect(JSON.parse(text)).toMatchObject({ runId: 7, hosts: [{ name: 'web-01' }, { name: 'web-02' }, { name: 'db-01' }] });
  });
});

/**
 * The AI stage's chain with the real provider clients against the loopback fake (the exact protocols), and the
 * store's cache on both dialects: fallback in order, the cache, the per-host and per-pass budgets, the rate limit,
 * timeouts, and "all down" keeping the prepared input.
 */
import { LlmAnalyzer, type AiHostMemory, type HostAiInput } from '../../../src/analyze/llm/analyzer.js';
import { createProviders } from '../../../src/analyze/llm/providers/index.js';
import type { AiSettings } from '../../../src/config/ai-settings.js';
import type { ProviderSettings } from '../../../src/analyze/llm/types.js';
import { createAiCache } from '../../../src/store/ai-repo.js';
import type { Finding, HostAnalysis } from '../../../src/types.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';
import { makeFacts, makeHost } from '../../unit/analyze/helpers.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');
const NO_MEMORY: AiHostMemory = { lastAnsweredAt: null, pending: null };
const API_KEY = 'sk-fake-0123456789abcdefghij';

function provider(type: ProviderSettings['type'], baseUrl: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    type,
    name: type,
    baseUrl,
    models: [type === 'anthropic' ? 'claude-3-5-haiku-latest' : type === 'ollama' ? 'llama3.1' : 'gpt-4o-mini'],
    apiKey: type === 'ollama' ? null : API_KEY,
    timeoutMs: 5_000,
    retries: 1,
    requestsPerMinute: null,
    jsonMode: 'auto',
    headers: {},
    ...overrides,
  };
}

function settings(providers: ProviderSettings[], overrides: Partial<AiSettings> = {}): AiSettings {
  return {
    enabled: true,
    providers,
    hostInputTokens: 4000,
    passInputTokens: 200_000,
    maxOutputTokens: 1200,
    cacheTtlMs: 86_400_000,
    summaryIntervalMs: 86_400_000,
    maxSeverity: 'warn',
    prices: {},
    ...overrides,
  };
}

const BRUTE: Finding = {
  category: 'auth.bruteforce',
  severity: 'crit',
  ruleId: 'sshd.bruteforce',
  title: '40 failed SSH logins from 198.51.100.7',
  key: 'auth.bruteforce:198.51.100.7',
  subject: '198.51.100.7',
  count: 40,
  passes: 1,
  evidence: [{ source: '/var/log/auth.log', lines: ['sshd[1]: Failed password for root from 198.51.100.7 port 5000 ssh2'] }],
};

function input(name: string, findings: Finding[] = [BRUTE], memory: AiHostMemory = NO_MEMORY): HostAiInput {
  const analysis: HostAnalysis = { findings: findings.map((f) => ({ ...f })), score: 60, status: 'critical', reasons: [] };
  return { host: makeHost({ name }), facts: makeFacts(), analysis, memory, secrets: [API_KEY], signal: new AbortController().signal };
}

const CITING = JSON.stringify({ summary: 'Brute force from 198.51.100.7.', health_score: 62, findings: [{ title: 'Block 198.51.100.7', severity: 'warn', category: 'security', evidence: ['F1', 'F1.1'], recommendation: 'fail2ban' }], recommendations: ['Block it'] });
const fastDeps = { backoffMs: () => 5 };

describe.each(await testDialects())('the AI stage (chain, cache, budgets) with the store on %s', (dialect) => {
  let store: TestStore;
  let fake: FakeLlm;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    fake = await startFakeLlm();
  });
  afterAll(async () => {
    await fake.close();
    await store.cleanup();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.fallback = { answer: CITING };
  });

  const analyzer = (s: AiSettings, extra: { sleep?: (ms: number, signal: AbortSignal) => Promise<void> } = {}) =>
    new LlmAnalyzer(s, createProviders(s.providers, fastDeps), { clock: () => NOW, cache: createAiCache(store.db), ...extra });

  it('tries the providers in order: 429 then 5xx on the first, malformed JSON on the second, the third answers', async () => {
    fake.script(
      { status: 429, headers: { 'retry-after-ms': '5' } },
      { status: 503 },
      { answer: 'I think the host is fine {"summary": ' },
      { answer: '```json\n' + CITING + '\n```' },
    );
    const chain = [provider('openai', `${fake.url}/v1`), provider('anthropic', fake.url), provider('ollama', fake.url)];
    const ai = analyzer(settings(chain, { prices: { 'llama3.1': { input: 1, output: 2 } } }));
    const outcome = await ai.analyze(input('chain-host'));
    expect(fake.chats().map((r) => r.route)).toEqual(['openai', 'openai', 'anthropic', 'ollama']);
    expect(outcome).toMatchObject({ status: 'ok', trigger: 'new', provider: 'ollama', model: 'llama3.1', pendingInput: null });
    expect(outcome.calls.map((c) => [c.provider, c.status, c.attempts])).toEqual([
      ['openai', 'failed', 2],
      ['anthropic', 'invalid', 1],
      ['ollama', 'ok', 1],
    ]);
    expect(outcome.calls[0]?.error).toMatch(/openai: HTTP 503 after 2 attempts/);
    expect(outcome.calls[1]?.error).toMatch(/not valid JSON|no JSON object/);
    // The invalid answer still cost tokens: they are recorded.
    expect(outcome.calls[1]?.tokensIn).toBeGreaterThan(0);
    const ok = outcome.calls[2]!;
    expect(ok.costUsd).toBeCloseTo(((ok.tokensIn ?? 0) * 1 + (ok.tokensOut ?? 0) * 2) / 1e6, 10);
    expect(outcome.answer?.findings.map((f) => [f.category, f.severity, f.title])).toEqual([['ai.finding', 'warn', 'Block 198.51.100.7']]);
    // The key never reaches a prompt, a message or a record.
    expect(JSON.stringify(fake.chats().map((r) => r.body))).not.toContain(API_KEY);
    expect(JSON.stringify(outcome)).not.toContain(API_KEY);
  });

  it('answers the same input from the cache for 24 h without a call, and calls again after', async () => {
    const s = settings([provider('openai', `${fake.url}/v1`)]);
    const first = await analyzer(s).analyze(input('cache-host'));
    expect(first.status).toBe('ok');
    const again = await analyzer(s).analyze(input('cache-host'));
    expect(again).toMatchObject({ status: 'cached', provider: 'openai', calls: [], inputHash: first.inputHash });
    expect(again.answer).toEqual(first.answer);
    expect(fake.chats()).toHaveLength(1);
    const later = new LlmAnalyzer(s, createProviders(s.providers, fastDeps), { clock: () => new Date(NOW.getTime() + 86_400_001), cache: createAiCache(store.db) });
    expect((await later.analyze(input('cache-host'))).status).toBe('ok');
    expect(fake.chats()).toHaveLength(2);
  });

  it('a quiet host costs nothing; an open warning gets a summary once a day; a kept input is analyzed later', async () => {
    const s = settings([provider('openai', `${fake.url}/v1`)]);
    const old = { ...BRUTE, passes: 4, since: '2026-11-25T00:00:00.000Z' };
    expect(await analyzer(s).analyze(input('quiet-host', []))).toMatchObject({ status: 'quiet', calls: [] });
    expect(await analyzer(s).analyze(input('quiet-host', [old], { lastAnsweredAt: '2026-11-26T09:00:00.000Z', pending: null }))).toMatchObject({ status: 'quiet' });
    expect(await analyzer(s).analyze(input('quiet-host', [old], { lastAnsweredAt: '2026-11-25T09:00:00.000Z', pending: null }))).toMatchObject({ status: 'ok', trigger: 'summary' });
    expect(fake.chats()).toHaveLength(1);

    fake.fallback = { status: 503 };
    const down = await analyzer(s).analyze(input('catch-up-host'));
    expect(down).toMatchObject({ status: 'unavailable', answer: null });
    expect(down.reason).toMatch(/^openai: HTTP 503/);
    expect(down.pendingInput?.findings[0]?.title).toBe(BRUTE.title);
    fake.fallback = { answer: CITING };
    const later = await analyzer(s).analyze(input('catch-up-host', [old], { lastAnsweredAt: null, pending: { id: 42, data: down.pendingInput!, createdAt: NOW.toISOString() } }));
    expect(later).toMatchObject({ status: 'ok', trigger: 'catch-up', catchUpOf: 42, inputHash: down.inputHash });
  });

  it('keeps each host within its token budget and stops calling when the pass budget is spent', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...BRUTE, key: `k${i}`, title: `finding ${i} ${'z'.repeat(200)}`, evidence: [{ source: '/var/log/x', lines: ['l'.repeat(280), 'm'.repeat(280)] }] }));
    const s = settings([provider('openai', `${fake.url}/v1`)], { hostInputTokens: 2500, passInputTokens: 4000 });
    const ai = analyzer(s);
    const first = await ai.analyze(input('budget-1', many));
    expect(first.status).toBe('ok');
    expect(first.estimatedTokens).toBeLessThanOrEqual(2500);
    const sent = fake.chats()[0]!.body as { messages: Array<{ content: string }> };
    expect(Math.ceil(sent.messages.map((m) => m.content).join('').length / 3.5)).toBeLessThanOrEqual(2500);
    expect(sent.messages[1]?.content).toMatch(/"omitted":\{"findings":[1-9]/);
    const second = await ai.analyze(input('budget-2', many));
    expect(second).toMatchObject({ status: 'skipped', calls: [] });
    expect(second.reason).toMatch(/pass token budget reached \(ai\.pass_input_tokens 4000/);
    expect(second.pendingInput).not.toBeNull();
    expect(fake.chats()).toHaveLength(1);
  });

  it('spaces calls to a rate-limited provider, and a hanging provider times out into the next one', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const limited = settings([provider('openai', `${fake.url}/v1`, { requestsPerMinute: 2 })]);
    const ai = analyzer(limited, { sleep });
    await ai.analyze(input('rate-1'));
    await ai.analyze(input('rate-2'));
    expect(waits).toEqual([30_000]);

    fake.script({ hang: true });
    const chain = settings([provider('openai', `${fake.url}/v1`, { timeoutMs: 300, retries: 0 }), provider('ollama', fake.url)]);
    const outcome = await analyzer(chain).analyze(input('hang-host'));
    expect(outcome).toMatchObject({ status: 'ok', provider: 'ollama' });
    expect(outcome.calls[0]).toMatchObject({ provider: 'openai', status: 'failed' });
    expect(outcome.calls[0]?.error).toBe('openai: no answer within 0.3 s (1 attempt)');
  });

  it('the pass deadline ends the AI stage: unavailable, input kept, no throw', async () => {
    const stop = new AbortController();
    stop.abort();
    const outcome = await analyzer(settings([provider('openai', `${fake.url}/v1`)])).analyze({ ...input('deadline-host'), signal: stop.signal });
    expect(outcome).toMatchObject({ status: 'unavailable', reason: 'pass deadline reached' });
    expect(outcome.pendingInput).not.toBeNull();
  });
});

import { loadConfigText } from '../../../src/config/load.js';
import { INLINE_FILE, textError } from './fixture.js';

const HOSTS = 'hosts:\n  - {name: h1, hostname: h1, user: dtmon}\n';
const load = (text: string, env: Record<string, string> = {}) => loadConfigText(text, INLINE_FILE, { env, homeDir: '/home/me' });
const errorOf = (text: string, env: Record<string, string> = {}): string => textError(text, { env }).message;

describe('ai settings: the provider chain, budgets, prices', () => {
  it('is off when the file has no ai section (a quiet default: no LLM is called)', () => {
    const ai = load(HOSTS).ai;
    expect(ai.enabled).toBe(false);
    expect(ai.providers).toEqual([]);
  });

  it("keeps the original's ai.opencode block working: one OpenCode provider with its models and auto start", () => {
    const ai = load('ai:\n  opencode:\n    host: 10.0.0.5\n    port: 4097\n    preferred_models: [xai/grok-code-fast-1]\n' + HOSTS).ai;
    expect(ai.enabled).toBe(true);
    expect(ai.providers).toEqual([
      expect.objectContaining({
        type: 'opencode',
        name: 'opencode',
        baseUrl: 'http://10.0.0.5:4097',
        models: ['xai/grok-code-fast-1'],
        apiKey: null,
        timeoutMs: 120_000,
        opencode: expect.objectContaining({ autoStart: true, command: 'opencode', keepRunning: false, password: null }),
      }),
    ]);
    // The original's defaults when the block is there but empty.
    const defaults = load('ai:\n  opencode: {}\n' + HOSTS).ai.providers[0];
    expect(defaults).toMatchObject({ baseUrl: 'http://localhost:4096', models: ['grok/grok-beta', 'anthropic/claude-3-5-sonnet', 'openai/gpt-4', 'ollama/llama3.1'] });
  });

  it('reads the chain of the issue in order, with keys from the environment only', () => {
    const text = `ai:
  providers:
    - {type: opencode, base_url: "http://localhost:4096", models: [xai/grok-code-fast-1, anthropic/claude-3-5-sonnet]}
    - {type: openai, base_url: "https://api.openai.com/v1/", model: gpt-4o-mini, api_key: "\${OPENAI_API_KEY}", requests_per_minute: 30}
    - {type: ollama, base_url: "http://127.0.0.1:11434", model: "llama3.1", json_mode: off, timeout: 30}
    - {type: openai, base_url: "http://127.0.0.1:1234/v1", model: local, headers: {X-Proxy-Token: abcdef123456}}
  host_input_tokens: 3000
  prices: {local: {input: 0.01, output: 0.02}}
${HOSTS}`;
    const config = load(text, { OPENAI_API_KEY: 'sk-test-0123456789abcdef' });
    const ai = config.ai;
    expect(ai.enabled).toBe(true);
    expect(ai.providers.map((p) => [p.name, p.type, p.baseUrl, p.models])).toEqual([
      ['opencode', 'opencode', 'http://localhost:4096', ['xai/grok-code-fast-1', 'anthropic/claude-3-5-sonnet']],
      ['openai', 'openai', 'https://api.openai.com/v1', ['gpt-4o-mini']],
      ['ollama', 'ollama', 'http://127.0.0.1:11434', ['llama3.1']],
      ['openai#2', 'openai', 'http://127.0.0.1:1234/v1', ['local']],
    ]);
    expect(ai.providers[0]?.opencode?.autoStart).toBe(false);
    expect(ai.providers[1]).toMatchObject({ apiKey: 'sk-test-0123456789abcdef', requestsPerMinute: 30, retries: 3, jsonMode: 'auto' });
    expect(ai.providers[2]).toMatchObject({ jsonMode: 'off', timeoutMs: 30_000 });
    expect(ai).toMatchObject({ hostInputTokens: 3000, passInputTokens: 200_000, maxOutputTokens: 1200, cacheTtlMs: 86_400_000, summaryIntervalMs: 86_400_000, maxSeverity: 'warn' });
    expect(ai.prices).toEqual({ local: { input: 0.01, output: 0.02 } });
    // The key and a proxy header are secrets: masked wherever output could show them.
    expect(config.secrets).toEqual(expect.arrayContaining(['sk-test-0123456789abcdef', 'abcdef123456']));
  });

  it('refuses an API key or server password written into the file, naming the line and the way to fix it', () => {
    const literal = 'ai:\n  providers:\n    - {type: openai, model: gpt-4o-mini, api_key: sk-live-abcdef0123456789}\n' + HOSTS;
    const message = errorOf(literal);
    expect(message).toMatch(/yaml:3:\d+ ai\.providers\[0\]\.api_key: api_key must come from an environment variable, not the file: write api_key: "\$\{OPENAI_API_KEY\}"/);
    expect(message).not.toContain('sk-live-abcdef0123456789');
    expect(errorOf('ai:\n  opencode:\n    password: hunter22\n' + HOSTS)).toMatch(/ai\.opencode\.password: password must come from an environment variable/);
    // A missing variable is the usual one-line error naming it.
    expect(errorOf('ai:\n  providers:\n    - {type: anthropic, model: claude-3-5-haiku-latest, api_key: "${ANTHROPIC_API_KEY}"}\n' + HOSTS)).toMatch(
      /environment variable ANTHROPIC_API_KEY is not set/,
    );
  });

  it('names wrong provider entries: unknown type, missing model, opencode-only keys elsewhere, unknown keys', () => {
    expect(errorOf('ai:\n  providers:\n    - {type: gemini, model: x}\n' + HOSTS)).toMatch(/ai\.providers\[0\]\.type: expected one of "opencode", "openai", "anthropic", "ollama"/);
    expect(errorOf('ai:\n  providers:\n    - {type: ollama}\n' + HOSTS)).toMatch(/ai\.providers\[0\]\.model: required for a provider of type ollama/);
    expect(errorOf('ai:\n  providers:\n    - {type: openai, model: m, auto_start: true}\n' + HOSTS)).toMatch(/ai\.providers\[0\]\.auto_start: only for type opencode/);
    expect(errorOf('ai:\n  providers:\n    - {type: openai, model: m, apikey: "${K}"}\n' + HOSTS, { K: 'x' })).toMatch(/ai\.providers\[0\].*apikey/);
    expect(errorOf('ai:\n  host_input_tokens: 10\n' + HOSTS)).toMatch(/ai\.host_input_tokens: expected an integer from 500/);
  });

  it('enabled: false turns the chain off without deleting it', () => {
    const ai = load('ai:\n  enabled: false\n  providers:\n    - {type: ollama, model: llama3.1}\n' + HOSTS).ai;
    expect(ai.enabled).toBe(false);
    expect(ai.providers).toHaveLength(1);
  });
});

describe('ai settings are not secrets by accident', () => {
  it('token budgets are counts: not masked, and their numbers are not redacted from output', () => {
    const config = load('ai:\n  host_input_tokens: 4000\n  max_output_tokens: 1200\n  providers:\n    - {type: ollama, model: llama3.1}\n' + HOSTS);
    expect(config.secrets).not.toContain('4000');
    expect(config.secrets).not.toContain('1200');
  });
});

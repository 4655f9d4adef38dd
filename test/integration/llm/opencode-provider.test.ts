import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageError, offeredModels, pickModel, splitModel } from '../../../src/analyze/llm/providers/opencode-api.js';
import { createOpencodeProvider } from '../../../src/analyze/llm/providers/opencode.js';
import { lastLines, serverConfigContent } from '../../../src/analyze/llm/providers/opencode-server.js';
import { LlmError, type OpencodeSettings, type ProviderSettings } from '../../../src/analyze/llm/types.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../../helpers/fake-llm.js';
import { FAKE_MODEL, fakeProviderConfig, hermeticEnv, isAlive, OPENCODE_BIN, opencodeIt, startOpencode, type OpencodeServer } from '../../helpers/opencode.js';
import { findProcesses } from '../../helpers/proc.js';
import { closedPort, llmFailure as failureOf, llmRequest, providerSettings } from './provider-settings.js';

const SYSTEM = 'You are dthostmon, a Linux host-health analyst. Answer in JSON only.';
const PASSWORD = 'oc-pass-0123456789';
const ANALYSIS = '{"summary":"disk /var fills up","findings":[],"recommendations":[]}';
const OPENCODE_DEFAULT_PROMPT = 'You are opencode';

function settingsFor(baseUrl: string, over: Partial<ProviderSettings> = {}, oc: Partial<OpencodeSettings> = {}): ProviderSettings {
  return providerSettings('opencode', baseUrl, {
    models: [FAKE_MODEL],
    apiKey: null,
    timeoutMs: 20_000,
    retries: 1,
    opencode: { autoStart: false, command: OPENCODE_BIN, password: PASSWORD, agent: null, startTimeoutMs: 30_000, keepRunning: false, ...oc },
    ...over,
  });
}

/** The provider's error, checked to be an LlmError with a one-line message that holds no password. */
const llmFailure = (promise: Promise<unknown>, secrets: string[] = [PASSWORD]): Promise<LlmError> => failureOf(promise, 'opencode', secrets);

/** The system prompt the model got (OpenCode sends one system message). */
function systemOf(req: RecordedRequest | undefined): string {
  const messages = (req?.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages ?? [];
  return messages
    .filter((m) => m.role === 'system')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}

/** Tools offered to the model: none must be. */
function toolsOf(req: RecordedRequest | undefined): unknown[] {
  return (req?.body as { tools?: unknown[] } | undefined)?.tools ?? [];
}

/** An OpenAI SSE answer in which the model calls OpenCode's `bash` tool instead of answering. */
function bashToolCall(command: string): string {
  const base = { id: 'chatcmpl-tool', object: 'chat.completion.chunk', created: 0, model: 'fake-model' };
  const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'bash', arguments: '' } };
  const chunks = [
    { choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: null }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: JSON.stringify({ command, description: 'x' }) } }] }, finish_reason: null }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } },
  ];
  return `${chunks.map((c) => `data: ${JSON.stringify({ ...base, ...c })}\n\n`).join('')}data: [DONE]\n\n`;
}

/** What OpenCode told the model about its tool call (the `tool` message of the follow-up request). */
function toolResultOf(req: RecordedRequest | undefined): string {
  const messages = (req?.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages ?? [];
  return messages
    .filter((m) => m.role === 'tool')
    .map((m) => String(m.content))
    .join('\n');
}

function basic(password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}` };
}

async function getJson(url: string, password = PASSWORD): Promise<unknown> {
  const res = await fetch(url, { headers: basic(password), signal: AbortSignal.timeout(5000) });
  return res.json() as Promise<unknown>;
}

describe('the opencode provider: protocol pieces', () => {
  it('splits provider/model at the first slash only', () => {
    expect(splitModel('fake/fake-model')).toEqual({ providerID: 'fake', modelID: 'fake-model' });
    expect(splitModel('openrouter/anthropic/claude-3.5-sonnet')).toEqual({ providerID: 'openrouter', modelID: 'anthropic/claude-3.5-sonnet' });
    expect(splitModel('no-slash')).toBeNull();
    expect(splitModel('/x')).toBeNull();
  });

  it('reads the models of /config/providers in the current map shape and the old array shape', () => {
    const current = { providers: [{ id: 'xai', models: { 'grok-code-fast-1': { id: 'grok-code-fast-1' } } }, { id: 'fake', models: { 'fake-model': {} } }], default: {} };
    const old = { providers: [{ id: 'anthropic', models: [{ id: 'claude-3-5-sonnet' }, { name: 'no id' }] }] };
    expect(offeredModels(current)).toEqual(['xai/grok-code-fast-1', 'fake/fake-model']);
    expect(offeredModels(old)).toEqual(['anthropic/claude-3-5-sonnet']);
    expect(offeredModels({ nothing: true })).toEqual([]);
    expect(pickModel(['xai/grok-4', 'fake/fake-model', 'xai/grok-code-fast-1'], offeredModels(current))).toBe('fake/fake-model');
    expect(pickModel(['xai/grok-4'], offeredModels(current))).toBeNull();
  });

  it('maps the info.error of a message answer (sent with HTTP 200) to an error kind', () => {
    const kindOf = (error: Record<string, unknown>): string => messageError('opencode', error, 1).kind;
    expect(kindOf({ name: 'APIError', data: { message: 'invalid api key', statusCode: 401, isRetryable: false } })).toBe('auth');
    expect(kindOf({ name: 'ProviderAuthError', data: { providerID: 'xai', message: 'no key' } })).toBe('auth');
    expect(kindOf({ name: 'APIError', data: { message: 'rate limited', statusCode: 429 } })).toBe('http');
    expect(kindOf({ name: 'APIError', data: { message: 'fake upstream failure', statusCode: 500 } })).toBe('http');
    expect(kindOf({ name: 'UnknownError', data: { message: 'The operation timed out.' } })).toBe('timeout');
    expect(kindOf({ name: 'MessageAbortedError', data: { message: 'Aborted' } })).toBe('aborted');
    expect(kindOf({ name: 'APIError', data: { message: 'Cannot connect to API: Unable to connect. Is the computer able to access the url?', isRetryable: true } })).toBe('network');
    expect(kindOf({ name: 'MessageOutputLengthError', data: {} })).toBe('protocol');
    const err = messageError('opencode', { name: 'APIError', data: { message: 'invalid api key', statusCode: 401 } }, 2);
    expect(err.message).toBe("opencode: the model's provider failed behind OpenCode: HTTP 401: invalid api key (APIError) (check that provider's API key in the OpenCode server's config)");
    expect(err.status).toBe(401);
    expect(err.attempts).toBe(2);
  });

  it('adds our tool-less agent to the user config without dropping theirs', () => {
    const user = JSON.stringify({ provider: { xai: { options: {} } }, share: 'auto', agent: { review: { prompt: 'theirs' }, dthostmon: { prompt: 'old', tools: { bash: true } } } });
    const merged = JSON.parse(serverConfigContent(user, SYSTEM)) as Record<string, Record<string, unknown>>;
    expect(merged.provider).toEqual({ xai: { options: {} } });
    expect(merged.share).toBe('disabled');
    expect(merged.autoupdate).toBe(false);
    expect(merged.agent).toEqual({
      review: { prompt: 'theirs' },
      dthostmon: { mode: 'primary', prompt: SYSTEM, temperature: 0, tools: { '*': false }, permission: { '*': 'deny' } },
    });
    expect(JSON.parse(serverConfigContent(undefined, SYSTEM))).toMatchObject({ agent: { dthostmon: { prompt: SYSTEM } } });
    expect(() => serverConfigContent('{ "jsonc": true, // comment\n }', SYSTEM)).toThrow('OPENCODE_CONFIG_CONTENT is not JSON');
  });

  it('reports the last lines a failed server printed, on one line and without colours', () => {
    expect(lastLines('Warning: unsecured\n\x1b[91m\x1b[1mError: \x1b[0mUnexpected error\n\nServeError\n')).toBe('Error: Unexpected error | ServeError');
    expect(lastLines('')).toBe('');
  });
});

describe('the opencode provider starting a server that fails', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dthm-oc-fail-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('a missing binary is a one-line network error naming the command', async () => {
    const port = await closedPort();
    const provider = createOpencodeProvider(settingsFor(`http://127.0.0.1:${port}`, {}, { autoStart: true, command: join(dir, 'no-such-dir', 'opencode') }));
    const err = await llmFailure(provider.complete(llmRequest()));
    expect(err.kind).toBe('network');
    expect(err.message).toBe(`opencode: command not found: ${join(dir, 'no-such-dir', 'opencode')}`);
    await provider.close();
  });

  it('a server that exits early is reported with its last output, once: the next call does not start it again', async () => {
    const runs = join(dir, 'runs.log');
    const command = script('broken-opencode', `echo run >> ${runs}\necho "Warning: something" >&2\necho "Error: Configuration is invalid at $HOME/x.json" >&2\nexit 3`);
    const port = await closedPort();
    const provider = createOpencodeProvider(settingsFor(`http://127.0.0.1:${port}`, {}, { autoStart: true, command }));
    const err = await llmFailure(provider.complete(llmRequest()));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/^opencode: opencode serve exited with code 3 before it answered: Warning: something \| Error: Configuration is invalid at .*x\.json$/);
    const again = await llmFailure(provider.complete(llmRequest()));
    expect(again.message).toBe(err.message);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    await provider.close();
  });

  it('a server that never answers is stopped after startTimeoutMs', async () => {
    const pidFile = join(dir, 'silent.pid');
    const command = script('silent-opencode', `echo $$ > ${pidFile}\necho "still booting"\nexec sleep 60`);
    const port = await closedPort();
    const provider = createOpencodeProvider(settingsFor(`http://127.0.0.1:${port}`, {}, { autoStart: true, command, startTimeoutMs: 800 }));
    const err = await llmFailure(provider.complete(llmRequest()));
    expect(err.kind).toBe('network');
    expect(err.message).toBe(`opencode: opencode serve did not answer on 127.0.0.1:${port} within 0.8 s (it said: still booting)`);
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    await provider.close();
  });

  it('without auto_start a server that is not there is a network error, and the next call looks again', async () => {
    const port = await closedPort();
    const provider = createOpencodeProvider(settingsFor(`http://127.0.0.1:${port}`));
    const err = await llmFailure(provider.complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'network', message: `opencode: no OpenCode server answers at http://127.0.0.1:${port} (auto_start is off)` });
    const again = await llmFailure(provider.complete(llmRequest()));
    expect(again.kind).toBe('network');
  });

  it('close() leaves a kept-running server alive and stops one that ignores SIGTERM with SIGKILL', async () => {
    // A stand-in for `opencode serve` that answers everything with 200 and (optionally) ignores SIGTERM.
    const serve = join(dir, 'stand-in.cjs');
    writeFileSync(
      serve,
      `const a = process.argv; const host = a[a.indexOf('--hostname') + 1], port = +a[a.indexOf('--port') + 1];
       if (process.env.IGNORE_TERM) process.on('SIGTERM', () => {});
       require('fs').writeFileSync(process.env.PID_FILE, String(process.pid));
       require('http').createServer((q, s) => s.end('{}')).listen(port, host);`,
    );
    const command = script('stand-in-opencode', `exec "${process.execPath}" ${serve} "$@"`);
    for (const [keepRunning, ignoreTerm] of [
      [true, false],
      [false, true],
    ] as const) {
      const pidFile = join(dir, `stand-in-${keepRunning}.pid`);
      const port = await closedPort();
      const notes: string[] = [];
      const env = { PID_FILE: pidFile, ...(ignoreTerm ? { IGNORE_TERM: '1' } : {}) };
      const provider = createOpencodeProvider(settingsFor(`http://127.0.0.1:${port}`, {}, { autoStart: true, command, keepRunning, password: null }), { env, onNote: (m) => void notes.push(m) });
      // The stand-in lists no models: the call fails after the start, which is what this test is about.
      const err = await llmFailure(provider.complete(llmRequest()));
      expect(err.message).toBe(`opencode: the OpenCode server offers none of the models asked for (${FAKE_MODEL}); it offers none`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(notes[0]).toMatch(new RegExp(`^opencode: started opencode serve on 127\\.0\\.0\\.1:${port} \\(pid ${pid}, ready in [\\d.]+ s\\)$`));
      const startedAt = Date.now();
      await provider.close();
      if (keepRunning) {
        expect(isAlive(pid)).toBe(true);
        expect(notes[1]).toBe(`opencode: leaving opencode serve running (pid ${pid}, keep_running)`);
        // Its working directory stays with it; this test cleans up what the user would keep.
        const serverDir = readlinkSync(`/proc/${pid}/cwd`);
        process.kill(pid, 'SIGKILL');
        rmSync(serverDir, { recursive: true, force: true });
      } else {
        expect(isAlive(pid)).toBe(false);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2900);
      }
    }
  }, 20_000);
});

describe('the opencode provider against the real OpenCode server', () => {
  let fake: FakeLlm;
  let dir: string;
  let server: OpencodeServer | null = null;

  beforeAll(async () => {
    fake = await startFakeLlm();
    dir = mkdtempSync(join(tmpdir(), 'dthm-opencode-'));
    if (!existsSync(OPENCODE_BIN)) return;
    const s1 = join(dir, 's1');
    mkdirSync(s1);
    // Someone else's server: a password, OpenCode's own agents plus one tool-less agent of theirs.
    const config = fakeProviderConfig(fake.url, { agent: { analyst: { mode: 'primary', prompt: 'You are the analyst agent of the ops team.', tools: { '*': false } } } });
    server = await startOpencode({ dir: s1, port: await closedPort(), config, password: PASSWORD });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.fallback = { answer: ANALYSIS, tokensIn: 1200, tokensOut: 300 };
  });

  /** No session is left behind, and none is still running a model call. */
  async function expectNoSessions(url: string, password = PASSWORD): Promise<void> {
    expect(await getJson(`${url}/session`, password)).toEqual([]);
    expect(await getJson(`${url}/session/status`, password)).toEqual({});
  }

  function running(): OpencodeServer {
    if (!server) throw new Error(`${OPENCODE_BIN} is missing (CI=true: the real OpenCode server is required)`);
    return server;
  }

  opencodeIt('uses a server started by someone else: the next listed model, tools off, our prompt after OpenCode\'s, the session deleted', async () => {
    const s = running();
    const notes: string[] = [];
    const provider = createOpencodeProvider(settingsFor(s.url, { models: ['xai/grok-code-fast-1', FAKE_MODEL] }), { onNote: (m) => void notes.push(m) });
    const res = await provider.complete(llmRequest({ system: SYSTEM }));
    expect(res).toEqual({
      text: ANALYSIS,
      provider: 'opencode',
      model: FAKE_MODEL,
      tokensIn: 1200,
      tokensOut: 300,
      // The server's own price computation: 1200 * $3 + 300 * $15 per million tokens.
      reportedCostUsd: expect.closeTo(0.0081, 6),
      attempts: 3,
      durationMs: expect.any(Number),
    });
    const chats = fake.chats();
    expect(chats).toHaveLength(1);
    expect(toolsOf(chats[0])).toEqual([]);
    const system = systemOf(chats[0]);
    expect(system.startsWith(OPENCODE_DEFAULT_PROMPT)).toBe(true);
    expect(system.endsWith(SYSTEM)).toBe(true);
    expect(JSON.stringify(chats[0]?.body)).toContain('Host web1: <data>nothing new</data>');
    expect(notes).toEqual([`opencode: the server at ${s.url} was not started by dthostmon and no agent is set: our system prompt is appended to OpenCode's own (tools stay off)`]);
    await expectNoSessions(s.url);
    await provider.close();
    expect(isAlive(s.pid)).toBe(true);
  });

  opencodeIt('a model reply calling bash runs through the default agent (direct API use) but never through the provider', async () => {
    const s = running();
    const s1 = join(dir, 's1');
    const toolCall = { raw: bashToolCall('touch tool-ran-here'), contentType: 'text/event-stream' };
    // Control: the same reply sent through OpenCode's own agent, as a client that does not turn tools off.
    fake.script(toolCall);
    const headers = { ...basic(PASSWORD), 'content-type': 'application/json' };
    const session = (await (await fetch(`${s.url}/session`, { method: 'POST', headers, body: JSON.stringify({ title: 'control' }) })).json()) as { id: string };
    await fetch(`${s.url}/session/${session.id}/message`, { method: 'POST', headers, body: JSON.stringify({ parts: [{ type: 'text', text: 'hi' }] }) });
    await fetch(`${s.url}/session/${session.id}`, { method: 'DELETE', headers });
    expect(existsSync(join(s1, 'tool-ran-here'))).toBe(true);
    rmSync(join(s1, 'tool-ran-here'));

    fake.requests.length = 0;
    fake.script(toolCall);
    const res = await createOpencodeProvider(settingsFor(s.url)).complete(llmRequest({ system: SYSTEM }));
    expect(res.text).toBe(ANALYSIS);
    expect(existsSync(join(s1, 'tool-ran-here'))).toBe(false);
    const [first, followUp] = fake.chats();
    expect(toolsOf(first)).toEqual([]);
    expect(toolResultOf(followUp)).toBe("Model tried to call unavailable tool 'invalid'. Available tools: .");
    await expectNoSessions(s.url);
  });

  opencodeIt('runs as a configured agent of that server, whose prompt replaces OpenCode\'s', async () => {
    const s = running();
    const provider = createOpencodeProvider(settingsFor(s.url, {}, { agent: 'analyst' }));
    await provider.complete(llmRequest({ system: SYSTEM }));
    const [chat] = fake.chats();
    expect(systemOf(chat)).toMatch(/^You are the analyst agent of the ops team\.\n[\s\S]*You are dthostmon/);
    expect(systemOf(chat)).not.toContain(OPENCODE_DEFAULT_PROMPT);
    expect(toolsOf(chat)).toEqual([]);
    const missing = createOpencodeProvider(settingsFor(s.url, {}, { agent: 'nosuch' }));
    const err = await llmFailure(missing.complete(llmRequest()));
    expect(err.kind).toBe('protocol');
    expect(err.message).toMatch(/^opencode: the OpenCode server has no agent "nosuch"; it has [a-z, ]+$/);
    expect(err.message).toMatch(/\banalyst\b/);
    expect(err.message).toMatch(/\bbuild\b/);
    await expectNoSessions(s.url);
  });

  opencodeIt('a model the server does not offer is a protocol error naming what was asked and what it offers', async () => {
    const s = running();
    const provider = createOpencodeProvider(settingsFor(s.url, { models: ['xai/grok-code-fast-1', 'anthropic/claude-3-5-sonnet'] }));
    const err = await llmFailure(provider.complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'protocol', message: `opencode: the OpenCode server offers none of the models asked for (xai/grok-code-fast-1, anthropic/claude-3-5-sonnet); it offers ${FAKE_MODEL}` });
    expect(fake.chats()).toHaveLength(0);
  });

  opencodeIt('a wrong or missing server password is an auth error that does not quote the password', async () => {
    const s = running();
    const wrong = 'wrong-pass-5555';
    const err = await llmFailure(createOpencodeProvider(settingsFor(s.url, {}, { password: wrong })).complete(llmRequest()), [wrong, PASSWORD]);
    expect(err).toMatchObject({ kind: 'auth', status: 401, message: `opencode: the OpenCode server at ${s.url} refused the password (HTTP 401)` });
    const none = await llmFailure(createOpencodeProvider(settingsFor(s.url, {}, { password: null })).complete(llmRequest()));
    expect(none.message).toBe(`opencode: the OpenCode server at ${s.url} asks for a password (set password from OPENCODE_SERVER_PASSWORD) (HTTP 401)`);
    expect(fake.chats()).toHaveLength(0);
  });

  opencodeIt('an upstream 401 (sent by the server as HTTP 200 with info.error) is an auth error; the session is deleted', async () => {
    const s = running();
    fake.script({ status: 401 });
    const err = await llmFailure(createOpencodeProvider(settingsFor(s.url)).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
    expect(err.message).toContain('HTTP 401: invalid api key');
    await expectNoSessions(s.url);
  });

  opencodeIt('an upstream that keeps failing with 500 is an http error once the server gave up retrying', async () => {
    const s = running();
    // The server retries 5xx itself and honours retry-after-ms, so this takes a fraction of a second.
    fake.fallback = { status: 500, headers: { 'retry-after-ms': '10' } };
    const err = await llmFailure(createOpencodeProvider(settingsFor(s.url)).complete(llmRequest()));
    expect(err).toMatchObject({ kind: 'http', status: 500 });
    expect(fake.chats().length).toBeGreaterThan(1);
    await expectNoSessions(s.url);
  });

  opencodeIt('a model call cut off by timeoutMs or by the pass deadline is aborted on the server and its session deleted', async () => {
    const s = running();
    fake.fallback = { hang: true };
    const slow = createOpencodeProvider(settingsFor(s.url, { timeoutMs: 1500 }));
    const err = await llmFailure(slow.complete(llmRequest()));
    expect(err.kind).toBe('timeout');
    await expectNoSessions(s.url);
    const deadline = llmRequest({ signal: AbortSignal.timeout(1500) });
    const cut = await llmFailure(createOpencodeProvider(settingsFor(s.url)).complete(deadline));
    expect(cut.kind).toBe('aborted');
    await expectNoSessions(s.url);
    expect(fake.chats()).toHaveLength(2);
  });

  opencodeIt('auto start: one server for concurrent calls, our agent (our prompt, no tools, our answer cap), password, stopped by close()', async () => {
    const s2 = join(dir, 's2');
    mkdirSync(s2);
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const password = 'started-pass-24680';
    const notes: string[] = [];
    const env = { ...hermeticEnv(s2), OPENCODE_CONFIG_CONTENT: JSON.stringify(fakeProviderConfig(fake.url)) };
    const provider = createOpencodeProvider(settingsFor(url, {}, { autoStart: true, password }), { env, onNote: (m) => void notes.push(m) });
    try {
      const [a, b] = await Promise.all([provider.complete(llmRequest({ system: SYSTEM })), provider.complete(llmRequest({ system: SYSTEM, user: 'Host web2: <data>x</data>' }))]);
      expect([a.text, b.text]).toEqual([ANALYSIS, ANALYSIS]);
      expect(notes).toHaveLength(1);
      const pid = Number(/\(pid (\d+),/.exec(notes[0] ?? '')?.[1]);
      expect(findProcesses((p) => p.argv.includes('serve') && p.argv.includes(String(port)))).toEqual([expect.objectContaining({ pid })]);
      // The server runs in a directory of its own, where the bash tool would work.
      const serverDir = readlinkSync(`/proc/${pid}/cwd`);
      expect(serverDir).toMatch(/\/dthostmon-opencode-[^/]+$/);

      const chats = fake.chats();
      expect(chats).toHaveLength(2);
      for (const chat of chats) {
        expect(systemOf(chat).startsWith(`${SYSTEM}\n`)).toBe(true);
        expect(systemOf(chat)).not.toContain(OPENCODE_DEFAULT_PROMPT);
        expect(toolsOf(chat)).toEqual([]);
        expect(chat.body).toMatchObject({ max_tokens: 800, temperature: 0 });
      }
      // The started server wants the password; the provider sent it.
      expect((await fetch(`${url}/session`)).status).toBe(401);
      await expectNoSessions(url, password);

      // Our agent offers no tools: a reply calling one is answered with an error, never run.
      fake.script({ raw: bashToolCall('touch tool-ran-here'), contentType: 'text/event-stream' });
      expect((await provider.complete(llmRequest({ system: SYSTEM }))).text).toBe(ANALYSIS);
      expect(toolResultOf(fake.chats()[3])).toMatch(/unavailable tool/);
      expect(existsSync(join(serverDir, 'tool-ran-here'))).toBe(false);

      // A request with another system prompt still gets it, after the one the agent was started with.
      await provider.complete(llmRequest({ system: 'A second system prompt.' }));
      expect(systemOf(fake.chats()[4])).toMatch(/^You are dthostmon[\s\S]*\nA second system prompt\.$/);

      await provider.close();
      expect(isAlive(pid)).toBe(false);
      expect(existsSync(serverDir)).toBe(false);
      await expect(fetch(`${url}/global/health`)).rejects.toThrow();
    } finally {
      await provider.close();
    }
  }, 60_000);
});

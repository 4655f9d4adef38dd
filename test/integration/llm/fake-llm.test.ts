/** The fake LLM itself: the shapes the other tests (and a real OpenCode server streaming to it) rely on. */
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.js';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The JSON payloads of an SSE body, and whether it ended with [DONE]. */
function sseEvents(text: string): { events: Record<string, unknown>[]; isDone: boolean } {
  const data = text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
  return { events: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Record<string, unknown>), isDone: data.at(-1) === '[DONE]' };
}

describe('the fake LLM', () => {
  let fake: FakeLlm;
  beforeEach(async () => {
    fake = await startFakeLlm();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('streams an OpenAI answer as SSE chunks, with the usage chunk when asked for', async () => {
    fake.script({ answer: 'a fairly long answer that spans chunks', tokensIn: 9, tokensOut: 4 });
    const res = await post(`${fake.url}/v1/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [] });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { events, isDone } = sseEvents(await res.text());
    expect(isDone).toBe(true);
    const deltas = events.flatMap((e) => (e.choices as { delta: { content?: string } }[]).map((c) => c.delta.content ?? ''));
    expect(deltas.join('')).toBe('a fairly long answer that spans chunks');
    expect(events.every((e) => e.object === 'chat.completion.chunk' && e.model === 'm')).toBe(true);
    expect(events.at(-2)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
  });

  it('streams without a usage chunk when not asked for', async () => {
    const res = await post(`${fake.url}/chat/completions`, { model: 'm', stream: true, messages: [] });
    const { events } = sseEvents(await res.text());
    expect(events.some((e) => 'usage' in e)).toBe(false);
  });

  it("streams Ollama's NDJSON when stream is not false", async () => {
    fake.script({ answer: 'x'.repeat(45), tokensIn: 2, tokensOut: 3 });
    const lines = (await (await post(`${fake.url}/api/chat`, { model: 'llama3.1', messages: [] })).text()).trim().split('\n');
    const parts = lines.map((l) => JSON.parse(l) as { message: { content: string }; done: boolean; eval_count?: number });
    expect(parts.map((p) => p.message.content).join('')).toBe('x'.repeat(45));
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 2, eval_count: 3 });
  });

  it('lists its models on both list routes without taking a scripted step', async () => {
    fake.models = ['a', 'b'];
    fake.script({ answer: 'kept' });
    expect(await (await fetch(`${fake.url}/v1/models`)).json()).toMatchObject({ object: 'list', data: [{ id: 'a' }, { id: 'b' }] });
    expect(await (await fetch(`${fake.url}/api/tags`)).json()).toMatchObject({ models: [{ name: 'a' }, { name: 'b' }] });
    const chat = (await (await post(`${fake.url}/v1/chat/completions`, { messages: [] })).json()) as { choices: { message: { content: string } }[] };
    expect(chat.choices[0]?.message.content).toBe('kept');
    expect(fake.chats()).toHaveLength(1);
    expect(fake.requests.map((r) => r.route)).toEqual(['openai-models', 'ollama-tags', 'openai']);
  });

  it("sends each protocol's own error shape", async () => {
    fake.script({ status: 429 }, { status: 529 }, { status: 404 });
    expect(await (await post(`${fake.url}/v1/chat/completions`, {})).json()).toEqual({
      error: { message: 'rate limit reached, retry later', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(await (await post(`${fake.url}/v1/messages`, {})).json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake' });
    expect(await (await post(`${fake.url}/api/chat`, {})).json()).toEqual({ error: 'not found' });
  });

  it('answers from the fallback function when the queue is empty, and 404s an unknown route', async () => {
    fake.fallback = (req) => ({ answer: `you sent ${req.path}` });
    const res = (await (await post(`${fake.url}/v1/messages`, { model: 'claude' })).json()) as { content: { text: string }[]; model: string };
    expect(res).toMatchObject({ model: 'claude', content: [{ type: 'text', text: 'you sent /v1/messages' }] });
    expect((await fetch(`${fake.url}/nowhere`)).status).toBe(404);
  });

  it('records a request it never answers, and close() ends the held connection', async () => {
    fake.script({ hang: true });
    const pending = post(`${fake.url}/v1/chat/completions`, { model: 'm' }).then(
      () => 'answered',
      () => 'cut off',
    );
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(fake.requests[0]?.body).toEqual({ model: 'm' });
    await fake.close();
    expect(await pending).toBe('cut off');
  });
});

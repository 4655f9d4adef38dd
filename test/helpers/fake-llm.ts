/**
 * One loopback HTTP server (127.0.0.1, a free port) that speaks the three LLM protocols dthostmon talks to, so the
 * provider tests assert the exact requests and replay canned answers:
 *
 * - OpenAI-compatible: `POST <prefix>/chat/completions` (JSON, or SSE when `stream: true`, with the usage chunk of
 *   `stream_options.include_usage`; OpenCode's @ai-sdk/openai-compatible talks to it streaming), `GET <prefix>/models`;
 * - Anthropic: `POST /v1/messages` (any prefix);
 * - Ollama: `POST /api/chat` (JSON with `stream: false`, NDJSON otherwise, as Ollama does) and `GET /api/tags`.
 *
 * Every request is recorded. The chat routes answer from one script queue, shared by all three protocols; when it is
 * empty, `fallback` answers. The model lists are static (`fake.models`) and take nothing from the queue, so a client
 * that lists models first does not eat a scripted step.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeStep =
  /** A good answer, wrapped in the route's protocol shape. Tokens default to about 4 characters per token. */
  | { answer: string; tokensIn?: number; tokensOut?: number }
  /** A status reply: `body` sent as JSON (a string as text); without it, the protocol's own error shape for `status`. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers (the socket is held open until close()). */
  | { hang: true }
  /** A broken body sent as is (default 200, content-type application/json). */
  | { raw: string; status?: number; contentType?: string };

export type FakeRoute = 'openai' | 'anthropic' | 'ollama' | 'openai-models' | 'ollama-tags' | 'unknown';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent (`/v1/chat/completions`). */
  path: string;
  route: FakeRoute;
  /** Lower-case header names, as node parsed them. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; the raw text when not JSON; null when empty. */
  body: unknown;
}

export interface FakeLlm {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /** Queues steps after any still queued. */
  script(...steps: FakeStep[]): void;
  /** Answer when the queue is empty (default: a fixed valid JSON analysis with no findings). */
  fallback: FakeStep | ((req: RecordedRequest) => FakeStep);
  /** Model ids for `GET /models` and `GET /api/tags`. */
  models: string[];
  /** The chat requests only (what the providers send), in order. */
  chats(): RecordedRequest[];
  close(): Promise<void>;
}

/** The default answer: what a model that found nothing wrong writes. */
export const QUIET_ANALYSIS = JSON.stringify({ summary: 'No problems found in the data given.', findings: [], recommendations: [] });

function routeOf(method: string, path: string): FakeRoute {
  const p = path.split('?')[0] ?? '';
  if (method === 'POST' && p.endsWith('/chat/completions')) return 'openai';
  if (method === 'POST' && p.endsWith('/v1/messages')) return 'anthropic';
  if (method === 'POST' && p.endsWith('/api/chat')) return 'ollama';
  if (method === 'GET' && p.endsWith('/api/tags')) return 'ollama-tags';
  if (method === 'GET' && p.endsWith('/models')) return 'openai-models';
  return 'unknown';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parse(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

/** Rough token count of the request's text (all message contents and the system prompt). */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function requestText(body: unknown): string {
  const messages = field(body, 'messages');
  const parts = Array.isArray(messages) ? messages.map((m) => JSON.stringify(field(m, 'content') ?? '')) : [];
  const system = field(body, 'system');
  return [typeof system === 'string' ? system : '', ...parts].join('\n');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};
const OPENAI_ERROR_CODES: Record<number, string> = { 401: 'invalid_api_key', 404: 'model_not_found', 429: 'rate_limit_exceeded' };

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'bad request',
  401: 'invalid api key',
  403: 'permission denied',
  404: 'not found',
  429: 'rate limit reached, retry later',
  500: 'fake upstream failure',
  502: 'bad gateway',
  503: 'service unavailable',
  529: 'Overloaded',
};

/** The error body each protocol sends for `status` (shapes of the OpenAI, Anthropic and Ollama APIs). */
export function errorBody(route: FakeRoute, status: number, message: string = DEFAULT_MESSAGES[status] ?? `HTTP ${status}`): unknown {
  if (route === 'anthropic') {
    return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message }, request_id: 'req_fake' };
  }
  if (route === 'ollama' || route === 'ollama-tags') return { error: message };
  return {
    error: { message, type: OPENAI_ERROR_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param: null, code: OPENAI_ERROR_CODES[status] ?? null },
  };
}

interface Answer {
  text: string;
  tokensIn: number;
  tokensOut: number;
  model: string;
}

let nextId = 1;

function answerOpenai(res: ServerResponse, body: unknown, a: Answer): void {
  const base = { id: `chatcmpl-fake-${nextId++}`, created: Math.floor(Date.now() / 1000), model: a.model, system_fingerprint: null };
  const usage = { prompt_tokens: a.tokensIn, completion_tokens: a.tokensOut, total_tokens: a.tokensIn + a.tokensOut };
  if (field(body, 'stream') !== true) {
    sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: a.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage,
    });
    return;
  }
  // SSE as OpenAI streams it: a role chunk, content deltas, a finish chunk, then (include_usage) a chunk with
  // `choices: []` and the usage, then [DONE].
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (chunk: object): boolean => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...chunk })}\n\n`);
  send({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
  for (const piece of a.text.match(/[\s\S]{1,20}/g) ?? []) send({ choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] });
  send({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  if (field(field(body, 'stream_options'), 'include_usage') === true) send({ choices: [], usage });
  res.end('data: [DONE]\n\n');
}

function answerAnthropic(res: ServerResponse, a: Answer): void {
  sendJson(res, 200, {
    id: `msg_fake_${nextId++}`,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content: [{ type: 'text', text: a.text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: a.tokensIn, output_tokens: a.tokensOut },
  });
}

function answerOllama(res: ServerResponse, body: unknown, a: Answer): void {
  const created = new Date().toISOString();
  const final = {
    model: a.model,
    created_at: created,
    message: { role: 'assistant', content: a.text },
    done: true,
    done_reason: 'stop',
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: a.tokensIn,
    prompt_eval_duration: 200_000,
    eval_count: a.tokensOut,
    eval_duration: 700_000,
  };
  if (field(body, 'stream') === false) {
    sendJson(res, 200, final);
    return;
  }
  // Ollama streams NDJSON unless told `stream: false`: content pieces, then a done line with empty content.
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const piece of a.text.match(/[\s\S]{1,20}/g) ?? []) {
    res.write(`${JSON.stringify({ model: a.model, created_at: created, message: { role: 'assistant', content: piece }, done: false })}\n`);
  }
  res.end(`${JSON.stringify({ ...final, message: { role: 'assistant', content: '' } })}\n`);
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const queue: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake-llm: ${String(err)}`, type: 'server_error' } });
      else res.destroy();
    });
  });

  const fake: FakeLlm = {
    url: '',
    requests,
    script: (...steps) => void queue.push(...steps),
    fallback: { answer: QUIET_ANALYSIS },
    models: ['fake-model'],
    chats: () => requests.filter((r) => r.route === 'openai' || r.route === 'anthropic' || r.route === 'ollama'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const route = routeOf(method, path);
    const body = parse(await readBody(req));
    const recorded: RecordedRequest = { method, path, route, headers: { ...req.headers }, body };
    requests.push(recorded);

    if (route === 'openai-models') {
      sendJson(res, 200, { object: 'list', data: fake.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
      return;
    }
    if (route === 'ollama-tags') {
      const at = new Date(0).toISOString();
      sendJson(res, 200, { models: fake.models.map((name) => ({ name, model: name, modified_at: at, size: 1, digest: 'fake', details: { format: 'gguf', family: 'fake' } })) });
      return;
    }
    if (route === 'unknown') {
      sendJson(res, 404, errorBody('openai', 404, `fake-llm: no route for ${method} ${path}`));
      return;
    }

    const step = queue.shift() ?? (typeof fake.fallback === 'function' ? fake.fallback(recorded) : fake.fallback);
    if ('hang' in step) return;
    if ('raw' in step) {
      res.writeHead(step.status ?? 200, { 'content-type': step.contentType ?? 'application/json' });
      res.end(step.raw);
      return;
    }
    if ('status' in step) {
      sendJson(res, step.status, step.body === undefined ? errorBody(route, step.status) : step.body, step.headers);
      return;
    }
    const model = field(body, 'model');
    const answer: Answer = {
      text: step.answer,
      tokensIn: step.tokensIn ?? estimateTokens(requestText(body)),
      tokensOut: step.tokensOut ?? estimateTokens(step.answer),
      model: typeof model === 'string' ? model : 'fake-model',
    };
    if (route === 'openai') answerOpenai(res, body, answer);
    else if (route === 'anthropic') answerAnthropic(res, answer);
    else answerOllama(res, body, answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

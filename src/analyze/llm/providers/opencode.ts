/**
 * The OpenCode server's HTTP API (opencode-ai 1.18.33, measured; docs/ai.md "OpenCode"): pick a model from
 * `GET /config/providers`, open a session, send one message, read the answer, delete the session. The server runs an
 * agent that may use tools (bash, edit, webfetch ...), so every message goes out with tools off and the session with
 * every permission denied: a model reply must not be able to run a command on the monitoring host. On a server we
 * start, our agent also replaces OpenCode's system prompt with ours; on someone else's, our prompt is only appended
 * to the agent's (the API offers nothing more), unless `agent` names one of theirs.
 */
import { maskSecrets, providerSecrets, requestJson, type JsonResponse } from '../http.js';
import { LlmError, type LlmProvider, type LlmRequest, type LlmResponse, type OpencodeSettings, type ProviderDeps, type ProviderSettings } from '../types.js';
import { answerText, cut, listed, messageError, offeredModels, pickModel, splitModel } from './opencode-api.js';
import { AGENT_NAME, startServer, type StartedServer } from './opencode-server.js';
import { isRecord, tokenCount, withAttempts } from './shared.js';

export interface OpencodeDeps extends ProviderDeps {
  /** Extra environment for a server we start (laid over process.env): HOME, OPENCODE_CONFIG_CONTENT, provider keys. */
  env?: NodeJS.ProcessEnv;
}

/** Without an `opencode` block (a hand-built ProviderSettings): use a running server, start none. */
const NO_AUTO_START: OpencodeSettings = { autoStart: false, command: 'opencode', password: null, agent: null, startTimeoutMs: 30_000, keepRunning: false };
const HEALTH_TIMEOUT_MS = 2000;
/** Aborting and deleting a session after the call: short, and not bound to the call's (maybe spent) deadline. */
const CLEANUP_TIMEOUT_MS = 5000;
/** Without a title the server makes an extra LLM call to invent one. */
const SESSION_TITLE = 'dthostmon analysis';
/** Session-wide: deny every permission (measured: the server then offers the model no tools at all). */
const DENY_ALL = [{ permission: '*', pattern: '*', action: 'deny' }];

/** Where a started server listens: host and port of the base URL (`opencode serve` speaks plain HTTP only). */
function listenAddress(label: string, baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new LlmError('protocol', `${label}: auto_start needs an http:// base_url (opencode serve has no TLS), not ${url.protocol}//`);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port !== '' ? Number(url.port) : 80 };
}

/** What is known about the server after the first call reached it. */
interface Connection {
  started: StartedServer | null;
  /** The system prompt our agent was started with (null: not our server). */
  agentPrompt: string | null;
}

/** Waits for `promise`, but gives up when `signal` aborts (the shared work goes on for the other callers). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal, label: string): Promise<T> {
  const stopped = (): LlmError => new LlmError('aborted', `${label}: stopped by the pass deadline`, { attempts: 0 });
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Counts the HTTP attempts of one provider call across its requests (failed ones too). */
interface Tally {
  attempts: number;
}

export function createOpencodeProvider(settings: ProviderSettings, deps: OpencodeDeps = {}): LlmProvider {
  const oc = settings.opencode ?? NO_AUTO_START;
  const label = settings.name;
  const secrets = [...providerSecrets(settings), ...(oc.password ? [oc.password] : [])];
  const headers: Record<string, string> = { ...settings.headers };
  if (oc.password) headers.authorization = `Basic ${Buffer.from(`opencode:${oc.password}`).toString('base64')}`;
  let connection: Promise<Connection> | null = null;
  let hasTriedStart = false;
  let model: Promise<string | null> | null = null;
  let isAgentChecked = false;
  let isPromptNoted = false;

  /** One request to the server; a 401/403 from the server itself is about its password, not a model key. */
  async function send(method: 'GET' | 'POST' | 'DELETE', path: string, opts: { body?: unknown; timeoutMs: number; retries: number; signal: AbortSignal }, tally?: Tally): Promise<JsonResponse> {
    try {
      const res = await requestJson({ method, url: `${settings.baseUrl}${path}`, headers, provider: label, secrets, ...opts }, deps);
      if (tally) tally.attempts += res.attempts;
      return res;
    } catch (err) {
      if (!(err instanceof LlmError)) throw err;
      if (tally) tally.attempts += err.attempts;
      if (err.kind !== 'auth') throw err;
      const why = oc.password ? 'refused the password' : 'asks for a password (set password from OPENCODE_SERVER_PASSWORD)';
      throw new LlmError('auth', `${label}: the OpenCode server at ${settings.baseUrl} ${why} (HTTP ${err.status ?? 401})`, { status: err.status, attempts: err.attempts });
    }
  }

  async function isUp(): Promise<boolean> {
    try {
      await send('GET', '/global/health', { timeoutMs: HEALTH_TIMEOUT_MS, retries: 0, signal: new AbortController().signal });
      return true;
    } catch (err) {
      // Any HTTP answer (a 401 of a server with a password too) means something listens there.
      return !(err instanceof LlmError && (err.kind === 'network' || err.kind === 'timeout'));
    }
  }

  async function connect(request: LlmRequest): Promise<Connection> {
    if (await isUp()) return { started: null, agentPrompt: null };
    if (!oc.autoStart) throw new LlmError('network', `${label}: no OpenCode server answers at ${settings.baseUrl} (auto_start is off)`);
    hasTriedStart = true;
    const { host, port } = listenAddress(label, settings.baseUrl);
    const started = await startServer({
      label,
      command: oc.command,
      host,
      port,
      systemPrompt: request.system,
      maxOutputTokens: request.maxOutputTokens,
      password: oc.password,
      env: { ...process.env, ...deps.env },
      startTimeoutMs: oc.startTimeoutMs,
      isUp,
      secrets,
    });
    deps.onNote?.(`${label}: started opencode serve on ${host}:${port} (pid ${started.pid}, ready in ${Math.round(started.startupMs / 100) / 10} s)`);
    return { started, agentPrompt: request.system };
  }

  /**
   * The server, checked (and started) once per provider; concurrent first calls share the work. When nothing answered
   * and we may not start a server, the next call asks again; a failed start is not repeated for every host.
   */
  function serverFor(request: LlmRequest): Promise<Connection> {
    if (!connection) {
      const attempt = connect(request);
      connection = attempt;
      attempt.catch(() => {
        if (!hasTriedStart && connection === attempt) connection = null;
      });
    }
    return connection;
  }

  /** The first configured model the server offers; null = none configured, the server's default answers. */
  async function chooseModel(timeoutMs: number, tally: Tally): Promise<string | null> {
    if (settings.models.length === 0) return null;
    const res = await send('GET', '/config/providers', { timeoutMs, retries: settings.retries, signal: new AbortController().signal }, tally);
    const offered = offeredModels(res.body);
    const chosen = pickModel(settings.models, offered);
    if (chosen !== null) return chosen;
    const message = `${label}: the OpenCode server offers none of the models asked for (${listed(settings.models)}); it offers ${listed(offered)}`;
    throw new LlmError('protocol', maskSecrets(message, secrets));
  }

  /** Looked up once per provider; a failed lookup is tried again by the next call. */
  function modelFor(timeoutMs: number, tally: Tally): Promise<string | null> {
    if (!model) {
      const choosing = chooseModel(timeoutMs, tally);
      model = choosing;
      choosing.catch(() => {
        if (model === choosing) model = null;
      });
    }
    return model;
  }

  /** A configured agent the server lacks would get an opaque HTTP 500 on every message: say so once, clearly. */
  async function checkAgent(agent: string, timeoutMs: number, signal: AbortSignal, tally: Tally): Promise<void> {
    const res = await send('GET', '/agent', { timeoutMs, retries: settings.retries, signal }, tally);
    const names = Array.isArray(res.body) ? res.body.map((a: unknown) => (isRecord(a) ? a.name : undefined)).filter((n): n is string => typeof n === 'string') : [];
    if (!names.includes(agent)) throw new LlmError('protocol', `${label}: the OpenCode server has no agent "${agent}"; it has ${listed(names)}`);
  }

  /** Always after a message, failed or not. Not bound to the call's deadline: that may be what ended the call. */
  async function cleanUp(sessionId: string, isCutOff: boolean): Promise<void> {
    const opts = { timeoutMs: CLEANUP_TIMEOUT_MS, retries: 0, signal: new AbortController().signal };
    const path = `/session/${encodeURIComponent(sessionId)}`;
    // Deleting a busy session does not stop its model call (measured), and neither does hanging up: abort it first.
    if (isCutOff) await send('POST', `${path}/abort`, opts).catch(() => undefined);
    await send('DELETE', path, opts).catch((err: unknown) => deps.onNote?.(`${label}: could not delete session ${sessionId}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** What goes with the user message: tools off always; our prompt unless our agent already has it. */
  function messageBody(request: LlmRequest, conn: Connection, chosen: string | null): Record<string, unknown> {
    const agent = oc.agent ?? (conn.started ? AGENT_NAME : null);
    if (agent === null && !isPromptNoted) {
      isPromptNoted = true;
      deps.onNote?.(`${label}: the server at ${settings.baseUrl} was not started by dthostmon and no agent is set: our system prompt is appended to OpenCode's own (tools stay off)`);
    }
    const body: Record<string, unknown> = { parts: [{ type: 'text', text: request.user }], tools: { '*': false } };
    if (chosen !== null) body.model = splitModel(chosen);
    if (agent !== null) body.agent = agent;
    if (!(agent === AGENT_NAME && conn.agentPrompt === request.system)) body.system = request.system;
    return body;
  }

  async function complete(request: LlmRequest): Promise<LlmResponse> {
    const startedAt = performance.now();
    const tally: Tally = { attempts: 0 };
    try {
      const conn = await unlessAborted(serverFor(request), request.signal, label);
      // The call's own deadline starts once the server is there (a start has its own, startTimeoutMs).
      const deadline = performance.now() + settings.timeoutMs;
      const remaining = (): number => Math.max(1, Math.floor(deadline - performance.now()));
      if (oc.agent !== null && !isAgentChecked) {
        await checkAgent(oc.agent, remaining(), request.signal, tally);
        isAgentChecked = true;
      }
      const chosen = await unlessAborted(modelFor(remaining(), tally), request.signal, label);
      const session = await send('POST', '/session', { body: { title: SESSION_TITLE, permission: DENY_ALL }, timeoutMs: remaining(), retries: settings.retries, signal: request.signal }, tally);
      const sessionId = isRecord(session.body) && typeof session.body.id === 'string' ? session.body.id : null;
      if (sessionId === null) throw new LlmError('protocol', `${label}: POST /session answered without a session id`);
      let isCutOff = false;
      try {
        // No retries: a message sent again would be a second turn of the same session. The server retries the model.
        const res = await send('POST', `/session/${encodeURIComponent(sessionId)}/message`, { body: messageBody(request, conn, chosen), timeoutMs: remaining(), retries: 0, signal: request.signal }, tally).catch(
          (err: unknown) => {
            isCutOff = err instanceof LlmError && (err.kind === 'timeout' || err.kind === 'aborted' || err.kind === 'network');
            throw err;
          },
        );
        return answer(res.body, chosen, tally.attempts, startedAt);
      } finally {
        await cleanUp(sessionId, isCutOff);
      }
    } catch (err) {
      throw withAttempts(err, Math.max(1, tally.attempts));
    }
  }

  function answer(body: unknown, chosen: string | null, attempts: number, startedAt: number): LlmResponse {
    const info = isRecord(body) && isRecord(body.info) ? body.info : null;
    if (!info) throw new LlmError('protocol', `${label}: the message answer has no info`);
    if (isRecord(info.error)) {
      const err = messageError(label, info.error, attempts);
      // The upstream's words may quote a header or key of ours (a proxy echoing the request).
      throw new LlmError(err.kind, cut(maskSecrets(err.message, secrets), 400), { status: err.status, attempts });
    }
    const text = answerText(isRecord(body) ? body.parts : undefined);
    if (text.trim() === '') throw new LlmError('protocol', `${label}: the answer holds no text`);
    const tokens = isRecord(info.tokens) ? info.tokens : {};
    const answered = typeof info.providerID === 'string' && typeof info.modelID === 'string' ? `${info.providerID}/${info.modelID}` : chosen;
    const cost = typeof info.cost === 'number' && Number.isFinite(info.cost) && info.cost > 0 ? info.cost : null;
    return {
      text,
      provider: label,
      model: answered ?? 'default',
      tokensIn: tokenCount(tokens.input),
      tokensOut: tokenCount(tokens.output),
      reportedCostUsd: cost,
      attempts,
      durationMs: Math.round(performance.now() - startedAt),
    };
  }

  async function close(): Promise<void> {
    const pending = connection;
    connection = null;
    model = null;
    const conn = pending ? await pending.catch(() => null) : null;
    if (!conn?.started) return;
    if (oc.keepRunning) {
      conn.started.detach();
      deps.onNote?.(`${label}: leaving opencode serve running (pid ${conn.started.pid}, keep_running)`);
      return;
    }
    await conn.started.stop().catch((err: unknown) => deps.onNote?.(`${label}: stopping opencode serve (pid ${conn.started?.pid}) failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  return { settings, complete, close };
}

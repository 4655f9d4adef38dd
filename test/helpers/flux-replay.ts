/**
 * A stand-in for InfluxDB 2's query API (not packaged for Debian, so no real peer): a loopback HTTP server that
 * checks every request the way InfluxDB 2 would see it and replays recorded answers from test/fixtures/influxdb/.
 *
 * Checked on every request (a failed check answers 400 with InfluxDB's error JSON AND is listed in `problems`, so a
 * test can assert there were none): `POST /api/v2/query` (under the URL's path prefix), `org` parameter,
 * `Authorization: Token <token>`, `Content-Type: application/vnd.flux`, `Accept: application/csv`, a non-empty body.
 * What the Flux itself must contain is the test's business: its `answer` function sees the recorded request.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'influxdb');

/** A fixture's text without its leading `// ...` comment lines (which say which documented shape it follows). */
export function loadFluxFixture(name: string): string {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  const lines = text.split('\n');
  let start = 0;
  while (start < lines.length && (lines[start] as string).startsWith('//')) start++;
  return lines.slice(start).join('\n');
}

export interface FluxRequest {
  method: string;
  path: string;
  org: string | null;
  headers: IncomingMessage['headers'];
  /** The Flux script. */
  flux: string;
}

export type FluxAnswer =
  /** A fixture as CSV (200, `text/csv; charset=utf-8`) or, for `.json`, an error body with `status`. */
  | { fixture: string; status?: number }
  /** Any body. */
  | { status: number; body: string; contentType?: string }
  /** Never answers (the socket stays open until close()). */
  | { hang: true };

export interface FluxReplay {
  /** `http://127.0.0.1:<port>` plus the path prefix. */
  url: string;
  requests: FluxRequest[];
  /** Every failed request check, as a sentence. */
  problems: string[];
  /** Decides the answer of each request that passed the checks. */
  answer: (req: FluxRequest) => FluxAnswer;
  close(): Promise<void>;
}

export interface FluxReplayOptions {
  org: string;
  token: string;
  /** A path prefix the URL carries (a reverse proxy's `/influx`), default none. */
  prefix?: string;
  answer?: (req: FluxRequest) => FluxAnswer;
}

function check(req: FluxRequest, options: FluxReplayOptions): string | null {
  const expectedPath = `${options.prefix ?? ''}/api/v2/query`;
  if (req.method !== 'POST') return `method ${req.method}, expected POST`;
  if (req.path !== expectedPath) return `path ${req.path}, expected ${expectedPath}`;
  if (req.org !== options.org) return `org=${String(req.org)}, expected ${options.org}`;
  if (req.headers.authorization !== `Token ${options.token}`) return 'Authorization is not "Token <the token>"';
  if (req.headers['content-type'] !== 'application/vnd.flux') return `Content-Type ${String(req.headers['content-type'])}, expected application/vnd.flux`;
  if (req.headers.accept !== 'application/csv') return `Accept ${String(req.headers.accept)}, expected application/csv`;
  if (req.flux.trim() === '') return 'empty Flux body';
  return null;
}

/** Starts the replay server on a free loopback port. */
export async function startFluxReplay(options: FluxReplayOptions): Promise<FluxReplay> {
  const sockets = new Set<Socket>();
  const replay: FluxReplay = {
    url: '',
    requests: [],
    problems: [],
    answer: options.answer ?? (() => ({ fixture: 'empty.csv' })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = (raw: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(raw.url ?? '/', 'http://replay');
    const req: FluxRequest = { method: raw.method ?? '', path: url.pathname, org: url.searchParams.get('org'), headers: raw.headers, flux: body };
    replay.requests.push(req);
    const problem = check(req, options);
    if (problem) {
      replay.problems.push(problem);
      const status = problem.startsWith('Authorization') ? 401 : 400;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: status === 401 ? 'unauthorized' : 'invalid', message: `replay: ${problem}` }));
      return;
    }
    const answer = replay.answer(req);
    if ('hang' in answer) return;
    if ('fixture' in answer) {
      const json = answer.fixture.endsWith('.json');
      res.writeHead(answer.status ?? 200, { 'content-type': json ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8' });
      res.end(json ? loadFluxFixture(answer.fixture).trim() : loadFluxFixture(answer.fixture));
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' });
    res.end(answer.body);
  };
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => handle(raw, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  replay.url = `http://127.0.0.1:${port}${options.prefix ?? ''}`;
  return replay;
}

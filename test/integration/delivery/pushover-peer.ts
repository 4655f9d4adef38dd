/**
 * A loopback HTTP server speaking Pushover's message API (`POST /1/messages.json`, form fields): it checks token and
 * user key like the real service, records every request, and can be told to fail with a 5xx.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PUSHOVER_TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
export const PUSHOVER_USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

export interface PushoverRequest {
  method: string;
  path: string;
  contentType: string;
  fields: Record<string, string>;
}

export interface PushoverPeer {
  baseUrl: string;
  requests: PushoverRequest[];
  /** The next this-many requests are answered 503 (Pushover having trouble). */
  failNext: number;
  close(): Promise<void>;
}

export async function startPushoverPeer(): Promise<PushoverPeer> {
  const peer: PushoverPeer = { baseUrl: '', requests: [], failNext: 0, close: async () => undefined };
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      peer.requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] ?? '', fields });
      const request = `req-${peer.requests.length}`;
      if (req.method !== 'POST' || req.url !== '/1/messages.json') return reply(res, 404, { status: 0, errors: ['not found'], request });
      if (peer.failNext > 0) {
        peer.failNext -= 1;
        return reply(res, 503, { status: 0, errors: ['service unavailable'], request });
      }
      if (fields.token !== PUSHOVER_TOKEN) return reply(res, 400, { token: 'invalid', errors: ['application token is invalid'], status: 0, request });
      if (fields.user !== PUSHOVER_USER) return reply(res, 400, { user: 'invalid', errors: ['user identifier is invalid'], status: 0, request });
      if (fields.priority === '2' && (fields.retry === undefined || fields.expire === undefined)) {
        return reply(res, 400, { errors: ['retry is invalid', 'expire is invalid'], status: 0, request });
      }
      return reply(res, 200, { status: 1, request });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  peer.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

/**
 * Loopback peers for the metrics HTTP client tests: node:http / node:https servers on 127.0.0.1 (port 0) that record
 * what arrives and count TCP connections, a raw TCP server, and a throwaway PKI made with the `openssl` CLI in a temp
 * dir (a CA, leaf certificates it signs for 127.0.0.1/localhost, for another name, expired, and a self-signed one).
 *
 * Under CI=true a missing openssl fails the TLS tests; elsewhere they are skipped with a note.
 */
import { freePort } from './ports.js';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

function findOpenssl(): string | null {
  const override = process.env.OPENSSL_BIN;
  const candidates = override ? [override] : (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'openssl'));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return null;
}

export const OPENSSL_BIN = findOpenssl();
const IS_CI = process.env.CI === 'true';
if (!OPENSSL_BIN && !IS_CI) console.warn('SKIPPED: openssl not found: the HTTPS tests of the metrics HTTP client are skipped (apt install openssl; CI=true fails instead)');
/** `describe` of tests that need the throwaway PKI: skipped without openssl, except under CI, where they then fail. */
export const opensslDescribe = OPENSSL_BIN || IS_CI ? describe : describe.skip;

/** A key and certificate (PEM text) for a test server. */
export interface ServerCert {
  key: string;
  cert: string;
}

export interface TestPki {
  dir: string;
  /** Path of the CA certificate (what metrics.ca_file would name). */
  caFile: string;
  caPem: string;
  /** Signed by the CA for IP:127.0.0.1 and DNS:localhost. */
  good: ServerCert;
  /** The same leaf with the CA appended: servers that send their whole chain. */
  goodWithChain: ServerCert;
  /** Signed by the CA for DNS:other.example only. */
  wrongName: ServerCert;
  /** Signed by the CA for 127.0.0.1, expired. */
  expired: ServerCert;
  /** Self-signed for 127.0.0.1 (its `cert` trusts itself when given as ca_file). */
  selfSigned: ServerCert;
  selfSignedFile: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  if (!OPENSSL_BIN) throw new Error('openssl not found on PATH (set OPENSSL_BIN); the HTTPS tests need it to make a test CA');
  try {
    await run(OPENSSL_BIN, args, { cwd: dir });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** A config file with the request's subject and the extension section `ext` (openssl's own defaults vary by distro). */
function configText(cn: string, ext: string[]): string {
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${cn}`, '[ext]', ...ext, ''].join('\n');
}

/** A leaf signed by the CA: key + CSR, then `x509 -req` with the given SAN (`days` -1 makes it expired). */
async function signedLeaf(dir: string, name: string, san: string, days: number): Promise<ServerCert> {
  const leafExt = ['basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'extendedKeyUsage = serverAuth', `subjectAltName = ${san}`];
  await writeFile(join(dir, `${name}.cnf`), configText(name, leafExt));
  await openssl(dir, ['req', '-new', ...EC_KEY, '-config', `${name}.cnf`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial, '-days', String(days), '-extfile', `${name}.cnf`, '-extensions', 'ext', '-out', `${name}.pem`]);
  return { key: await readFile(join(dir, `${name}.key`), 'utf8'), cert: await readFile(join(dir, `${name}.pem`), 'utf8') };
}

/** Makes the throwaway CA and its certificates in a new temp dir (EC keys: ~100 ms in all). */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'dthostmon-pki-'));
  const caExt = ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'];
  await writeFile(join(dir, 'ca.cnf'), configText('dthostmon test CA', caExt));
  await openssl(dir, ['req', '-x509', ...EC_KEY, '-config', 'ca.cnf', '-extensions', 'ext', '-days', '2', '-keyout', 'ca.key', '-out', 'ca.pem']);
  const selfExt = ['basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1,DNS:localhost'];
  await writeFile(join(dir, 'self.cnf'), configText('localhost', selfExt));
  const [good, wrongName, expired] = await Promise.all([
    signedLeaf(dir, 'good', 'IP:127.0.0.1,DNS:localhost', 2),
    signedLeaf(dir, 'wrong', 'DNS:other.example', 2),
    signedLeaf(dir, 'expired', 'IP:127.0.0.1,DNS:localhost', -1),
    openssl(dir, ['req', '-x509', ...EC_KEY, '-config', 'self.cnf', '-extensions', 'ext', '-days', '2', '-keyout', 'self.key', '-out', 'self.pem']),
  ]);
  const caPem = await readFile(join(dir, 'ca.pem'), 'utf8');
  const selfSigned = { key: await readFile(join(dir, 'self.key'), 'utf8'), cert: await readFile(join(dir, 'self.pem'), 'utf8') };
  return { dir, caFile: join(dir, 'ca.pem'), caPem, good, goodWithChain: { key: good.key, cert: good.cert + caPem }, wrongName, expired, selfSigned, selfSignedFile: join(dir, 'self.pem') };
}

export async function removeTestPki(pki: TestPki | null): Promise<void> {
  if (pki) await rm(pki.dir, { recursive: true, force: true });
}

/** What a test server received (the body read to its end before the handler runs). */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface TestServer {
  /** `http://127.0.0.1:<port>` or `https://...`. */
  url: string;
  port: number;
  /** TCP connections accepted so far (before any TLS handshake). */
  connections(): number;
  /** Connections still open. */
  openSockets(): number;
  /** Resolves once every accepted connection is closed (throws after `timeoutMs`). */
  waitAllClosed(timeoutMs?: number): Promise<void>;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Counts and keeps the sockets of `server` so that close() ends even stalled ones. */
function tracked(server: Server | ReturnType<typeof createTcpServer>, url: (port: number) => string, requests: ReceivedRequest[]): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: url(port),
        port,
        connections: () => accepted,
        openSockets: () => sockets.size,
        waitAllClosed: (timeoutMs = 3000) => waitUntil('the server sees every connection closed', () => Promise.resolve(sockets.size === 0), timeoutMs),
        requests,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** An HTTP server (HTTPS with `tls`) on 127.0.0.1 that records each request, then lets `handler` answer (or not). */
export function startServer(handler: Handler, tls?: ServerCert): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
  return tracked(server, (port) => `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, requests);
}

/** A TCP server that is not HTTP: `onSocket` talks (an SSH banner, silence). */
export function startRawServer(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const server = createTcpServer(onSocket);
  return tracked(server, (port) => `http://127.0.0.1:${port}`, []);
}

/** A port nothing listens on (listen on 0, close): connecting is refused. */
export const closedPort = freePort;

/** A JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

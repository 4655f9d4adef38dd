/**
 * HTTPS when api.tls_cert and api.tls_key are set (a throwaway CA made with openssl): the API answers over TLS to a
 * client that trusts the CA; a key that is not PEM is a one-line start error.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ServeStartError } from '../../../src/serve/server.js';
import { startTestApi, TEST_API_KEY } from '../../helpers/api-server.js';
import { openTestStore, type TestStore } from '../../helpers/store.js';
import { createTestPki, opensslDescribe, removeTestPki, type TestPki } from '../../helpers/tls-server.js';

function get(url: string, ca: string, path: string): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca, agent: false, headers: { 'x-api-key': TEST_API_KEY } }, (res) => {
      let body = '';
      const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol() ?? '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
    });
    req.on('error', reject);
    req.end();
  });
}

opensslDescribe('serve over HTTPS', () => {
  let pki: TestPki;
  let store: TestStore;
  beforeAll(async () => {
    pki = await createTestPki();
    writeFileSync(join(pki.dir, 'serve.pem'), pki.good.cert);
    writeFileSync(join(pki.dir, 'serve.key'), pki.good.key);
    writeFileSync(join(pki.dir, 'broken.key'), 'not a key\n');
    store = await openTestStore('sqlite');
  });
  afterAll(async () => {
    await store.cleanup();
    await removeTestPki(pki);
  });

  it('serves https:// with the configured certificate', async () => {
    const api = await startTestApi({ store, api: { tls_cert: join(pki.dir, 'serve.pem'), tls_key: join(pki.dir, 'serve.key') } });
    try {
      expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await get(api.url, pki.caPem, '/metrics');
      expect(res.status).toBe(200);
      expect(res.body).toContain('# TYPE dthostmon_hosts gauge');
      expect(res.protocol).toMatch(/^TLSv1\.[23]$/);
      // A client that does not trust the CA is refused by its own TLS check.
      await expect(get(api.url, pki.selfSigned.cert, '/health')).rejects.toThrow(/certificate/);
    } finally {
      await api.close();
    }
  });

  it('a key file that is not a key: one-line start error', async () => {
    const err = await startTestApi({ store, api: { tls_cert: join(pki.dir, 'serve.pem'), tls_key: join(pki.dir, 'broken.key') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServeStartError);
    expect((err as Error).message).toMatch(/^api\.tls_cert \/ api\.tls_key: not a usable certificate and private key \(.+\)$/);
    expect((err as Error).message).not.toContain('\n');
  });
});

#!/usr/bin/env node
// The image's HEALTHCHECK (slim images have no curl): GET /health of the `dthostmon serve` in this container.
// Exit 0 on 200; 1 on 503 (degraded: its reasons are printed, `docker inspect` shows them), on any other status, when
// nothing listens, or without an answer within 4 s. With --alive, any answer from /health (200 or 503) is exit 0:
// the server is up, whatever its dependencies say (the Kubernetes liveness probe: a database or SMTP outage must not
// restart the pod). DTHOSTMON_HEALTH_URL overrides the URL: another port (api.port, --port) or https:// when
// api.tls_cert is set; the certificate is not verified then, as the check only talks to its own container.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const TIMEOUT_MS = 4000;
const isAliveCheck = process.argv.includes('--alive');
const url = new URL(process.env.DTHOSTMON_HEALTH_URL || 'http://127.0.0.1:8080/health');
const get = url.protocol === 'https:' ? httpsGet : httpGet;

function fail(message) {
  process.stdout.write(`unhealthy: ${message}\n`);
  process.exitCode = 1;
}

const request = get(url, { timeout: TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    if (body.length < 8192) body += chunk;
  });
  res.on('end', () => {
    if (res.statusCode === 200 || (isAliveCheck && res.statusCode === 503)) {
      process.stdout.write(res.statusCode === 200 ? 'healthy\n' : 'alive (degraded)\n');
      return;
    }
    let reasons = [];
    try {
      reasons = JSON.parse(body).reasons ?? [];
    } catch {
      // Not our JSON: the status alone says enough.
    }
    fail(`${url.pathname} answered ${res.statusCode}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`);
  });
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
request.on('error', (err) => fail(`${url.host}: ${err.message}`));

#!/usr/bin/env node
// `npm run bench:ai`: what the AI stage costs per host and day, measured through real passes (issue #6, docs/ai.md).
// One simulated day: 24 hourly passes (the clock is stepped, the passes are real: local transport over rootfs
// directories, SQLite, the whole AI stage) over three hosts whose logs grow like exposed servers':
//   quiet    background noise only: cron sessions, our users' logins, 3 failed logins an hour from the Internet
//   typical  the noise, plus 3 incidents in the day (a brute force, a new error message, a new local user)
//   busy     the noise, plus an incident every 2 hours (12 in the day)
// The LLM is a loopback OpenAI-compatible server answering like a small model would (a JSON analysis of about 250
// tokens, citing the first finding) and counting tokens as characters / 4, as OpenAI's tokenizer roughly does.
// Cost = the tokens the server counted x gpt-4o-mini's list price (USD 0.15 / 0.60 per million in / out), as stored
// in ai_calls by the pass. Prints calls, tokens and USD per host-day.
import { cpSync, mkdirSync, mkdtempSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeBenchmarks } from './bench-results.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const { loadConfig } = await dist('config/load.js');
const { openStore } = await dist('store/open-store.js');
const { migrateToLatest } = await dist('store/migrate.js');
const { runPass } = await dist('run-pass.js');
const { createTransport } = await dist('collect/create-transport.js');

const SCENARIOS = join(root, 'test/fixtures/scenarios');
const work = mkdtempSync(join(tmpdir(), 'dthm-bench-ai-'));
const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 26, 0, 5);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const stamp = (ms) => {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
};

// ---- the loopback model -------------------------------------------------------------------------------------------
const calls = [];
const server = createServer((req, res) => {
  let text = '';
  req.on('data', (c) => (text += c));
  req.on('end', () => {
    const body = JSON.parse(text || '{}');
    const prompt = (body.messages ?? []).map((m) => m.content).join('\n');
    const firstId = /"id":"(F\d+|P\d+|C\d+)"/.exec(prompt)?.[1] ?? 'F1';
    const answer = JSON.stringify({
      summary:
        'Repeated failed SSH logins from several addresses continue; one address crossed the brute-force threshold in this pass. ' +
        'No sign that any attempt succeeded: the accepted logins are the usual users from the usual addresses.',
      health_score: 78,
      findings: [
        {
          title: 'Brute force and background scanning against sshd',
          severity: 'warn',
          category: 'security',
          evidence: [firstId],
          recommendation: 'Rate-limit or block the address (fail2ban, firewall); keep password authentication off.',
        },
      ],
      recommendations: ['Block the brute-forcing address', 'Confirm PasswordAuthentication no in sshd_config'],
    });
    const usage = { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(answer.length / 4) };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    calls.push(usage);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'bench', object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const llmUrl = `http://127.0.0.1:${server.address().port}/v1`;

// ---- the hosts ----------------------------------------------------------------------------------------------------
const HOSTS = { quiet: [], typical: [3, 11, 17], busy: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23] };
const rootfs = (h) => join(work, 'hosts', h);
for (const h of Object.keys(HOSTS)) {
  cpSync(join(SCENARIOS, '_host'), rootfs(h), { recursive: true });
  mkdirSync(join(rootfs(h), 'var/log'), { recursive: true });
  writeFileSync(join(rootfs(h), 'var/log/auth.log'), '');
  writeFileSync(join(rootfs(h), 'var/log/syslog'), '');
}
let seq = 0;
const ip = (n) => `203.0.113.${(n % 250) + 1}`;
function noise(h, at) {
  const lines = [];
  for (let m = 0; m < 60; m += 5) {
    const t = stamp(at + m * 60_000);
    lines.push(`${t} ${h} CRON[${(seq += 1)}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`);
    lines.push(`${t} ${h} CRON[${seq}]: pam_unix(cron:session): session closed for user root`);
  }
  lines.push(`${stamp(at + 600_000)} ${h} sshd[${(seq += 1)}]: Accepted publickey for alice from 192.0.2.10 port 50${seq % 1000} ssh2: ED25519 SHA256:28vDtOXLct3OyxrhSqNmquU/K0/8mRkuKw50dVDVFzc`);
  for (let i = 0; i < 3; i += 1) lines.push(`${stamp(at + (20 + i) * 60_000)} ${h} sshd[${(seq += 1)}]: Failed password for invalid user admin from ${ip(seq)} port ${40000 + i} ssh2`);
  return lines;
}
function incident(h, at, n) {
  const t = stamp(at + 30 * 60_000);
  switch (n % 3) {
    case 0:
      return { auth: Array.from({ length: 25 }, (_, i) => `${t} ${h} sshd[${(seq += 1)}]: Failed password for root from 198.51.100.${n + 1} port ${41000 + i} ssh2`) };
    case 1:
      return { syslog: Array.from({ length: 6 }, () => `${t} ${h} app[${(seq += 1)}]: ERROR payment gateway timeout after 30000 ms (attempt ${n})`) };
    default:
      appendFileSync(join(rootfs(h), 'etc/passwd'), `svc${n}:x:${2000 + n}:${2000 + n}::/home/svc${n}:/bin/bash\n`);
      return {};
  }
}

const configPath = join(work, 'dthostmon.yaml');
writeFileSync(
  configPath,
  [
    'global:',
    `  reports_dir: ${JSON.stringify(join(work, 'reports'))}`,
    `  outbox_dir: ${JSON.stringify(join(work, 'outbox'))}`,
    '  logs: [/var/log/auth.log, /var/log/syslog]',
    '  report_frequency: never',
    'ai:',
    '  providers:',
    `    - {type: openai, base_url: "${llmUrl}", model: gpt-4o-mini, api_key: "\${BENCH_KEY}"}`,
    'hosts:',
    ...Object.keys(HOSTS).map((h) => `  - {name: ${h}, transport: local, rootfs: ${JSON.stringify(rootfs(h))}}`),
    '',
  ].join('\n'),
);
process.env.PATH = `${join(SCENARIOS, '_stubs')}:${process.env.PATH}`;
const config = await loadConfig(configPath, { env: { BENCH_KEY: 'sk-bench-not-a-key' } });
const store = await openStore({ dialect: 'sqlite', path: join(work, 'bench.db') });
await migrateToLatest(store.db);

// ---- one day of hourly passes -------------------------------------------------------------------------------------
// Pass 0 (the first look) reads the hosts' initial logs; the measured day is passes 1..24.
const perHost = Object.fromEntries(Object.keys(HOSTS).map((h) => [h, { calls: 0, tokensIn: 0, tokensOut: 0, usd: 0, statuses: {} }]));
for (let hour = 0; hour <= 24; hour += 1) {
  const at = START + (hour - 1) * HOUR;
  for (const [h, incidents] of Object.entries(HOSTS)) {
    const lines = { auth: noise(h, at), syslog: [] };
    const k = incidents.indexOf(hour);
    if (k >= 0) {
      const extra = incident(h, at, k);
      lines.auth.push(...(extra.auth ?? []));
      lines.syslog.push(...(extra.syslog ?? []));
    }
    appendFileSync(join(rootfs(h), 'var/log/auth.log'), lines.auth.map((l) => `${l}\n`).join(''));
    if (lines.syslog.length > 0) appendFileSync(join(rootfs(h), 'var/log/syslog'), lines.syslog.map((l) => `${l}\n`).join(''));
  }
  const result = await runPass(config, {
    store,
    clock: () => new Date(START + hour * HOUR),
    createTransport,
    runner: hostname(),
    pid: process.pid,
    isPidAlive: () => false,
  });
  if (hour === 0) continue;
  for (const host of result.hosts) {
    const p = perHost[host.name];
    const ai = host.ai ?? { status: 'off', calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 };
    p.calls += ai.calls;
    p.tokensIn += ai.tokensIn;
    p.tokensOut += ai.tokensOut;
    p.usd += ai.costUsd;
    p.statuses[ai.status] = (p.statuses[ai.status] ?? 0) + 1;
  }
}
await store.close?.();
server.close();

const rows = Object.entries(perHost).map(([h, p]) => ({
  host: h,
  incidents: HOSTS[h].length,
  calls: p.calls,
  'tokens in / call': p.calls ? Math.round(p.tokensIn / p.calls) : 0,
  'tokens out / call': p.calls ? Math.round(p.tokensOut / p.calls) : 0,
  'USD / host-day': p.usd.toFixed(5),
  passes: JSON.stringify(p.statuses),
}));
console.log('AI cost over one simulated day (24 hourly passes), gpt-4o-mini list prices:');
console.table(rows);
const typical = perHost.typical.usd;
console.log(`typical host: $${typical.toFixed(5)} per day (target <= $0.01); busy host: $${perHost.busy.usd.toFixed(5)}; 500 typical hosts: $${(typical * 500).toFixed(2)} per day`);
rmSync(work, { recursive: true, force: true });
await storeBenchmarks(
  'bench:ai',
  Object.entries(perHost).flatMap(([h, p]) => [
    { benchmark: 'ai-cost-day', variant: h, metric: 'usd_per_host_day', value: p.usd },
    { benchmark: 'ai-cost-day', variant: h, metric: 'calls', value: p.calls },
  ]),
);

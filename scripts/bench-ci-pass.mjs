#!/usr/bin/env node
// The `host-pass` case of the CI benchmark (scripts/bench-ci.mjs): a pass (runPass from dist/, as `dthostmon run`
// runs it: pass lock, previous state, the local transport's probe and read through `sh`, analysis, the store, host
// reports, alerts) over one of HOSTS simulated hosts (rootfs directories as in scripts/bench.mjs C), after LINES new
// auth.log lines, against one `sh -c` that reads the same files: the facts the probe reads and the new bytes of the
// log (the baseline: an agentless collector with nothing after the read). The hosts take turns; every pass is
// incremental (the first, untimed, stored the CPU counters and cursors).
//   node scripts/bench-ci-pass.mjs DIR PAIRS
// Prints `{"ours":[..],"baseline":[..]}`: CPU seconds per pass, children included (bench-ci-measure.mjs).
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransportFactory } from '../dist/collect/create-transport.js';
import { loadConfig } from '../dist/config/load.js';
import { runPass } from '../dist/run-pass.js';
import { migrateToLatest } from '../dist/store/migrate.js';
import { openStore } from '../dist/store/open-store.js';
import { alternate } from './bench-ci-measure.mjs';
import { authLogLines } from './gen-authlog.mjs';

const HOSTS = 4;
const LINES = 500;
const FACT_FILES = ['etc/os-release', 'etc/hostname', 'etc/passwd', 'etc/group', 'proc/stat', 'proc/loadavg', 'proc/uptime', 'proc/meminfo', 'proc/sys/kernel/hostname', 'proc/sys/kernel/osrelease'];
// What the probe's shell does for a host, in plain sh: the fact files, df, the log's stat and head fingerprint, then
// its new bytes, hashed as the read command hashes them.
const BASELINE = 'R=$1; cd "$R" && cat $2 >/dev/null; df -P -k >/dev/null; stat -L -c "%i %s" var/log/auth.log >/dev/null; ' +
  'head -c 1024 var/log/auth.log | cksum >/dev/null; tail -c +"$3" var/log/auth.log | sha256sum >/dev/null';

const [dir, pairsArg] = process.argv.slice(2);
const pairs = Number(pairsArg);
if (!dir || !Number.isInteger(pairs) || pairs < 1) throw new Error('usage: bench-ci-pass.mjs DIR PAIRS');

const roots = Array.from({ length: HOSTS }, (_, h) => join(dir, 'fleet', `h${h}`));
let yaml = `global:\n  reports_dir: reports\n  max_concurrent_hosts: ${HOSTS}\n  log_max_bytes: 64MiB\n  track_changes: false\nhosts:\n`;
for (const [h, root] of roots.entries()) {
  for (const sub of ['etc', 'proc/sys/kernel', 'var/log']) mkdirSync(join(root, sub), { recursive: true });
  for (const file of ['etc/os-release', 'etc/passwd', 'etc/group']) copyFileSync(`/${file}`, join(root, file));
  for (const file of ['loadavg', 'uptime', 'meminfo', 'stat']) copyFileSync(`/proc/${file}`, join(root, 'proc', file));
  writeFileSync(join(root, 'etc/hostname'), `h${h}\n`);
  writeFileSync(join(root, 'proc/sys/kernel/hostname'), `h${h}\n`);
  writeFileSync(join(root, 'proc/sys/kernel/osrelease'), '6.1.0-bench\n');
  writeFileSync(join(root, 'var/log/auth.log'), [...authLogLines(2000, `h${h}`, h + 1)].join(''));
  yaml += `  - name: h${h}\n    transport: local\n    rootfs: "${root}"\n    logs: [/var/log/auth.log]\n`;
}
writeFileSync(join(dir, 'dthostmon.yaml'), yaml);

const config = await loadConfig(join(dir, 'dthostmon.yaml'));
const store = await openStore(config.store);
await migrateToLatest(store.db);
const deps = { store, clock: () => new Date(), createTransport: createTransportFactory(), runner: 'bench', pid: process.pid, isPidAlive: () => false };
const pass = async (hostNames) => {
  const result = await runPass(config, { ...deps, hostNames });
  const failed = result.hosts.filter((host) => host.status === 'failed');
  if (failed.length > 0) throw new Error(`the pass failed on ${failed.map((host) => `${host.name}: ${host.error}`).join('; ')}`);
};

/** Where each host's new lines start (1-based, for tail -c +N). */
const newFrom = roots.map(() => 1);
const appendLines = (i) => {
  const h = i % HOSTS;
  const log = join(roots[h], 'var/log/auth.log');
  newFrom[h] = statSync(log).size + 1;
  appendFileSync(log, [...authLogLines(LINES, `h${h}`, 1000 + i)].join(''));
};
const readWithSh = (i) =>
  new Promise((resolve, reject) => {
    const h = i % HOSTS;
    const child = spawn('sh', ['-c', BASELINE, 'sh', roots[h], FACT_FILES.join(' '), String(newFrom[h])], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`baseline sh exited ${code}`))));
  });

try {
  // The first pass samples the CPU twice (1 s apart) and reads the logs whole; the second warms up.
  await pass(undefined);
  appendLines(0);
  await pass(undefined);
  const result = await alternate(pairs, (i) => pass([`h${i % HOSTS}`]), readWithSh, appendLines);
  console.log(JSON.stringify(result));
} finally {
  await store.close();
}

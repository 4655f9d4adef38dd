#!/usr/bin/env node
// `npm run bench:sync`: sync-config over a generated divtools tree of 50 sites x 10 hosts (500 hosts, each with a
// .env.<host> and a dthm-<host>.yaml, plus data folders without configuration), measured side by side in one run:
//   dry run on an empty config, the real sync, the second sync (nothing to change), and `config validate` of the
//   result as the in-run baseline (loading the same 500-host file). Ratios, not absolute times: the machine is shared.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeBenchmarks } from './bench-results.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dthostmon.js');
const work = mkdtempSync(join(tmpdir(), 'dthm-bench-sync-'));
const reps = Number(process.env.BENCH_REPS ?? 3);
const hasTime = existsSync('/usr/bin/time');
const SITES = 50;
const HOSTS = 10;

function tree() {
  const sites = join(work, 'sites');
  for (let s = 1; s <= SITES; s += 1) {
    const site = `s${String(s).padStart(2, '0')}-site${s}`;
    mkdirSync(join(sites, site, '.site-info'), { recursive: true });
    writeFileSync(join(sites, site, `.env.${site}`), `SITE_NUM=${s}\nexport DTHM_SITE_TAGS=site${s}\nDTHM_SITE_REPORT_FREQUENCY=daily\n`);
    mkdirSync(join(sites, site, 'media'));
    for (let h = 1; h <= HOSTS; h += 1) {
      const host = `h${s}-${h}`;
      mkdirSync(join(sites, site, host), { recursive: true });
      writeFileSync(join(sites, site, host, `.env.${host}`), `export DTHM_HOST_HOSTNAME=10.${s}.0.${h}\nDTHM_HOST_USER=monitoring # the monitor\nDTHM_HOST_TAGS=web\n`);
      writeFileSync(join(sites, site, host, `dthm-${host}.yaml`), `port: 22\ncheck_docker: true\nlogs:\n  - /var/log/syslog\n  - \${{APP_LOG_DIR}}/app.log\n`);
    }
  }
  return sites;
}

function measure(args, env) {
  const started = process.hrtime.bigint();
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const argv = hasTime ? ['-f', '%M', process.execPath, bin, ...args] : [bin, ...args];
  const res = spawnSync(cmd, argv, { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssMiB = hasTime ? Number(res.stderr.trim().split('\n').pop()) / 1024 : NaN;
  if (res.status !== 0) throw new Error(`dthostmon ${args.join(' ')} exited ${res.status}: ${res.stderr.slice(-500)}`);
  return { seconds, rssMiB, stdout: res.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const sites = tree();
  const config = join(work, 'dthostmon.yaml');
  const env = { DOCKER_SITES_DIR: sites, APP_LOG_DIR: '/srv/app' };
  const rows = { dry: [], first: [], second: [], validate: [] };
  for (let i = 0; i < reps; i += 1) {
    writeFileSync(config, '# fleet\nglobal:\n  max_concurrent_hosts: 20\n');
    rows.dry.push(measure(['sync-config', '-c', config, '--dry-run', '-q'], env));
    rows.first.push(measure(['sync-config', '-c', config, '-q'], env));
    const written = readFileSync(config, 'utf8');
    rows.second.push(measure(['sync-config', '-c', config, '-q'], env));
    if (readFileSync(config, 'utf8') !== written) throw new Error('the second sync changed the file');
    rows.validate.push(measure(['config', 'validate', '-c', config], { APP_LOG_DIR: '/srv/app' }));
  }
  const base = median(rows.validate.map((r) => r.seconds));
  console.log(`sync-config, ${SITES} sites x ${HOSTS} hosts (${SITES * HOSTS} hosts), median of ${reps}:`);
  console.log('| step | seconds | peak RSS MiB | ratio to config validate |');
  console.log('|---|---|---|---|');
  const results = [];
  for (const [name, label] of [['dry', 'sync-config --dry-run (empty config)'], ['first', 'sync-config (writes 500 hosts)'], ['second', 'sync-config again (no change)'], ['validate', 'config validate (baseline)']]) {
    const s = median(rows[name].map((r) => r.seconds));
    console.log(`| ${label} | ${s.toFixed(2)} | ${median(rows[name].map((r) => r.rssMiB)).toFixed(0)} | ${(s / base).toFixed(2)} |`);
    const ratio = name === 'validate' ? {} : { baselineVariant: 'validate', ratio: s / base };
    results.push({ benchmark: 'sync-config-500-hosts', variant: name, metric: 'wall_s', value: s, ...ratio });
    results.push({ benchmark: 'sync-config-500-hosts', variant: name, metric: 'rss_mib', value: median(rows[name].map((r) => r.rssMiB)) });
  }
  await storeBenchmarks('bench:sync', results);
} finally {
  rmSync(work, { recursive: true, force: true });
}

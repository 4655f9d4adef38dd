import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps, type PassEvent } from '../../src/run-pass.js';
import { acquirePassLock } from '../../src/store/pass-lock.js';
import { findingEvidenceOfRun } from '../../src/store/findings-repo.js';
import { LockedError } from '../../src/errors.js';
import type { LoadedConfig } from '../../src/config/types.js';
import type { Transport, TransportFactory } from '../../src/types.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';

const dialects = await testDialects();

/** A TCP peer that accepts and never speaks: an SSH host that hangs in the handshake. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The real transport factory, counting opens and closes so the test can prove every transport is closed. */
function countingFactory(): { factory: TransportFactory; opened: number; closed: number } {
  const counts = { opened: 0, closed: 0 };
  const factory: TransportFactory = async (host, signal) => {
    const t = await createTransport(host, signal);
    counts.opened += 1;
    const wrapped: Transport = {
      description: t.description,
      exec: (cmd, opts) => t.exec(cmd, opts),
      close: async () => {
        counts.closed += 1;
        await t.close();
      },
    };
    return wrapped;
  };
  return Object.assign(counts, { factory }) as { factory: TransportFactory; opened: number; closed: number };
}

describe.each(dialects)('runPass on %s', (dialect) => {
  const dir = tempDir('dthm-runpass-');
  const log = join(dir, 'auth.log');
  const key = join(dir, 'id_ed25519');
  let store: TestStore;
  let silent: Awaited<ReturnType<typeof silentServer>>;

  const writeConfig = (name: string, lines: string[]): Promise<LoadedConfig> => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, lines.join('\n'));
    return loadConfig(path);
  };
  const deps = (extra: Partial<PassDeps> = {}): PassDeps => ({
    store,
    clock: () => new Date(),
    createTransport,
    runner: hostname(),
    pid: process.pid,
    isPidAlive: () => false,
    ...extra,
  });

  beforeAll(async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    writeFileSync(
      log,
      Array.from({ length: 5 }, (_, i) => `Nov 25 10:00:0${i} web sshd[${i}]: Failed password for admin from 192.0.2.1 port ${5000 + i} ssh2\n`).join(''),
    );
    silent = await silentServer();
  });
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });
  afterAll(async () => {
    await silent.close();
  });

  it('a failed host never stops the others, every transport is closed, results are stored', async () => {
    const config = await writeConfig('mixed', [
      'global:',
      '  reports_dir: reports',
      'hosts:',
      '  - name: self',
      '    transport: local',
      `    logs: ["${log}"]`,
      '  - name: refused',
      '    hostname: 127.0.0.1',
      '    port: 1',
      '    user: nobody',
      `    key_path: "${key}"`,
      '',
    ]);
    const counting = countingFactory();
    const events: PassEvent[] = [];
    const result = await runPass(config, deps({ createTransport: counting.factory, onProgress: (e) => events.push(e) }));
    expect(result.status).toBe('complete');
    const [self, refused] = result.hosts;
    expect(self!.status).toBe('ok');
    expect(self!.findings.map((f) => f.category)).toContain('auth.bruteforce');
    expect(existsSync(self!.reportPath!)).toBe(true);
    expect(refused!.status).toBe('failed');
    expect(refused!.error).toMatch(/refused/);
    expect(refused!.score).toBeNull();
    expect(counting.closed).toBe(counting.opened);
    expect(events.filter((e) => e.type === 'host-done')).toHaveLength(2);

    const rows = await store.db.selectFrom('host_runs').select(['status', 'score']).orderBy('id').execute();
    expect(rows.map((r) => r.status)).toEqual(expect.arrayContaining(['ok', 'failed']));
    const run = await store.db.selectFrom('runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'complete', hosts_ok: 1, hosts_failed: 1 });
    const audit = await store.db.selectFrom('audit_log').select('action').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['pass.started', 'pass.finished']));

    // The next pass reads only what was appended, and knows the previous score.
    const added = 'Nov 25 10:01:00 web sshd[9]: Accepted publickey for deploy from 192.0.2.2 port 6000 ssh2\n';
    appendFileSync(log, added);
    const again = await runPass(config, deps({ hostNames: ['self'] }));
    expect(again.hosts).toHaveLength(1);
    expect(again.hosts[0]!.logBytesRead).toBe(Buffer.byteLength(added));
    expect(again.hosts[0]!.previousScore).toBe(self!.score);
    const cursor = await store.db.selectFrom('cursors').select('offset').executeTakeFirstOrThrow();
    expect(Number(cursor.offset)).toBe(statSync(log).size);
  });

  it('compact results keep no evidence in memory; the store has it under the same keys', async () => {
    const config = await writeConfig('compact', ['hosts:', '  - name: self', '    transport: local', `    logs: ["${log}"]`, '']);
    const compact = await runPass(config, deps({ compactResults: true }));
    const brute = compact.hosts[0]!.findings.find((f) => f.category === 'auth.bruteforce');
    expect(brute).toMatchObject({ count: 5, evidence: [] });
    expect(compact.hosts[0]!.findings.every((f) => f.evidence.length === 0)).toBe(true);
    const stored = await findingEvidenceOfRun(store.db, compact.runId!, 'self');
    expect(stored.get(brute!.key)).toEqual([{ source: log, lines: expect.arrayContaining([expect.stringContaining('Failed password for admin from 192.0.2.1')]), values: { users: 'admin' } }]);
    expect(stored.get(brute!.key)?.[0]?.lines).toHaveLength(5);
  });

  it('refuses to start while another live pass holds the lock', async () => {
    const config = await writeConfig('locked', ['hosts:', '  - name: self', '    transport: local', '']);
    const release = await acquirePassLock(store.db, { runner: 'other-machine', pid: 4242, now: new Date(), ttlMs: 60_000, isPidAlive: () => true });
    await expect(runPass(config, deps())).rejects.toBeInstanceOf(LockedError);
    await release();
    const ok = await runPass(config, deps());
    expect(ok.hosts[0]!.status).toBe('ok');
  });

  it('keeps the pass deadline when a host hangs, and records hosts it never started', async () => {
    const config = await writeConfig('deadline', [
      'global:',
      '  pass_timeout: 1',
      '  max_concurrent_hosts: 1',
      '  reports_dir: reports',
      'ssh:',
      '  connect_timeout: 60',
      'hosts:',
      '  - name: hang',
      '    hostname: 127.0.0.1',
      `    port: ${silent.port}`,
      '    user: nobody',
      `    key_path: "${key}"`,
      '  - name: later',
      '    transport: local',
      '',
    ]);
    const started = Date.now();
    const result = await runPass(config, deps());
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.status).toBe('timed_out');
    expect(result.hosts.map((h) => [h.name, h.status])).toEqual([
      ['hang', 'failed'],
      ['later', 'failed'],
    ]);
    expect(result.hosts[0]!.error).toMatch(/deadline of 1 s/);
    expect(result.hosts[1]!.error).toMatch(/not started/);
    const rows = await store.db.selectFrom('host_runs').select('status').execute();
    expect(rows).toHaveLength(2);
    const cursors = await store.db.selectFrom('cursors').selectAll().execute();
    expect(cursors).toHaveLength(0);
  });
});

describe.each(dialects)('runPass failure handling on %s', (dialect) => {
  const dir = tempDir('dthm-runpass-fail-');
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });
  const deps = (): PassDeps => ({ store, clock: () => new Date(), createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false });

  it('a broken user template is a config error found before the pass takes the lock', async () => {
    const templates = join(dir, 'templates');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(templates, { recursive: true });
    writeFileSync(join(templates, 'host-report.md.hbs'), '{{#if score}}never closed\n');
    const path = join(dir, 'tpl.yaml');
    writeFileSync(path, `global:\n  templates_dir: "${templates}"\nhosts:\n  - name: self\n    transport: local\n`);
    const config = await loadConfig(path);
    const { ConfigError } = await import('../../src/errors.js');
    await expect(runPass(config, deps())).rejects.toBeInstanceOf(ConfigError);
    await expect(runPass(config, deps())).rejects.toThrow(/host-report\.md\.hbs/);
    expect(await store.db.selectFrom('runs').selectAll().execute()).toHaveLength(0);
    expect(await store.db.selectFrom('pass_lock').selectAll().execute()).toHaveLength(0);
  });

  it('a store that fails while writing a host ends the pass with a StoreError, the run marked failed, the lock released', async () => {
    const path = join(dir, 'store.yaml');
    writeFileSync(path, 'global:\n  reports_dir: reports\nhosts:\n  - name: a\n    transport: local\n  - name: b\n    transport: local\n');
    const config = await loadConfig(path);
    const { sql } = await import('kysely');
    await sql`drop table metrics`.execute(store.db);
    const { StoreError } = await import('../../src/errors.js');
    await expect(runPass(config, deps())).rejects.toBeInstanceOf(StoreError);
    const runs = await store.db.selectFrom('runs').select('status').execute();
    expect(runs.map((r) => r.status)).toEqual(['failed']);
    expect(await store.db.selectFrom('pass_lock').selectAll().execute()).toHaveLength(0);
    expect(await store.db.selectFrom('cursors').selectAll().execute()).toHaveLength(0);
  });
});

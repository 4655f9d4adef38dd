import { appendFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { assertBuilt, runCli, spawnCli, tempDir, writeFile } from '../helpers/cli.js';
import type { PassResult } from '../../src/types.js';

/** A TCP peer that accepts SSH connections and never answers: the host that hangs. */
async function startSilentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function query<T>(dbPath: string, sql: string): T[] {
  let db: Database.Database | null = null;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return db.prepare(sql).all() as T[];
  } catch {
    return []; // not created or not migrated yet
  } finally {
    db?.close();
  }
}

describe('pass lock and kill -9 recovery', () => {
  const dir = tempDir('dthm-e2e-lock-');
  const log = join(dir, 'app.log');
  const dbPath = join(dir, 'dthostmon.db');
  const key = join(dir, 'id_ed25519');
  let silent: Awaited<ReturnType<typeof startSilentServer>>;

  const config = (): string => {
    const local = ['  - name: local', '    transport: local', `    logs: ["${log}"]`];
    const hang = ['  - name: hang', '    hostname: 127.0.0.1', `    port: ${silent.port}`, '    user: nobody', `    key_path: "${key}"`];
    return writeFile(
      join(dir, 'local-first.yaml'),
      ['global:', '  pass_timeout: 40', '  max_concurrent_hosts: 2', '  reports_dir: reports', 'ssh:', '  connect_timeout: 40', 'hosts:', ...local, ...hang, ''].join('\n'),
    );
  };

  beforeAll(async () => {
    assertBuilt();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    writeFile(log, Array.from({ length: 50 }, (_, i) => `2026-11-25T10:00:00+00:00 h app[1]: line ${i}\n`).join(''));
    silent = await startSilentServer();
  });
  afterAll(async () => {
    for (const s of silent.sockets) s.destroy();
    await new Promise((r) => silent.server.close(r));
  });

  it('a second concurrent pass exits 4 at once', async () => {
    const path = config();
    const first = spawnCli(['run', '-c', path]);
    await waitFor(() => query(dbPath, "select 1 from runs where status = 'running'").length > 0, 20_000);
    const started = Date.now();
    const second = await runCli(['run', '-c', path]);
    expect(second.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(second.stderr).toMatch(/another pass is running/);
    first.child.kill('SIGKILL');
    await first.done;
  });

  it('kill -9 after a host was stored: the next pass recovers the lock and reads only new bytes', async () => {
    const path = config();
    const before = query<{ n: number }>(dbPath, "select count(*) as n from host_runs hr join hosts h on h.id = hr.host_id where h.name = 'local'")[0]?.n ?? 0;
    const victim = spawnCli(['run', '-c', path]);
    await waitFor(
      () => (query<{ n: number }>(dbPath, "select count(*) as n from host_runs hr join hosts h on h.id = hr.host_id where h.name = 'local'")[0]?.n ?? 0) > before,
      20_000,
    );
    victim.child.kill('SIGKILL');
    await victim.done;

    const added = '2026-11-25T10:05:00+00:00 h app[1]: after the kill\n';
    appendFileSync(log, added);
    const res = await runCli(['run', '-c', path, '--host', 'local', '--json']);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout) as PassResult;
    expect(result.hosts[0]!.logBytesRead).toBe(Buffer.byteLength(added));
    const cursor = query<{ offset: number }>(dbPath, `select c."offset" as offset from cursors c join hosts h on h.id = c.host_id where h.name = 'local'`);
    expect(cursor[0]?.offset).toBe(statSync(log).size);
    const stale = query<{ status: string }>(dbPath, "select status from runs where status = 'running'");
    expect(stale).toHaveLength(0);
  });

  it('kill -9 before a host was stored: the next pass reads what the killed one did not store', async () => {
    const fresh = join(dir, 'fresh.log');
    writeFile(fresh, 'first line\nsecond line\n');
    const yaml = [
      'global:', '  pass_timeout: 40', '  max_concurrent_hosts: 1', '  reports_dir: reports', 'ssh:', '  connect_timeout: 40', 'hosts:',
      '  - name: hang', '    hostname: 127.0.0.1', `    port: ${silent.port}`, '    user: nobody', `    key_path: "${key}"`,
      '  - name: later', '    transport: local', `    logs: ["${fresh}"]`, '',
    ].join('\n');
    const cfg = writeFile(join(dir, 'hang-first.yaml'), yaml);
    const victim = spawnCli(['run', '-c', cfg]);
    await waitFor(() => query(dbPath, "select 1 from runs where status = 'running'").length > 0, 20_000);
    victim.child.kill('SIGKILL');
    await victim.done;
    expect(query(dbPath, "select 1 from host_runs hr join hosts h on h.id = hr.host_id where h.name = 'later'")).toHaveLength(0);

    const res = await runCli(['run', '-c', cfg, '--host', 'later', '--json']);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout) as PassResult;
    expect(result.hosts[0]!.logBytesRead).toBe(statSync(fresh).size);
    expect(query(dbPath, "select 1 from host_runs hr join hosts h on h.id = hr.host_id where h.name = 'later'")).toHaveLength(1);
  });

  it('a host that hangs is stopped by the pass deadline and the pass exits 1', async () => {
    const yaml = [
      'global:', '  pass_timeout: 2', '  reports_dir: reports', 'ssh:', '  connect_timeout: 30', 'hosts:',
      '  - name: hang', '    hostname: 127.0.0.1', `    port: ${silent.port}`, '    user: nobody', `    key_path: "${key}"`,
      '  - name: local', '    transport: local', `    logs: ["${log}"]`, '',
    ].join('\n');
    const cfg = writeFile(join(dir, 'deadline.yaml'), yaml);
    const started = Date.now();
    const res = await runCli(['run', '-c', cfg, '--json']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.code).toBe(1);
    const result = JSON.parse(res.stdout) as PassResult;
    expect(result.status).toBe('timed_out');
    const hang = result.hosts.find((h) => h.name === 'hang')!;
    expect(hang.status).toBe('failed');
    expect(hang.error).toMatch(/deadline/);
    expect(result.hosts.find((h) => h.name === 'local')!.status).toBe('ok');
  });
});

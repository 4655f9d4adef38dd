import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTransport } from '../../../src/collect/local-transport.js';

describe('createLocalTransport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs sh -c and returns stdout, stderr and the exit code', async () => {
    const t = createLocalTransport();
    try {
      const r = await t.exec("printf 'out'; printf 'err' >&2; exit 3", { timeoutMs: 30_000 });
      expect(r).toEqual({ code: 3, stdout: 'out', stderr: 'err', timedOut: false });
      expect(t.description).toBe('local');
    } finally {
      await t.close();
    }
  });

  it('passes stdin and streams stdout to onStdout without buffering it', async () => {
    const t = createLocalTransport();
    const chunks: Buffer[] = [];
    try {
      const r = await t.exec('sh -s', { timeoutMs: 30_000, stdin: 'head -c 300000 /dev/zero | tr "\\0" x\n', onStdout: (c) => chunks.push(c) });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(Buffer.concat(chunks).toString()).toBe('x'.repeat(300000));
      expect(chunks.length).toBeGreaterThan(1);
    } finally {
      await t.close();
    }
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const t = createLocalTransport();
    const marker = join(dir, 'grandchild-survived');
    try {
      const started = Date.now();
      const r = await t.exec(`(sleep 1; touch '${marker}') & sleep 5 | cat`, { timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      expect(r.code).toBeNull();
      expect(Date.now() - started).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await expect(access(marker)).rejects.toThrow(/ENOENT/);
    } finally {
      await t.close();
    }
  });

  it('kills the command when the signal aborts', async () => {
    const t = createLocalTransport();
    const controller = new AbortController();
    try {
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const r = await t.exec('sleep 5', { timeoutMs: 30_000, signal: controller.signal });
      expect(r.code).toBeNull();
      expect(r.timedOut).toBe(false);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await t.close();
    }
  });

  it('caps stderr', async () => {
    const t = createLocalTransport();
    try {
      const r = await t.exec('head -c 200000 /dev/zero | tr "\\0" e >&2', { timeoutMs: 30_000 });
      expect(r.code).toBe(0);
      expect(r.stderr.length).toBeLessThan(70 * 1024);
      expect(r.stderr).toMatch(/more bytes dropped/);
    } finally {
      await t.close();
    }
  });

  it('close() kills running commands and later exec calls fail', async () => {
    const t = createLocalTransport();
    const pending = t.exec('sleep 5', { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.close();
    await t.close();
    const r = await pending;
    expect(r.code).toBeNull();
    await expect(t.exec('true', { timeoutMs: 1000 })).rejects.toThrow('local: transport is closed');
  });
});

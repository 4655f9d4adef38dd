import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { buildDuScript, parseDu, readDuBaseline, type DuOptions, type DuResult } from '../../../src/collect/du.js';
import { compareDu, largestDirs } from '../../../src/collect/du-compare.js';

const MiB = 1024 * 1024;

async function put(root: string, path: string, sizeBytes: number): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  // Random bytes: no filesystem can store them sparse or compressed, so du sees the size written.
  await writeFile(join(root, path), randomBytes(sizeBytes));
}

/** Runs the script the way the session does (`sh -s`, the script on stdin) and parses what it printed. */
async function runDu(rootfs: string, mount: string, options: DuOptions = {}, path?: string): Promise<{ result: DuResult; ms: number }> {
  const started = Date.now();
  const { stdout } = await execa('/bin/sh', ['-s'], {
    input: buildDuScript(rootfs, mount, options),
    ...(path ? { env: { PATH: path }, extendEnv: false } : {}),
  });
  return { result: parseDu(stdout), ms: Date.now() - started };
}

const kbOf = (result: DuResult, path: string): number | undefined => result.dirs.find((d) => d.path === path)?.kb;

/** A PATH holding only the named tools (links to the real ones), plus the stubs written into it. */
async function toolDir(dir: string, tools: string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const tool of tools) {
    const { stdout } = await execa('/bin/sh', ['-c', `command -v ${tool}`]);
    await symlink(stdout.trim(), join(dir, tool));
  }
  return dir;
}

async function stub(dir: string, name: string, body: string): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(dir, name), 0o755);
}

describe('buildDuScript + parseDu on a real tree', () => {
  let root: string;
  let realDu: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-du-'));
    await put(root, 'host/a/b/file', 3 * MiB);
    await put(root, 'host/a/b/deep/e/file', 1 * MiB);
    await put(root, 'host/a/c/file', 1 * MiB);
    await put(root, 'host/d/file', 2 * MiB);
    realDu = (await execa('/bin/sh', ['-c', 'command -v du'])).stdout.trim();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists the mount and its directories to the depth, biggest first, as paths under the rootfs', async () => {
    const { result } = await runDu(join(root, 'host'), '/');
    expect(result).toMatchObject({ mount: '/', depth: 2, complete: true, exitCode: 0, error: null });
    expect(result.dirs.map((d) => d.path)).toEqual(['/', '/a', '/a/b', '/d', '/a/c']);
    // Sizes are allocated KiB: the bytes written plus a few blocks for the directories themselves.
    expect(kbOf(result, '/a/b')).toBeGreaterThanOrEqual(4096);
    expect(kbOf(result, '/a/b')).toBeLessThan(4096 + 64);
    expect(kbOf(result, '/d')).toBeGreaterThanOrEqual(2048);
    expect(kbOf(result, '/')).toBeGreaterThanOrEqual(7168);
  });

  it('reads a mount below the rootfs with host-absolute paths, and keeps only the biggest lines', async () => {
    const { result } = await runDu(root, '/host/a', { depth: 1, maxLines: 2 });
    expect(result.dirs.map((d) => d.path)).toEqual(['/host/a', '/host/a/b']);
    expect(result).toMatchObject({ mount: '/host/a', depth: 1, cap: 2, complete: true });
  });

  it('names the directory that grew, not the parents its growth explains', async () => {
    const before = (await runDu(join(root, 'host'), '/')).result;
    await put(root, 'host/a/c/more', 2 * MiB);
    const after = (await runDu(join(root, 'host'), '/')).result;
    const growth = compareDu(before, after);
    expect(growth).toHaveLength(1);
    expect(growth[0]).toMatchObject({ path: '/a/c', isNew: false, isLowerBound: false });
    expect(growth[0]?.deltaBytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(growth[0]?.nowBytes).toBeGreaterThanOrEqual(3 * MiB);
  });

  it('quotes a hostile mount path and reports a mount it cannot enter', async () => {
    await put(root, "odd/it's $(touch pwned) `x`/f", 64 * 1024);
    const { result } = await runDu(join(root, 'odd'), "/it's $(touch pwned) `x`");
    expect(result.complete).toBe(true);
    expect(result.dirs[0]?.path).toBe("/it's $(touch pwned) `x`");
    await expect(execa('test', ['-e', join(root, 'odd', 'pwned')])).rejects.toThrow();
    expect((await runDu(root, '/no/such/mount')).result).toMatchObject({ error: 'cd', dirs: [], complete: false });
  });

  it('stays on the mount filesystem (-x): a filesystem mounted below it is not counted', async () => {
    const inner = join(root, 'outer/inner');
    await put(root, 'outer/own/f', 1 * MiB);
    await mkdir(inner, { recursive: true });
    const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'dthm-du-test', inner], { reject: false });
    if (mounted.exitCode !== 0) {
      const why = `mounting a tmpfs needs root (${mounted.stderr.trim() || 'mount failed'})`;
      if (process.env.CI === 'true') throw new Error(`${why}; CI=true: a test that cannot run is a failure, not a skip`);
      console.warn(`skipping the -x test: ${why}`);
      return;
    }
    try {
      await put(inner, 'big', 8 * MiB);
      const { result } = await runDu(join(root, 'outer'), '/');
      expect(kbOf(result, '/')).toBeLessThan(2048);
      expect(kbOf(result, '/own')).toBeGreaterThanOrEqual(1024);
      expect(kbOf(result, '/inner')).toBeUndefined();
    } finally {
      await execa('umount', [inner]);
    }
  });

  describe('hostile directory names', () => {
    let hostile: string;
    beforeAll(async () => {
      hostile = join(root, 'hostile');
      await put(hostile, 'x\n999999999\t./forged/f', 4096);
      await put(hostile, 'sp ace/f', 4096);
      await put(hostile, 'tab\there/f', 4096);
      await put(hostile, 'cr\rhere/f', 4096);
    });

    it('with du -0, a newline stays inside its own entry and forges nothing', async () => {
      const { result } = await runDu(hostile, '/');
      const paths = result.dirs.map((d) => d.path).sort();
      // The directory `x<LF>999999999<TAB>.` and its child `forged`: two entries, neither of them a `/forged`.
      expect(paths).toEqual(['/', '/cr?here', '/sp ace', '/tab?here', '/x?999999999?.', '/x?999999999?./forged']);
      expect(result.dirs.every((d) => d.kb < 1000)).toBe(true);
      expect(result.complete).toBe(true);
    });

    it('a du without -0 (busybox) does not run when a name has a newline, and runs normally otherwise', async () => {
      const bin = await toolDir(join(root, 'bin-no0'), ['sort', 'head', 'tr', 'cat', 'find', 'nice', 'timeout', 'sleep']);
      await stub(bin, 'du', `for a; do [ "$a" = -0 ] && exit 1; done\nexec ${realDu} "$@"`);
      expect((await runDu(hostile, '/', {}, bin)).result).toMatchObject({ error: 'names', dirs: [], complete: false });
      const { result } = await runDu(join(root, 'host'), '/', {}, bin);
      expect(result.complete).toBe(true);
      expect(result.dirs.map((d) => d.path)).toContain('/a/b');
    });
  });

  describe('time limit', () => {
    // A du that measures /dev/null (the option checks) but hangs on the tree after printing two directories.
    const slowDu = `case "$*" in *-0*) exit 1;; *"/dev/null"*) echo "0	/dev/null"; exit 0;; esac
printf '5\\t./a/b\\n7\\t./a\\n'
exec sleep 30`;

    it('stops du with timeout(1) and keeps what it printed, marked incomplete', async () => {
      const bin = await toolDir(join(root, 'bin-slow'), ['sort', 'head', 'tr', 'cat', 'find', 'nice', 'timeout', 'sleep']);
      await stub(bin, 'du', slowDu);
      const { result, ms } = await runDu(join(root, 'host'), '/', { timeoutSeconds: 1 }, bin);
      expect(ms).toBeLessThan(10_000);
      expect(result).toMatchObject({ complete: false, exitCode: 124, error: null });
      expect(result.dirs).toEqual([
        { path: '/a', kb: 7 },
        { path: '/a/b', kb: 5 },
      ]);
    });

    it('without timeout(1), a watcher stops it; a du that finishes is not cut', async () => {
      const bin = await toolDir(join(root, 'bin-watch'), ['sort', 'head', 'tr', 'cat', 'find', 'sleep']);
      await stub(bin, 'du', slowDu);
      const { result, ms } = await runDu(join(root, 'host'), '/', { timeoutSeconds: 1 }, bin);
      expect(ms).toBeLessThan(10_000);
      expect(result).toMatchObject({ complete: false, exitCode: 143 });
      expect(result.dirs).toHaveLength(2);
      await stub(bin, 'du', `exec ${realDu} "$@"`);
      const whole = (await runDu(join(root, 'host'), '/', { timeoutSeconds: 5 }, bin)).result;
      expect(whole).toMatchObject({ complete: true, exitCode: 0 });
    });
  });
});

describe('buildDuScript bounds', () => {
  it('rejects a relative or multi-line mount and out-of-range limits', () => {
    expect(() => buildDuScript('/', 'var')).toThrow(RangeError);
    expect(() => buildDuScript('/', '/a\nb')).toThrow(RangeError);
    expect(() => buildDuScript('/', '/', { depth: -1 })).toThrow(RangeError);
    expect(() => buildDuScript('/', '/', { timeoutSeconds: 0 })).toThrow(RangeError);
    expect(() => buildDuScript('/', '/', { maxLines: 1.5 })).toThrow(RangeError);
  });
});

describe('parseDu', () => {
  it('ignores everything before the begin line and after the end line, and lines that are not du records', () => {
    const text = [
      '12\t./before-begin',
      'dthm-du begin 2 200 /var',
      '300\t.',
      'noise line',
      '200\t./log',
      '100\t/absolute-is-not-ours',
      '50\t./log\x1b[31m',
      'dthm-du end 0',
      '999\t./after-end',
    ].join('\n');
    expect(parseDu(text)).toEqual({
      mount: '/var',
      depth: 2,
      cap: 200,
      dirs: [
        { path: '/var', kb: 300 },
        { path: '/var/log', kb: 200 },
        { path: '/var/log?[31m', kb: 50 },
      ],
      complete: true,
      exitCode: 0,
      error: null,
    });
  });

  it('is incomplete without the end line, without the mount total, or after a failing du', () => {
    expect(parseDu('dthm-du begin 2 200 /\n300\t.\n').complete).toBe(false);
    expect(parseDu('dthm-du begin 2 200 /\n30\t./a\ndthm-du end 0\n').complete).toBe(false);
    expect(parseDu('dthm-du begin 2 200 /\n300\t.\ndthm-du end 1\n').complete).toBe(true);
    expect(parseDu('dthm-du begin 2 200 /\n300\t.\ndthm-du end 127\n')).toMatchObject({ complete: false, exitCode: 127 });
    expect(parseDu('dthm-du begin 2 200 /\ndthm-du error depth\n')).toMatchObject({ error: 'depth', exitCode: null });
    expect(parseDu('')).toMatchObject({ dirs: [], complete: false });
  });
});

const du = (dirs: Array<[string, number]>, extra: Partial<DuResult> = {}): DuResult => ({
  mount: '/',
  depth: 2,
  cap: 200,
  dirs: dirs.map(([path, kb]) => ({ path, kb })),
  complete: true,
  exitCode: 0,
  error: null,
  ...extra,
});
const GiBk = 1024 * 1024;

describe('compareDu', () => {
  it('names /var/log, not /var and /, when /var/log explains their growth', () => {
    const before = du([['/', 10 * GiBk], ['/var', 4 * GiBk], ['/var/log', 1 * GiBk], ['/usr', 5 * GiBk]]);
    const after = du([['/', 12 * GiBk], ['/var', 6 * GiBk], ['/var/log', 3 * GiBk], ['/usr', 5 * GiBk]]);
    expect(compareDu(before, after)).toEqual([
      { path: '/var/log', deltaBytes: 2 * 1024 ** 3, nowBytes: 3 * 1024 ** 3, isNew: false, isLowerBound: false },
    ]);
  });

  it('keeps a parent whose growth the named children do not explain, and caps the list', () => {
    const before = du([['/', 0], ['/var', 0], ['/var/a', 0], ['/var/b', 0], ['/var/c', 0]]);
    const after = du([['/', 10 * GiBk], ['/var', 10 * GiBk], ['/var/a', 1 * GiBk], ['/var/b', 1 * GiBk], ['/var/c', 1 * GiBk]]);
    const paths = compareDu(before, after, { limit: 3 }).map((g) => g.path);
    expect(paths).toEqual(['/var', '/var/a', '/var/b']);
  });

  it('marks new directories, gives a lower bound for ones the cap cut, and skips ones a timeout left unknown', () => {
    const current = du([['/', 9 * GiBk], ['/srv', 3 * GiBk], ['/opt', 2 * GiBk]]);
    const complete = du([['/', 4 * GiBk]]);
    expect(compareDu(complete, current).find((g) => g.path === '/srv')).toMatchObject({ isNew: true, deltaBytes: 3 * 1024 ** 3 });
    const capped = du([['/', 4 * GiBk], ['/usr', 1 * GiBk]], { cap: 2 });
    expect(compareDu(capped, current).find((g) => g.path === '/srv')).toMatchObject({ isLowerBound: true, isNew: false, deltaBytes: 2 * 1024 ** 3 });
    const partial = du([['/opt', 1 * GiBk]], { complete: false });
    expect(compareDu(partial, current).map((g) => g.path)).toEqual(['/opt']);
  });

  it('compares only the levels both runs listed, ignores shrinking and churn, and never another mount', () => {
    const before = du([['/', 4 * GiBk]], { depth: 1 });
    const after = du([['/', 4 * GiBk + 512], ['/a', 4 * GiBk], ['/a/deep', 4 * GiBk], ['/b', 0]]);
    expect(compareDu(before, after).map((g) => g.path)).toEqual(['/a']);
    expect(compareDu(du([['/', 5 * GiBk]]), du([['/', 4 * GiBk]]))).toEqual([]);
    expect(compareDu(du([['/', 0]]), du([['/', GiBk]], { mount: '/var' }))).toEqual([]);
  });
});

describe('largestDirs', () => {
  it('lists the biggest directories below the mount by the same parent rule', () => {
    const result = du([['/', 50 * GiBk], ['/var', 25 * GiBk], ['/var/lib', 24 * GiBk], ['/usr', 20 * GiBk], ['/usr/lib', 8 * GiBk]]);
    expect(largestDirs(result, 3).map((d) => d.path)).toEqual(['/var/lib', '/usr', '/usr/lib']);
  });
});

describe('readDuBaseline', () => {
  it('reads back what was stored, and gives null for anything else', () => {
    const stored = { at: '2026-11-25T12:00:00.000Z', usedBytes: 5, sizeBytes: 10, result: du([['/', 4]]) };
    expect(readDuBaseline(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(readDuBaseline(null)).toBeNull();
    expect(readDuBaseline({ ...stored, at: 'yesterday' })).toBeNull();
    expect(readDuBaseline({ ...stored, result: { ...stored.result, dirs: [{ path: '/', kb: -1 }] } })).toBeNull();
    expect(readDuBaseline({ ...stored, result: 'x' })).toBeNull();
  });
});

import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildChecksScript, parseChecksOutput } from '../../../src/setup/host-checks-script.js';

const PATTERNS = ['/var/log/syslog', '/var/log/app/*.log*', '/var/log/we ird $x;`y`.log', '/var/log/secret.log', '/var/log/missing.log', '/var/log/dir'];

/** The applets the script needs, for a busybox-only PATH. */
const APPLETS = ['sh', 'id', 'stat', 'printf', 'head', 'cat', 'echo', 'timeout'];

/**
 * The checks script under dash and under busybox sh with busybox applets only, on a rootfs directory: rotated glob
 * matches skipped, odd characters in names kept literal, a name with a newline skipped, and (run as nobody) an
 * unreadable file with its owner and mode.
 */
describe('the setup checks script', () => {
  let root = '';
  let bin = '';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-checks-'));
    await chmod(root, 0o755);
    const log = join(root, 'var/log');
    await mkdir(join(log, 'app'), { recursive: true });
    await mkdir(join(log, 'dir'));
    for (const name of ['syslog', 'app/a.log', 'app/a.log.1', 'app/a.log.2.gz', 'app/a.log-20260101', 'app/bad\nname.log', 'we ird $x;`y`.log']) {
      await writeFile(join(log, name), 'x\n', { mode: 0o644 });
    }
    await writeFile(join(log, 'secret.log'), 'x\n', { mode: 0o600 });
    bin = join(root, 'bin');
    await mkdir(bin);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  const expectedLogs = (secret: 'ok' | 'unreadable') => [
    { index: 0, state: 'ok', owner: null, path: '/var/log/syslog' },
    { index: 1, state: 'ok', owner: null, path: '/var/log/app/a.log' },
    { index: 2, state: 'ok', owner: null, path: '/var/log/we ird $x;`y`.log' },
    { index: 3, state: secret, owner: secret === 'ok' ? null : 'root:root:600', path: '/var/log/secret.log' },
    { index: 4, state: 'missing', owner: null, path: '/var/log/missing.log' },
    { index: 5, state: 'notfile', owner: null, path: '/var/log/dir' },
  ];
  const script = (): string => buildChecksScript({ rootfs: root, logPatterns: PATTERNS, docker: false });

  it('runs under dash', async () => {
    const { stdout } = await execa('dash', ['-s'], { input: script() });
    const parsed = parseChecksOutput(stdout);
    expect(parsed.uid).toBe(process.getuid?.());
    expect(parsed.logs).toEqual(expectedLogs(process.getuid?.() === 0 ? 'ok' : 'unreadable'));
    expect([...parsed.tools.keys()]).toEqual(['journalctl', 'docker', 'ss', 'dpkg-query', 'rpm', 'apk', 'sudo']);
  });

  it('runs under busybox sh with busybox applets only', async () => {
    const busybox = await execa('sh', ['-c', 'command -v busybox'], { reject: false });
    if (busybox.exitCode !== 0) {
      if (process.env.CI === 'true') throw new Error('busybox is required under CI');
      console.warn('busybox not installed: skipping the busybox checks-script test');
      return;
    }
    for (const applet of APPLETS) await symlink(busybox.stdout.trim(), join(bin, applet)).catch(() => undefined);
    const { stdout } = await execa(join(bin, 'sh'), ['-s'], { input: script(), env: { PATH: bin }, extendEnv: false });
    const parsed = parseChecksOutput(stdout);
    expect(parsed.logs).toEqual(expectedLogs(process.getuid?.() === 0 ? 'ok' : 'unreadable'));
    expect(parsed.tools.get('journalctl')).toBe(false);
  });

  it('reports an unreadable file with its owner and mode to a user who cannot read it', async () => {
    if (process.getuid?.() !== 0) {
      console.warn('not root: the unreadable case is covered by the dash run above');
      return;
    }
    const { stdout } = await execa('runuser', ['-u', 'nobody', '--', 'sh', '-s'], { input: script() });
    const parsed = parseChecksOutput(stdout);
    expect(parsed.user).toBe('nobody');
    expect(parsed.logs).toEqual(expectedLogs('unreadable'));
  });
});

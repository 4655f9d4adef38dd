import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { INSTALL_KEY_SCRIPT } from '../../../src/setup/push-key.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQbDXWg5gH0S1GZ6p0ZtP3dIYnuZ8X3ym6n9w1k6dRq dthostmon@monitor';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3l0mXGq0d2m2tjTTZcJQ9n7bNh2d3Cq1sW4nB5Xyz admin@laptop';

/** The key install script under dash and bash, with HOME pointing at a scratch directory. */
describe.each(['dash', 'bash'])('the key install script under %s', (shell) => {
  let home = '';
  const keys = (): Promise<string> => readFile(join(home, '.ssh/authorized_keys'), 'utf8');
  const install = (line: string) => execa(shell, ['-c', INSTALL_KEY_SCRIPT], { input: line, env: { HOME: home }, reject: false });

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'dthm-home-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('creates ~/.ssh (0700) and authorized_keys (0600) with the key, and adds nothing the second time', async () => {
    const first = await install(`${KEY}\n`);
    expect([first.exitCode, first.stdout]).toEqual([0, 'dthostmon-key-added']);
    expect((await stat(join(home, '.ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, '.ssh/authorized_keys'))).mode & 0o777).toBe(0o600);
    expect(await keys()).toBe(`${KEY}\n`);
    const second = await install(`${KEY}\n`);
    expect([second.exitCode, second.stdout]).toEqual([0, 'dthostmon-key-present']);
    expect(await keys()).toBe(`${KEY}\n`);
  });

  it('knows the key under another comment or with options, and fixes loose modes', async () => {
    await mkdir(join(home, '.ssh'), { mode: 0o755 });
    await writeFile(join(home, '.ssh/authorized_keys'), `from="10.0.0.0/8" ${KEY.replace('dthostmon@monitor', 'old comment')}\n`, { mode: 0o644 });
    await chmod(join(home, '.ssh'), 0o755);
    const result = await install(`${KEY}\n`);
    expect(result.stdout).toBe('dthostmon-key-present');
    expect((await stat(join(home, '.ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, '.ssh/authorized_keys'))).mode & 0o777).toBe(0o600);
  });

  it('appends on a new line to a file that does not end in one, and takes a key line without a final newline', async () => {
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    await writeFile(join(home, '.ssh/authorized_keys'), OTHER, { mode: 0o600 });
    const result = await install(KEY);
    expect(result.stdout).toBe('dthostmon-key-added');
    expect(await keys()).toBe(`${OTHER}\n${KEY}\n`);
  });

  it('adds nothing for an empty or one-word key line', async () => {
    expect((await install('')).exitCode).toBe(4);
    expect((await install('garbage\n')).exitCode).toBe(4);
    expect(await keys()).toBe('');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConfigPath } from '../../../src/config/find-config.js';
import { ConfigError } from '../../../src/errors.js';

describe('findConfigPath', () => {
  let root = '';
  let cwd = '';
  let system = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dthostmon-find-'));
    cwd = join(root, 'work');
    mkdirSync(join(cwd, 'config'), { recursive: true });
    system = join(root, 'opt/dthostmon/config/dthostmon.yaml');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const touch = (path: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'hosts: []\n');
    return path;
  };
  const thrown = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  test('-c wins over everything, relative to the cwd', () => {
    const explicit = touch(join(cwd, 'my.yaml'));
    touch(join(cwd, 'config/dthostmon.yaml'));
    expect(findConfigPath('my.yaml', { DTHOSTMON_CONFIG: join(cwd, 'config/dthostmon.yaml') }, cwd, system)).toBe(explicit);
  });

  test('$DTHOSTMON_CONFIG comes next', () => {
    const fromEnv = touch(join(root, 'env.yaml'));
    touch(join(cwd, 'config/dthostmon.yaml'));
    expect(findConfigPath(undefined, { DTHOSTMON_CONFIG: fromEnv }, cwd, system)).toBe(fromEnv);
  });

  test('then ./config/dthostmon.yaml, then the system path', () => {
    touch(system);
    expect(findConfigPath(undefined, {}, cwd, system)).toBe(system);
    const local = touch(join(cwd, 'config/dthostmon.yaml'));
    expect(findConfigPath(undefined, { DTHOSTMON_CONFIG: '' }, cwd, system)).toBe(local);
  });

  test('a -c that does not exist is an error, not a fall-back', () => {
    touch(join(cwd, 'config/dthostmon.yaml'));
    const err = thrown(() => findConfigPath('missing.yaml', {}, cwd, system));
    expect(err.message).toBe(`no config file found; tried ${join(cwd, 'missing.yaml')} (-c)`);
  });

  test('a $DTHOSTMON_CONFIG that does not exist is an error too', () => {
    const err = thrown(() => findConfigPath(undefined, { DTHOSTMON_CONFIG: 'nope.yaml' }, cwd, system));
    expect(err.message).toBe(`no config file found; tried ${join(cwd, 'nope.yaml')} ($DTHOSTMON_CONFIG)`);
  });

  test('with nothing found, every default place is named', () => {
    mkdirSync(join(cwd, 'config/dthostmon.yaml'), { recursive: true }); // a directory does not count
    const err = thrown(() => findConfigPath(undefined, {}, cwd, system));
    expect(err.message).toBe(`no config file found; tried ${join(cwd, 'config/dthostmon.yaml')} (default), ${system} (default)`);
    expect(err.exitCode).toBe(2);
  });

  test('the system default is /opt/dthostmon/config/dthostmon.yaml', () => {
    const err = thrown(() => findConfigPath(undefined, {}, join(root, 'empty')));
    expect(err.message).toContain('/opt/dthostmon/config/dthostmon.yaml (default)');
  });
});

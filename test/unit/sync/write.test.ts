import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { writeConfigAtomically } from '../../../src/sync/write.js';

describe('writeConfigAtomically (GAP-S16)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dthm-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one backup, replaced each time, and the mode of the file', () => {
    const path = join(dir, 'dthostmon.yaml');
    writeFileSync(path, 'v1\n');
    chmodSync(path, 0o640);
    expect(writeConfigAtomically(path, 'v2\n')).toEqual({ path, backupPath: `${path}.bak` });
    writeConfigAtomically(path, 'v3\n');
    expect(readFileSync(path, 'utf8')).toBe('v3\n');
    expect(readFileSync(`${path}.bak`, 'utf8')).toBe('v2\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['dthostmon.yaml', 'dthostmon.yaml.bak']);
  });

  // Root (serve in a container, sync-config under sudo) rewriting the config of another user keeps its owner.
  (process.getuid?.() === 0 ? it : it.skip)('run as root, keeps the owner of the file it replaces', () => {
    const path = join(dir, 'dthostmon.yaml');
    writeFileSync(path, 'v1\n');
    chownSync(path, 4321, 4322);
    writeConfigAtomically(path, 'v2\n');
    expect(readFileSync(path, 'utf8')).toBe('v2\n');
    expect([statSync(path).uid, statSync(path).gid]).toEqual([4321, 4322]);
  });

  it('creates a missing file (and its directory) without a backup, readable by its owner only', () => {
    const path = join(dir, 'config', 'dthostmon.yaml');
    expect(writeConfigAtomically(path, 'new\n')).toEqual({ path, backupPath: null });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.bak`)).toBe(false);
  });

  it('writes through a symlink to the real file', () => {
    const real = join(dir, 'real.yaml');
    writeFileSync(real, 'old\n');
    symlinkSync(real, join(dir, 'link.yaml'));
    writeConfigAtomically(join(dir, 'link.yaml'), 'new\n');
    expect(readFileSync(real, 'utf8')).toBe('new\n');
    expect(statSync(join(dir, 'link.yaml')).isFile()).toBe(true);
  });

  it('a failed write leaves the file as it was', () => {
    const path = join(dir, 'dthostmon.yaml');
    writeFileSync(path, 'v1\n');
    // Something else where the temporary file would go: the write fails, and that directory is not ours to remove.
    mkdirSync(`${path}.tmp-4242`);
    expect(() => writeConfigAtomically(path, 'v2\n', 4242)).toThrow(/dthostmon\.yaml: cannot write: .*; the config was not changed/);
    expect(readFileSync(path, 'utf8')).toBe('v1\n');
    expect(existsSync(`${path}.tmp-4242`)).toBe(true);
  });

  it('a backup that cannot be written stops before the config is touched', () => {
    const path = join(dir, 'dthostmon.yaml');
    writeFileSync(path, 'v1\n');
    mkdirSync(`${path}.bak/x`, { recursive: true });
    expect(() => writeConfigAtomically(path, 'v2\n')).toThrow(ConfigError);
    expect(readFileSync(path, 'utf8')).toBe('v1\n');
    expect(readdirSync(dir).sort()).toEqual(['dthostmon.yaml', 'dthostmon.yaml.bak']);
  });
});

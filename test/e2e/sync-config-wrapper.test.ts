/**
 * scripts/dthostmon_sync_config.sh: each divtools flag maps to the CLI option (checked through a `dthostmon` on PATH
 * that prints its arguments), and the script runs the repository's CLI when none is installed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, repoRoot } from '../helpers/cli.js';
import { stage, type Staged } from '../integration/sync/stage.js';

const SCRIPT = join(repoRoot, 'scripts', 'dthostmon_sync_config.sh');

function runScript(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd, env: { NO_COLOR: '1', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('dthostmon_sync_config.sh', () => {
  const bin = mkdtempSync(join(tmpdir(), 'dthm-wrapper-bin-'));
  const fakeBin = mkdtempSync(join(tmpdir(), 'dthm-wrapper-fake-'));
  // PATH without any installed dthostmon: the script must fall back to node <repo>/bin/dthostmon.js.
  const path = `${bin}:/usr/bin:/bin`;
  let staged: Staged;

  beforeAll(() => {
    assertBuilt();
    symlinkSync(process.execPath, join(bin, 'node'));
    writeFileSync(join(fakeBin, 'dthostmon'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    chmodSync(join(fakeBin, 'dthostmon'), 0o755);
  });
  afterAll(() => {
    rmSync(bin, { recursive: true, force: true });
    rmSync(fakeBin, { recursive: true, force: true });
  });
  beforeEach(() => {
    staged = stage('divtools', 'commented.yaml');
  });
  afterEach(() => staged.cleanup());

  it('is an executable bash script', () => {
    expect(readFileSync(SCRIPT, 'utf8').startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(statSync(SCRIPT).mode & 0o111).toBe(0o111);
  });

  it.each([
    [['-test'], ['--dry-run']],
    [['--test'], ['--dry-run']],
    [['-debug'], ['--debug']],
    [['--debug'], ['--debug']],
    [['-sites-dir', '/s'], ['--sites-dir', '/s']],
    [['-site', 's01', '-host', 'web'], ['--site', 's01', '--host', 'web']],
    [['--site', 's01', '--host', 'web'], ['--site', 's01', '--host', 'web']],
    [['-prune'], ['--prune']],
    [['-yaml-ex', 'x.yaml'], ['--example-yaml', 'x.yaml']],
    [['-yex', '-'], ['--example-yaml', '-']],
    [['-env-ex', 'x.env'], ['--example-env', 'x.env']],
    [['-eex', '-'], ['--example-env', '-']],
    [['-yaml-exh', '-all'], ['--scaffold-yaml', '--all']],
    [['-env-exh'], ['--scaffold-env']],
    [['-f'], ['--force']],
    [['--force'], ['--force']],
    [['-y'], ['--force']],
    [['--yes'], ['--force']],
  ])('%j -> sync-config %j', async (flags, options) => {
    const res = await runScript(flags, { PATH: `${fakeBin}:${path}`, DTHOSTMON_CONFIG: '/etc/dthm.yaml' }, staged.dir);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.trim().split('\n')).toEqual(['sync-config', '-c', '/etc/dthm.yaml', ...options]);
  });

  it('-config wins; the default config is <repo>/config/dthostmon.yaml', async () => {
    const explicit = await runScript(['-config', 'mine.yaml'], { PATH: `${fakeBin}:${path}`, DTHOSTMON_CONFIG: '/etc/dthm.yaml' }, staged.dir);
    expect(explicit.stdout.trim().split('\n')).toEqual(['sync-config', '-c', 'mine.yaml']);
    const fallback = await runScript([], { PATH: `${fakeBin}:${path}` }, staged.dir);
    expect(fallback.stdout.trim().split('\n')).toEqual(['sync-config', '-c', join(repoRoot, 'config', 'dthostmon.yaml')]);
  });

  it('-h prints the usage with every flag and the DTHM rules, exit 0; an unknown option exits 2', async () => {
    const help = await runScript(['-h'], { PATH: path }, staged.dir);
    expect(help.code).toBe(0);
    for (const flag of ['-test', '-debug', '-config', '-sites-dir', '-yaml-ex', '-yex', '-env-ex', '-eex', '-yaml-exh', '-env-exh', '-f', '-site', '-host', '-prune']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('DTHM_HOST_MONITORING__CHECK_DOCKER=true');
    expect(await runScript(['-bogus'], { PATH: path }, staged.dir)).toEqual({ code: 2, stdout: '', stderr: 'Unknown option: -bogus\n' });
    expect(await runScript(['-site'], { PATH: path }, staged.dir)).toEqual({ code: 2, stdout: '', stderr: 'Option -site needs a value\n' });
  });

  it('runs the repository CLI: -test prints the diff and writes nothing, then a real run writes', async () => {
    const env = { PATH: path, DOCKER_SITES_DIR: staged.sitesDir };
    const test = await runScript(['-test', '-config', staged.configPath], env, staged.dir);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain('+  - name: gpu1-75\n');
    expect(staged.files()).toEqual(['dthostmon.yaml', 'sites']);
    const real = await runScript(['-config', staged.configPath, '-prune'], env, staged.dir);
    expect(real.code).toBe(0);
    expect(staged.read()).toContain('  - name: nas01\n');
    expect(staged.read()).not.toContain('name: old-box');
    expect(staged.files()).toEqual(['dthostmon.yaml', 'dthostmon.yaml.bak', 'sites']);
  });

  it('runs the scaffolds of the repository CLI', async () => {
    const env = { PATH: path, DOCKER_SITES_DIR: staged.sitesDir };
    const yex = await runScript(['-yex', '-'], env, staged.dir);
    expect(yex.stdout).toContain('enabled: true');
    const eex = await runScript(['-eex', '-'], env, staged.dir);
    expect(eex.stdout).toContain('DTHM_HOST_ENABLED=true');
    const hostDir = join(staged.sitesDir, 's01-7692nh', 'media');
    expect((await runScript(['-yaml-exh', '-site', 's01-7692nh', '-host', 'media', '-y'], env, staged.dir)).code).toBe(0);
    expect(readFileSync(join(hostDir, 'dthm-media.yaml'), 'utf8')).toContain('# dthm-media.yaml');
    writeFileSync(join(hostDir, '.env.media'), 'EXISTING_VAR=test\n');
    const refused = await runScript(['-env-exh', '-site', 's01-7692nh', '-host', 'media'], env, staged.dir);
    expect(refused).toMatchObject({ code: 2, stderr: `dthostmon: ${join(hostDir, '.env.media')} exists: rerun with --force to append the missing example variables\n` });
    expect((await runScript(['-env-exh', '-site', 's01-7692nh', '-host', 'media', '-f'], env, staged.dir)).code).toBe(0);
    expect(readFileSync(join(hostDir, '.env.media'), 'utf8')).toMatch(/^EXISTING_VAR=test\n[\s\S]*DTHM_HOST_USER=monitoring\n/);
  });
});

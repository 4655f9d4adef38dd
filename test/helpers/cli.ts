import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binPath = join(repoRoot, 'bin', 'dthostmon.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Fails loudly when the CLI has not been built (npm test builds first). */
export function assertBuilt(): void {
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does it) before the CLI tests');
  }
}

export interface SpawnCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A command the CLI runs under, e.g. `['/usr/bin/time', '-o', FILE, '-f', '%M']`; `child` is then that command. */
  wrapper?: string[];
}

/**
 * Spawns the built binary with NO_COLOR=1 and DTHOSTMON_LOG_FORMAT=text (the pipes are not a terminal, so `run` and
 * `serve` would log JSON lines; tests of the JSON format pass DTHOSTMON_LOG_FORMAT in `env`) and collects its output.
 */
export function spawnCli(args: string[], options: SpawnCliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, binPath, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1', DTHOSTMON_CONFIG: '', DTHOSTMON_LOG_FORMAT: 'text', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => {
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

export function tempDir(prefix = 'dthm-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** Shared by the sync-config tests: fixture trees copied to a temp dir, and the command run in process. */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncConfig, type SyncConfigOptions } from '../../../src/cli/commands/sync-config.js';
import { ConfigError, DthostmonError } from '../../../src/errors.js';

/** test/fixtures/sites/<parts>. */
export function sitesFixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../fixtures/sites/${parts.join('/')}`, import.meta.url));
}

export interface Staged {
  dir: string;
  sitesDir: string;
  configPath: string;
  read(): string;
  files(): string[];
  cleanup(): void;
}

/** Copies sites tree `tree` to `<tmp>/sites` and, when given, `configs/<config>` to `<tmp>/dthostmon.yaml`. */
export function stage(tree: string, config?: string): Staged {
  const dir = mkdtempSync(join(tmpdir(), 'dthm-sync-'));
  const sitesDir = join(dir, 'sites');
  cpSync(sitesFixture(tree), sitesDir, { recursive: true });
  const configPath = join(dir, 'dthostmon.yaml');
  if (config) cpSync(sitesFixture('configs', config), configPath);
  return {
    dir,
    sitesDir,
    configPath,
    read: () => readFileSync(configPath, 'utf8'),
    files: () => readdirSync(dir).sort(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `dthostmon sync-config` in process with buffered output, mapping thrown errors to exit codes the way
 * src/cli/main.ts does (the e2e tests cover main.ts itself).
 */
export async function runSync(staged: Staged, flags: Partial<SyncConfigOptions> = {}, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { NO_COLOR: '1', HOME: staged.dir, ...env },
    cwd: staged.dir,
  };
  try {
    const code = await syncConfig({
      config: staged.configPath,
      verbose: false,
      quiet: false,
      json: false,
      io,
      sitesDir: staged.sitesDir,
      dryRun: false,
      debug: false,
      prune: false,
      scaffoldYaml: false,
      scaffoldEnv: false,
      all: false,
      force: false,
      ...flags,
    });
    return { code, stdout, stderr };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DthostmonError) return { code: err.exitCode, stdout, stderr: `${stderr}${err.message}\n` };
    throw err;
  }
}

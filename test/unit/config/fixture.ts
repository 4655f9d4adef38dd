/** Shared helpers of the config tests: fixture paths and catching ConfigError. */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../src/errors.js';
import { loadConfig, loadConfigText, type LoadOptions } from '../../../src/config/load.js';

/** Absolute path under test/fixtures/config/. */
export function fixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../fixtures/config/${parts.join('/')}`, import.meta.url));
}

/** A config path in a directory without a .env, for configs given as text. */
export const INLINE_FILE = join(tmpdir(), 'dthostmon-config-tests-no-such-dir', 'dthostmon.yaml');

/** The ConfigError thrown by loading `file` (fails the test when it loads). */
export async function loadError(file: string, options: LoadOptions = {}): Promise<ConfigError> {
  try {
    await loadConfig(file, { env: {}, ...options });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${file} loaded but a ConfigError was expected`);
}

/** The ConfigError thrown by loading config `text`. */
export function textError(text: string, options: LoadOptions = {}): ConfigError {
  try {
    loadConfigText(text, INLINE_FILE, { env: {}, ...options });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('config text loaded but a ConfigError was expected');
}

/** Loads config `text` from an inline file path (no .env involved). */
export function loadText(text: string, options: LoadOptions = {}) {
  return loadConfigText(text, INLINE_FILE, { env: {}, homeDir: '/home/tester', ...options });
}

/**
 * Copies a fixture case directory to a fresh temp directory, renaming its `dotenv` file to `.env`
 * (the repository ignores `.env` files, so fixtures cannot hold one). Returns the directory.
 */
export function stageCase(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dthostmon-cfg-'));
  cpSync(fixture(...parts), dir, { recursive: true });
  if (existsSync(join(dir, 'dotenv'))) renameSync(join(dir, 'dotenv'), join(dir, '.env'));
  return dir;
}

/** Removes a directory made by stageCase. */
export function unstage(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

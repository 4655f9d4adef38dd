import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Environment } from './env.js';

/** The system-wide location (the original's Docker image layout). */
export const SYSTEM_CONFIG_PATH = '/opt/dthostmon/config/dthostmon.yaml';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Picks the config file: `-c` if given, else `$DTHOSTMON_CONFIG`, else `./config/dthostmon.yaml`,
 * else `/opt/dthostmon/config/dthostmon.yaml`. An explicit `-c` or `$DTHOSTMON_CONFIG` that does
 * not exist is an error rather than a silent fall-back to another file. Throws ConfigError naming
 * every place tried.
 */
export function findConfigPath(
  explicit: string | undefined,
  env: Environment,
  cwd: string,
  systemPath: string = SYSTEM_CONFIG_PATH,
): string {
  const fromEnv = env.DTHOSTMON_CONFIG;
  const candidates: { path: string; why: string }[] =
    explicit !== undefined && explicit !== ''
      ? [{ path: resolve(cwd, explicit), why: '-c' }]
      : fromEnv !== undefined && fromEnv !== ''
        ? [{ path: resolve(cwd, fromEnv), why: '$DTHOSTMON_CONFIG' }]
        : [
            { path: resolve(cwd, 'config/dthostmon.yaml'), why: 'default' },
            { path: systemPath, why: 'default' },
          ];
  const found = candidates.find((c) => isFile(c.path));
  if (found) return found.path;
  const tried = candidates.map((c) => `${c.path} (${c.why})`).join(', ');
  throw new ConfigError(`no config file found; tried ${tried}`);
}

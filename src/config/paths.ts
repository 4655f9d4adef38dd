import { isAbsolute, join, resolve } from 'node:path';

/** Replaces a leading `~` or `~/` with `homeDir`. */
export function expandHome(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return path;
}

/**
 * Makes a path from the config absolute: `~` is the home directory, and a relative path is taken
 * relative to the config file's directory (not the cwd, which differs between cron and a shell).
 */
export function resolveConfigPath(configDir: string, path: string, homeDir: string): string {
  const expanded = expandHome(path, homeDir);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(configDir, expanded);
}

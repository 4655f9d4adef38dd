import { userInfo } from 'node:os';

/**
 * The OS user running this command, as the audit trail's actor (`report --send`, `sync-config`): the account name,
 * else $USER / $LOGNAME (a container uid without a passwd entry), else `uid:<n>`.
 */
export function osUserActor(env: Readonly<Record<string, string | undefined>> = process.env): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

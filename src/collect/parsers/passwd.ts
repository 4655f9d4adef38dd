import type { PasswdUser } from '../../types.js';
import { excerpt, type ParseResult } from './parse-result.js';

/**
 * Parses `/etc/passwd` (`name:x:uid:gid:gecos:home:shell`). NIS compat lines (`+`, `-`) name no local account and
 * are skipped; malformed lines are noted, never fatal.
 */
export function parsePasswd(text: string): ParseResult<PasswdUser[]> {
  const users: PasswdUser[] = [];
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    const [name, , uidText, gidText, , home, shell] = f;
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (f.length < 7 || !name || !/^\d+$/.test(uidText ?? '') || !/^\d+$/.test(gidText ?? '')) {
      problems.push(`passwd: ignored line "${excerpt(line)}"`);
      continue;
    }
    users.push({ name, uid, gid, home: home ?? '', shell: shell ?? '' });
  }
  return { value: users, problems };
}

import type { HostFacts } from '../../types.js';
import { excerpt, type ParseResult } from './parse-result.js';

export type OsInfo = HostFacts['os'];

/**
 * Parses os-release(5): `KEY=value` lines, values optionally in double or single quotes with `\` escapes.
 * Missing keys get the defaults the spec defines (`ID=linux`, `NAME=Linux`, `PRETTY_NAME=Linux`).
 */
export function parseOsRelease(text: string): ParseResult<OsInfo> {
  const fields = new Map<string, string>();
  const problems: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) {
      problems.push(`os-release: ignored line "${excerpt(line)}"`);
      continue;
    }
    fields.set(m[1], unquote(m[2]));
  }
  const name = fields.get('NAME') ?? 'Linux';
  const value: OsInfo = {
    id: fields.get('ID') ?? 'linux',
    name,
    version: fields.get('VERSION') ?? fields.get('VERSION_ID') ?? '',
    prettyName: fields.get('PRETTY_NAME') ?? name,
  };
  if (fields.size === 0) problems.push('os-release: no fields found');
  return { value, problems };
}

function unquote(value: string): string {
  const q = value.charAt(0);
  if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
    const inner = value.slice(1, -1);
    // Single quotes are literal in shell syntax; double quotes allow \" \\ \$ \` escapes.
    return q === "'" ? inner : inner.replace(/\\(["\\$`])/g, '$1');
  }
  return value;
}

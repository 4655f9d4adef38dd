import { hostSchema } from '../../../src/config/schema-hosts.js';
import { coerceList, coerceText, splitList } from '../../../src/sync/coerce.js';
import { keyInfo } from '../../../src/sync/schema-keys.js';

const at = (...path: string[]) => {
  const info = keyInfo(hostSchema, path);
  if (!info) throw new Error(`no key ${path.join('.')}`);
  return info;
};

describe('per-key coercion (GAP-S4, GAP-S5)', () => {
  it('booleans take true/yes/1/on and false/no/0/off in any case', () => {
    for (const word of ['true', 'TRUE', 'yes', 'Yes', '1', 'on']) expect(coerceText(at('check_docker'), word)).toBe(true);
    for (const word of ['false', 'False', 'no', 'NO', '0', 'off']) expect(coerceText(at('enabled'), word)).toBe(false);
    expect(coerceText(at('enabled'), 'maybe')).toBe('maybe');
  });

  it('integers are digits only: port 1 is 1, not true', () => {
    expect(coerceText(at('port'), '1')).toBe(1);
    expect(coerceText(at('port'), '0022')).toBe(22);
    expect(coerceText(at('port'), 'true')).toBe('true');
    expect(coerceText(at('port'), '22.5')).toBe('22.5');
  });

  it('decimals, texts and values the schema parses', () => {
    expect(coerceText(at('command_timeout'), '2.5')).toBe(2.5);
    expect(coerceText(at('user'), '1000')).toBe('1000');
    expect(coerceText(at('hostname'), 'yes')).toBe('yes');
    expect(coerceText(at('resource_thresholds', 'health'), '0-25')).toBe('0-25');
    expect(coerceText(at('disk_growth', 'step'), '1073741824')).toBe(1073741824);
  });

  it('a ${VAR} left for run time stays text whatever the key', () => {
    expect(coerceText(at('port'), '${SSH_PORT}')).toBe('${SSH_PORT}');
    expect(coerceText(at('enabled'), '${ON}')).toBe('${ON}');
  });

  it('lists are always lists: comma split, trimmed, empty items dropped', () => {
    expect(splitList(' a, b,,c ,')).toEqual(['a', 'b', 'c']);
    expect(coerceList(at('tags'), 'development')).toEqual(['development']);
    expect(coerceList(at('tags'), 'web, db')).toEqual(['web', 'db']);
    expect(coerceList(at('logs'), ['/a', '/b'])).toEqual(['/a', '/b']);
    expect(coerceList(at('tags'), '')).toEqual([]);
  });
});

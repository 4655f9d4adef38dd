import { hostSchema, siteSchema } from '../../../src/config/schema-hosts.js';
import { elementInfo, keyInfo, mapKeys, rootInfo, suggestKey } from '../../../src/sync/schema-keys.js';

describe('keyInfo: key kinds read from the zod schema', () => {
  const kind = (path: string[], schema: unknown = hostSchema) => keyInfo(schema, path)?.kind ?? null;

  it('scalars: booleans, integers, decimals, texts and enums', () => {
    expect(kind(['check_docker'])).toBe('boolean');
    expect(kind(['enabled'])).toBe('boolean');
    expect(kind(['port'])).toBe('integer');
    expect(kind(['learning_passes'])).toBe('integer');
    expect(kind(['command_timeout'])).toBe('number');
    expect(kind(['hostname'])).toBe('text');
    expect(kind(['transport'])).toBe('text');
    expect(kind(['report_frequency'])).toBe('text');
  });

  it('lists, maps, lists of maps and values the schema parses itself', () => {
    expect(kind(['tags'])).toBe('list');
    expect(kind(['logs'])).toBe('list');
    expect(kind(['alert_recipients'], siteSchema)).toBe('list');
    expect(kind(['monitoring'])).toBe('map');
    expect(kind(['thresholds'])).toBe('map');
    expect(kind(['rules'])).toBe('list-of-maps');
    expect(kind(['resource_thresholds', 'health'])).toBe('other');
    expect(kind(['disk_growth', 'step'])).toBe('other');
  });

  it('nested keys and unknown keys', () => {
    expect(kind(['monitoring', 'check_services'])).toBe('list');
    expect(kind(['thresholds', 'disk_percent'])).toBe('number');
    expect(kind(['disk_growth', 'du_depth'])).toBe('integer');
    expect(keyInfo(hostSchema, ['prot'])).toBeNull();
    expect(keyInfo(hostSchema, ['port', 'x'])).toBeNull();
    expect(keyInfo(siteSchema, ['name'])).toBeNull();
    expect(keyInfo(hostSchema, ['__proto__'])).toBeNull();
  });

  it('list items and map keys', () => {
    expect(elementInfo(keyInfo(hostSchema, ['tags'])!)?.kind).toBe('text');
    expect(mapKeys(keyInfo(hostSchema, ['monitoring'])!)).toEqual(['check_docker', 'check_apt', 'check_disk', 'check_services']);
    expect(suggestKey(rootInfo(hostSchema), 'hostnme')).toBe('hostname');
    expect(suggestKey(rootInfo(hostSchema), 'zzzzzz')).toBeNull();
  });
});
